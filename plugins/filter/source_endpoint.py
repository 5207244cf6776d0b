# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: source_endpoint
short_description: Host, port and user of a source given as host:port@user
version_added: 0.1.0
description:
  - Reads a migration source written as C(host:port@user) with the rule
    M(pgflex.migration.pg_flexible_migration) applies to its O(pgflex.migration.pg_flexible_migration#module:source_server)
    option. The host is a DNS name, an IPv4 address or a bracketed IPv6 address such as C([2001:db8::4]:5432@postgres).
  - Anything else, such as the resource ID of a Single Server, gives an empty dictionary.
  - The P(pgflex.migration.migrate#role) role uses it to connect its verification to the source the migration reads.
author:
  - pgflex.migration maintainers (@pgflex)
options:
  _input:
    description: The source, as given to the module's O(pgflex.migration.pg_flexible_migration#module:source_server).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Connect to the source the migration reads
  ansible.builtin.debug:
    msg: "{{ source.host }} port {{ source.port }} as {{ source.user }}"
  vars:
    source: "{{ '10.0.0.4:5432@postgres' | pgflex.migration.source_endpoint }}"
'''

RETURN = r'''
_value:
  description:
    - C(host) (an IPv6 address without its brackets), C(port) (a number) and C(user).
    - Empty when the input is not C(host:port@user).
  type: dict
  sample: {host: 10.0.0.4, port: 5432, user: postgres}
'''

from ansible_collections.pgflex.migration.plugins.module_utils.request import ENDPOINT_RE


def source_endpoint(source):
    """host:port@user -> {host, port, user}; {} for anything else (the module's rule, request.ENDPOINT_RE)."""
    match = ENDPOINT_RE.match(source) if isinstance(source, str) else None
    if not match:
        return {}
    return {'host': match.group('host').strip('[]'), 'port': int(match.group('port')), 'user': match.group('user')}


class FilterModule(object):
    def filters(self):
        return {'source_endpoint': source_endpoint}
