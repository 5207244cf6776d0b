#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_flexible_migration_assess
short_description: Tell, before anything is created, whether a server will migrate and what to prepare
version_added: 0.1.0
description:
  - Reads the source PostgreSQL server (a PostgreSQL connection), the target Azure Database for PostgreSQL flexible
    server (Azure Resource Manager - the server and its C(azure.extensions) and C(shared_preload_libraries) server
    parameters - and a PostgreSQL connection when O(target_username) is set), and reports what would make a migration
    fail, what to prepare, how long the copy should take and which migration mode fits.
  - It creates no migration, spends no migration name, sends no C(PUT), C(PATCH) or C(DELETE) request and changes
    nothing on either server (catalog reads in read-only transactions), so it never reports a change.
  - Each finding names the server and the database, the check, its severity (V(blocker) - the migration would fail,
    V(warning) - prepare or accept something, V(info)), what was found, the fix, and where the rule comes from (a
    Microsoft document or the project's seed). The checks are listed with their sources in the collection's
    C(docs/assess.md).
  - Checks of the online mode (C(wal_level), free replication slots and WAL senders, the source user's C(REPLICATION),
    tables without a primary key or replica identity, unlogged tables) are blockers or warnings only with
    O(migration_mode=online); with V(offline) they are reported as V(info).
author:
  - pgflex.migration maintainers (@pgflex)
requirements:
  - psycopg >= 3.1 (C(psycopg[binary])) on the host that runs the module.
  - Network access from that host to the source (and to the target when O(target_username) is set), usually TCP
    port 5432.
options:
  databases:
    description:
      - Names of the databases to migrate. Default is every database of the source that accepts connections, except
        C(postgres), the templates and Azure's own.
    type: list
    elements: str
  migration_mode:
    description:
      - The mode the migration will use. V(online) makes the online checks blockers or warnings.
    type: str
    choices: [offline, online]
    default: offline
  setup_logical_replication:
    description:
      - Whether the migration will be allowed to set the source's C(wal_level) to C(logical) and restart the source
        (the migration's O(pgflex.migration.pg_flexible_migration#module:setup_logical_replication)).
      - With V(true) and O(migration_mode=online), a source whose C(wal_level) is not C(logical) is a V(warning)
        (C(wal_level_setup), plan for the restart) instead of a V(blocker) (C(wal_level)).
    type: bool
    default: false
  source_username:
    description:
      - User to read the source with; use the user the migration will use, since its privileges are checked.
    type: str
    required: true
  target_host:
    description:
      - Host name or IP address to reach the target server over PostgreSQL. Default is the server's
        C(fullyQualifiedDomainName) from Azure.
    type: str
    required: false
  target_username:
    description:
      - User to read the target with; use the user the migration will use (usually the server's administrator
        login), since its memberships and attributes are checked.
      - Without it the target is only read over Azure Resource Manager, and a V(info) finding says which checks did
        not run.
    type: str
extends_documentation_fragment:
  - pgflex.migration.api_timeout
  - pgflex.migration.source_connection
  - pgflex.migration.target_connection
  - pgflex.migration.target_server
  - pgflex.migration.azure_auth
  - pgflex.migration.changes_nothing
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs the same assessment.
notes:
  - The duration is an estimate interpolated on Microsoft's published benchmark (a Standard_D4ds_v4 target); a bigger
    target is faster, and only a test migration gives the real figure.
  - The migration role copies at most 8 databases per migration, one migration after another.
seealso:
  - module: pgflex.migration.pg_flexible_migration
  - module: pgflex.migration.pg_flexible_migration_verify
  - name: Known issues and limitations of the migration service
    description: The service's documented limitations the checks come from.
    link: https://learn.microsoft.com/en-us/azure/postgresql/migrate/migration-service/concepts-known-issues-migration-service
"""

EXAMPLES = r"""
- name: Assess a server before the migration weekend
  pgflex.migration.pg_flexible_migration_assess:
    resource_group: rg-databases
    server_name: pg-flex-prod
    source_host: pg-onprem.example.com
    source_username: migration
    source_password: "{{ vault_source_password }}"
    target_username: azureadmin
    target_password: "{{ vault_target_password }}"
    migration_mode: online
  register: assessment

- name: Stop when something blocks the migration
  ansible.builtin.assert:
    that: assessment.ready
    fail_msg: "{{ assessment.findings | selectattr('severity', 'equalto', 'blocker') | map(attribute='message') | list }}"

- name: Show what to prepare
  ansible.builtin.debug:
    msg: "{{ item.database | default('server', true) }}: {{ item.message }} Fix: {{ item.fix }}"
  loop: "{{ assessment.findings | rejectattr('severity', 'equalto', 'info') | list }}"
"""

RETURN = r"""
ready:
  description: Whether nothing blocks the migration (no finding of severity V(blocker)).
  returned: always
  type: bool
  sample: false
verdict:
  description:
    - V(ready) (no blocker, no warning), V(needs_preparation) (warnings only) or V(blocked) (at least one blocker).
  returned: always
  type: str
  sample: blocked
findings:
  description: Everything found, server-level findings first, then each database's.
  returned: always
  type: list
  elements: dict
  contains:
    server:
      description: The target server's name.
      type: str
      sample: pg-flex-prod
    database:
      description: The database, or null for a server-level finding.
      type: str
      sample: legacy_fdw
    check:
      description: The check's name (the table in C(docs/assess.md)).
      type: str
      sample: extension_not_allowed
    severity:
      description: V(blocker), V(warning) or V(info).
      type: str
      sample: blocker
    message:
      description: What was found.
      type: str
      sample: The database uses extension(s) postgres_fdw, not on the target's allow-list (azure.extensions).
    fix:
      description: What to do.
      type: str
    source:
      description: Where the rule comes from (a Microsoft document's URL, or the project's seed).
      type: str
    error_code:
      description: The migration service's documented error code the migration would fail with, when there is one.
      type: str
      returned: when known
      sample: "603108"
    names:
      description:
        - The names the finding is about, for grouping findings across servers, for example the extensions of
          C(extension_not_allowed), the tables of C(replica_identity), the roles of C(target_monitoring_roles).
          Empty when the finding is about the server or the database as a whole.
      type: list
      elements: str
      sample: [postgres_fdw]
prepare:
  description:
    - What M(pgflex.migration.pg_flexible_migration_prepare) can fix of the findings, as its options.
  returned: always
  type: dict
  contains:
    allow_extensions:
      description: The extensions of the C(extension_not_allowed) findings, each once.
      type: list
      elements: str
      sample: [postgres_fdw]
sizes:
  description: The size of each database on the source, in the order of O(databases).
  returned: always
  type: list
  elements: dict
  contains:
    database:
      description: Database name.
      type: str
    size_bytes:
      description: C(pg_database_size) on the source.
      type: int
total_size_bytes:
  description: The sum of RV(sizes).
  returned: always
  type: int
estimate:
  description: Estimated copy time (null when no size could be read). An estimate, not a promise.
  returned: always
  type: dict
  contains:
    minutes:
      description: Estimated minutes, rounded up.
      type: int
      sample: 8
    text:
      description: The same, readable.
      type: str
      sample: 8 min
    size_bytes:
      description: The size the estimate is for.
      type: int
    basis:
      description: What the figure is interpolated on.
      type: str
recommended_mode:
  description: V(online) when the copy is long and nothing blocks an online migration, else V(offline).
  returned: always
  type: str
  sample: offline
source:
  description: What the source server reported (null values when it could not be read).
  returned: always
  type: dict
  contains:
    version:
      description: PostgreSQL version (major, or major.minor before 10).
      type: str
      sample: "15"
    wal_level:
      description: The source's C(wal_level).
      type: str
      sample: replica
    max_replication_slots:
      description: The source's C(max_replication_slots).
      type: int
    max_wal_senders:
      description: The source's C(max_wal_senders).
      type: int
target:
  description: What Azure says about the target server.
  returned: always
  type: dict
  contains:
    version:
      description: PostgreSQL major version.
      type: str
      sample: "16"
    storage_gb:
      description: Storage size in GB.
      type: int
    sku:
      description: SKU name.
      type: str
    fqdn:
      description: The server's host name.
      type: str
    allowed_extensions:
      description: The C(azure.extensions) allow-list (null when the server has no such parameter).
      type: list
      elements: str
    preload_libraries:
      description: The C(shared_preload_libraries) list.
      type: list
      elements: str
"""

import time

from ansible_collections.pgflex.migration.plugins.module_utils import assess_azure, assess_probe, assess_rules, pg_endpoint, verify
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import database_list_problems, number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.limits import API_TIMEOUT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.module import TARGET_SERVER_ARGUMENT_SPEC, MigrationModule

ARGUMENT_SPEC = dict(
    TARGET_SERVER_ARGUMENT_SPEC,
    **API_TIMEOUT_SPEC,
    databases=dict(type='list', elements='str'),
    migration_mode=dict(type='str', choices=['offline', 'online'], default='offline'),
    setup_logical_replication=dict(type='bool', default=False),
)
ARGUMENT_SPEC.update(pg_endpoint.connection_spec('source'))  # doc fragment pgflex.migration.source_connection
# The target's PostgreSQL connection is optional: its host defaults to the server's FQDN from Azure, and the checks
# that need it are skipped without a user.
ARGUMENT_SPEC.update(pg_endpoint.connection_spec('target', required=False))
ARGUMENT_SPEC.update(pg_endpoint.CONNECT_TIMEOUT_SPEC)


def check_input(mod):
    params = mod.params
    problems = database_list_problems(params['databases'], when_left_out='all')
    if problems:
        mod.fail('Invalid input: %s. Nothing was read.' % '; '.join(problems))
    for option in ('source_host', 'source_username'):
        if not (params[option] or '').strip():
            mod.fail('Invalid input: %s is empty; give the source server\'s %s.' % (option, option.split('_')[1]))
    if params['target_host'] is not None and not params['target_host'].strip():
        mod.fail('Invalid input: target_host is empty; leave it out to use the server\'s host name from Azure.')
    problems = number_problems(params, ('source_port', 'target_port', 'connect_timeout', 'api_timeout'))
    if problems:
        mod.fail('Invalid input: %s.' % '; '.join(problems))


def run(mod):
    check_input(mod)
    missing = verify.missing_psycopg()
    if missing:
        mod.fail(missing.pop('msg'), **missing)
    params = mod.params
    mod.client.set_budget(time.monotonic() + params['api_timeout'], 'api_timeout')
    target = assess_azure.read_target(mod.client, params['resource_group'], params['server_name'])

    source = assess_probe.read_source(pg_endpoint.endpoint_from_params(params, 'source'), params['databases'])
    databases = params['databases'] or source.get('database_names') or []
    if not params['target_username']:
        target_pg = {'skipped': True}
    else:
        host = params['target_host'] or target.get('fqdn')
        target_pg = assess_probe.read_target(pg_endpoint.endpoint_from_params(params, 'target', host))

    result = assess_rules.assess(params['server_name'], params['migration_mode'], databases, source, target, target_pg,
                                 setup_logical_replication=params['setup_logical_replication'])
    mod.exit(changed=False, target=target, **result)


def main():
    MigrationModule(ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
