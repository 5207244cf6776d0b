# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # How a module reaches the target server over PostgreSQL (argument spec: connection_spec('target') and
    # CONNECT_TIMEOUT_SPEC in module_utils/verify.py). The user (what it needs differs) is documented by each module;
    # a module whose target host is optional (assess) documents its own target_host.
    DOCUMENTATION = r'''
options:
  target_host:
    description:
      - Host name or IP address of the target server, for example C(myserver.postgres.database.azure.com).
    type: str
    required: true
  target_port:
    description:
      - TCP port of the target server, in the range of O(source_port).
    type: int
    default: 5432
  target_password:
    description:
      - Password of O(target_username), or unset to use what O(source_password) says.
    type: str
  target_ssl_mode:
    description:
      - TLS mode for the target connection, with the values of O(source_ssl_mode). Azure flexible servers require
        TLS, so V(prefer) or stricter.
    type: str
    choices: [disable, allow, prefer, require, verify_ca, verify_full]
    default: prefer
  target_ssl_root_cert:
    description:
      - The target's CA certificate file, as O(source_ssl_root_cert) is the source's.
    type: path
  connect_timeout:
    description:
      - Seconds to wait for each PostgreSQL connection (to either server) to be established, between 1 and 3600.
    type: int
    default: 10
'''
