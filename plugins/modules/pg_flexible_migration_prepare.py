#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_flexible_migration_prepare
short_description: Prepare a target flexible server for a migration (extension allow-list, migration parameters)
version_added: 0.1.0
description:
  - Adds extensions to the target server's allow-list (the C(azure.extensions) server parameter) and sets the
    migration service's tuning parameters (C(azure.migration_copy_with_binary), C(azure.migration_skip_analyze),
    C(azure.migration_skip_extensions), C(azure.migration_skip_large_objects), C(azure.migration_table_split_size)),
    or any other server parameter named in O(parameters), through the server's configurations API.
  - Idempotent. It reads each parameter first and sends a C(PUT) only for a value that differs; extensions already
    on the allow-list stay, in their order.
  - Typical use is fixing the blockers and warnings of M(pgflex.migration.pg_flexible_migration_assess), for example
    its C(extension_not_allowed) finding.
  - C(azure.migration_skip_role_user) is read-only on flexible servers and is refused.
author:
  - pgflex.migration maintainers (@pgflex)
options:
  allow_extensions:
    description:
      - Extensions to add to C(azure.extensions) when missing. Extensions already allowed stay.
    type: list
    elements: str
    default: []
  parameters:
    description:
      - Server parameters to set, name to value. Booleans may be given as V(true)/V(false) or V(on)/V(off).
      - Setting C(azure.extensions) here replaces the whole allow-list (and O(allow_extensions) adds to that).
      - Static parameters (such as C(shared_preload_libraries)) take effect only after the server restarts; this
        module does not restart it.
    type: dict
    default: {}
extends_documentation_fragment:
  - pgflex.migration.api_timeout
  - pgflex.migration.target_server
  - pgflex.migration.azure_auth
attributes:
  check_mode:
    support: full
    description: Reads the parameters and reports what would change, without sending a C(PUT).
  diff_mode:
    support: full
    description: The diff shows each changed parameter's value before and after.
seealso:
  - module: pgflex.migration.pg_flexible_migration_assess
  - name: Migration server parameters
    description: Microsoft's list of the azure.migration_* parameters, their values and defaults.
    link: https://learn.microsoft.com/en-us/azure/postgresql/server-parameters/param-migration
"""

EXAMPLES = r"""
- name: Allow-list what the assessment found missing and copy large tables in binary
  pgflex.migration.pg_flexible_migration_prepare:
    resource_group: rg-databases
    server_name: pg-flex-prod
    allow_extensions: [postgres_fdw]
    parameters:
      azure.migration_copy_with_binary: true
      azure.migration_table_split_size: 10240
"""

RETURN = r"""
parameters:
  description: Each parameter the task looked at, with its value after the task (in check mode, the value it would have).
  returned: always
  type: dict
  sample: {"azure.extensions": "pg_trgm,citext,postgres_fdw", "azure.migration_copy_with_binary": "on"}
changed_parameters:
  description: Names of the parameters that were (in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["azure.extensions"]
"""

import time

from ansible_collections.pgflex.migration.plugins.module_utils import assess_azure, assess_prepare
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.limits import API_TIMEOUT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.module import TARGET_SERVER_ARGUMENT_SPEC, MigrationModule

ARGUMENT_SPEC = dict(
    TARGET_SERVER_ARGUMENT_SPEC,
    **API_TIMEOUT_SPEC,
    allow_extensions=dict(type='list', elements='str', default=[]),
    parameters=dict(type='dict', default={}),
)


def check_input(mod):
    params = mod.params
    problems = number_problems(params, ('api_timeout',))
    if any(not (name or '').strip() for name in params['allow_extensions']):
        problems.append('allow_extensions has an empty name; remove it')
    problems += assess_prepare.parameter_problems(params['parameters'])
    if problems:
        mod.fail('Invalid input: %s. Nothing was changed.' % '; '.join(problems))


def run(mod):
    check_input(mod)
    params = mod.params
    rg, server = params['resource_group'], params['server_name']
    mod.client.set_budget(time.monotonic() + params['api_timeout'], 'api_timeout')
    names = list(params['parameters'])
    if params['allow_extensions'] and assess_azure.ALLOW_LIST not in names:
        names.append(assess_azure.ALLOW_LIST)
    current = {}
    for name in names:
        current[name] = assess_azure.get_configuration(mod.client, rg, server, name)
        if current[name] is None:
            mod.fail('Invalid input: server %s has no server parameter %s; check the name in parameters. Nothing was '
                     'changed.' % (server, name))
    wanted = assess_prepare.wanted_values(current, params['allow_extensions'], params['parameters'])
    after = dict(current)
    for name in sorted(wanted):
        after[name] = wanted[name] if mod.check_mode else assess_azure.put_configuration(mod.client, rg, server, name, wanted[name])
    result = dict(changed=bool(wanted), parameters=after, changed_parameters=sorted(wanted))
    if mod.diff_mode:
        result['diff'] = {'before': dict((n, current[n]) for n in wanted), 'after': dict((n, after[n]) for n in wanted)}
    mod.exit(**result)


def main():
    MigrationModule(ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
