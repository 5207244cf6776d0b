#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pg_flexible_migration_info
short_description: Get migrations of an Azure Database for PostgreSQL flexible server
version_added: 0.1.0
description:
  - Reads one migration of the migration service of Azure Database for PostgreSQL - Flexible Server, or lists the
    migrations whose target is a flexible server.
  - Each migration comes back with its fields in snake_case and a normalised RV(migrations[].status) summary of
    its state, per-database progress and validation results.
  - A named migration that does not exist gives an empty list, not a failure.
author:
  - pgflex.migration maintainers (@pgflex)
options:
  name:
    description:
      - Name of one migration to get. Without it, the migrations of the server are listed.
      - Checked against the service's name rule (lowercase letters, digits and hyphens, starting and ending with a
        letter or a digit, at most 63 characters) before any API call; a name that breaks it fails the task.
    type: str
  filter:
    description:
      - Which migrations to list when O(name) is not given.
      - V(all) includes finished, failed and cancelled migrations. V(active) returns only those still running or
        waiting (this is the Azure CLI's default).
    type: str
    choices: [all, active]
    default: all
extends_documentation_fragment:
  - pgflex.migration.api_timeout
  - pgflex.migration.target_server
  - pgflex.migration.azure_auth
  - pgflex.migration.migration_states
  - pgflex.migration.changes_nothing
  - pgflex.migration.choice_spellings
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs it normally.
'''

EXAMPLES = r'''
- name: Get one migration
  pgflex.migration.pg_flexible_migration_info:
    resource_group: rg-databases
    server_name: pg-target-01
    name: migrateorders
  register: result

- name: Show its state and per-database progress
  ansible.builtin.debug:
    msg: "{{ item.status.state }} / {{ item.status.substate }}: {{ item.status.databases }}"
  loop: "{{ result.migrations }}"

- name: List only the migrations still running on a server, authenticating with a service principal
  pgflex.migration.pg_flexible_migration_info:
    resource_group: rg-databases
    server_name: pg-target-01
    filter: active
    subscription_id: 00000000-0000-0000-0000-000000000000
    tenant: 11111111-1111-1111-1111-111111111111
    client_id: 22222222-2222-2222-2222-222222222222
    secret: "{{ vault_azure_client_secret }}"
  register: active

- name: Fail when validation found problems
  ansible.builtin.assert:
    that: result.migrations[0].status.validation.verdict != 'failed'
    fail_msg: "{{ result.migrations[0].status.validation.problems }}"
  when: result.migrations | length > 0
'''

RETURN = r'''
migrations:
  description:
    - The migrations found; empty when the named migration does not exist.
    - Fields are the service's REST fields in snake_case, with the C(properties) flattened to the top level.
      Secrets (passwords, usernames of C(secret_parameters)) are never returned.
    - The flags (the fields that say whether) are the strings V(True) or V(False), as the service sends them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Azure resource ID of the migration.
      returned: always
      type: str
      sample: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg1/migrations/m1
    name:
      description: Name of the migration.
      returned: always
      type: str
      sample: migrateorders
    type:
      description: Azure resource type.
      returned: always
      type: str
      sample: Microsoft.DBforPostgreSQL/flexibleServers/migrations
    location:
      description: Azure region of the migration.
      returned: always
      type: str
      sample: eastus
    tags:
      description: Tags of the migration resource.
      returned: when set
      type: dict
    system_data:
      description: Who created and last modified the migration, and when.
      returned: when the service sends it
      type: dict
    migration_id:
      description: Service-assigned ID (GUID) of the migration.
      returned: always
      type: str
    migration_mode:
      description: V(Offline) or V(Online).
      returned: when set
      type: str
    migration_option:
      description: V(Validate), V(Migrate) or V(ValidateAndMigrate).
      returned: when set
      type: str
    source_type:
      description: Kind of source server, for example V(OnPremises) or V(PostgreSQLSingleServer).
      returned: when set
      type: str
    ssl_mode:
      description: TLS mode used to connect to the source.
      returned: when set
      type: str
    source_db_server_resource_id:
      description: The source, as C(host:port@user) or the ARM ID of a Single Server.
      returned: when set
      type: str
    source_db_server_fully_qualified_domain_name:
      description: Host name used to reach the source, when set.
      returned: when set
      type: str
    target_db_server_resource_id:
      description: ARM ID of the target flexible server.
      returned: when the service sends it
      type: str
    target_db_server_fully_qualified_domain_name:
      description: Host name used to reach the target, when set.
      returned: when set
      type: str
    source_db_server_metadata:
      description: Location, version, storage and SKU of the source server.
      returned: when the service sends it
      type: dict
    target_db_server_metadata:
      description: Location, version, storage and SKU of the target server.
      returned: when the service sends it
      type: dict
    migration_instance_resource_id:
      description: ARM ID of the private-endpoint migration runtime server.
      returned: when set
      type: str
    dbs_to_migrate:
      description: Databases the migration copies.
      returned: when set
      type: list
      elements: str
    overwrite_dbs_in_target:
      description: Whether existing target databases are overwritten.
      returned: when the service sends it
      type: str
    setup_logical_replication_on_source_db_if_needed:
      description: Whether the service may set up logical replication on the source.
      returned: when the service sends it
      type: str
    migrate_roles:
      description: Whether roles and permissions are migrated.
      returned: when the service sends it
      type: str
    start_data_migration:
      description: Whether data migration starts right away.
      returned: when the service sends it
      type: str
    trigger_cutover:
      description: Whether cutover was requested.
      returned: when the service sends it
      type: str
    dbs_to_trigger_cutover_on:
      description: Databases cutover was requested for.
      returned: when set
      type: list
      elements: str
    cancel:
      description: Whether cancellation was requested.
      returned: when the service sends it
      type: str
    dbs_to_cancel_migration_on:
      description: Databases cancellation was requested for.
      returned: when set
      type: list
      elements: str
    migration_window_start_time_in_utc:
      description: Start of the migration window.
      returned: when the service sends it
      type: str
    migration_window_end_time_in_utc:
      description: End of the migration window.
      returned: when set
      type: str
    current_status:
      description: The service's status object as sent, in snake_case (database names kept as keys).
      returned: always
      type: dict
    status:
      description: Normalised status of the migration.
      returned: always
      type: dict
      contains:
        state:
          description:
            - Migration state, for example V(InProgress), V(WaitingForUserAction), V(Succeeded), V(Failed),
              V(Canceled), V(ValidationFailed). Values the service adds later are passed through.
          returned: always
          type: str
          sample: InProgress
        substate:
          description: Current substate, for example V(MigratingData) or V(WaitingForCutoverTrigger); null when absent.
          returned: always
          type: str
          sample: MigratingData
        meaning:
          description: What the state and substate mean, in the service's words (the notes list them all).
          returned: always
          type: str
          sample: Migration is in progress. Migrating data.
        terminal:
          description: Whether the state is final (V(Succeeded), V(Failed), V(Canceled) or V(ValidationFailed)).
          returned: always
          type: bool
        outcome:
          description:
            - How a final state ended, V(succeeded), V(failed) or V(cancelled); null while the migration goes on.
            - The words of the collection's one outcome vocabulary (the notes list it), shared with
              C(validation.verdict), the migrate role's report and the fleet report.
          returned: always
          type: str
          sample: succeeded
        needs_user_action:
          description:
            - Whether the migration waits on a question nobody has answered yet, so it will not move on by itself.
            - An answer already given (for example a cutover already triggered) counts as answered even while the
              service still shows the waiting substate.
          returned: always
          type: bool
        question:
          description: What the migration waits for when RV(migrations[].status.needs_user_action) is true; else null.
          returned: always
          type: str
          sample: Waiting for target database overwrite confirmation.
        answer_option:
          description:
            - The option of M(pgflex.migration.pg_flexible_migration) that answers the question, for example
              V(overwrite_databases) or V(cutover); null when nothing needs an answer.
          returned: always
          type: str
          sample: overwrite_databases
        hint:
          description: How to answer the question, in words; null when nothing needs an answer.
          returned: always
          type: str
          sample: "confirm with overwrite_databases: true"
        error:
          description: The service's error text; null when there is none.
          returned: always
          type: str
        databases:
          description: Per-database progress, sorted by name, each entry with every field below; empty before data migration starts.
          returned: always
          type: list
          elements: dict
          contains:
            name:
              description: Database name.
              type: str
            state:
              description: Database migration state, for example V(InProgress), V(WaitingForCutoverTrigger), V(Succeeded).
              type: str
            operation:
              description: Current operation on the database.
              type: str
            started_on:
              description:
                - When migrating the database started, as the service sends it (ISO 8601 in UTC, for example
                  C(2025-06-01T18:30:22.123456Z)); null when it does not.
              type: str
            ended_on:
              description: When migrating the database ended, in the same form; null when the service does not send it.
              type: str
            tables_total:
              description: Tables queued, loading, completed and errored together.
              type: int
            tables_completed:
              description: Tables fully copied.
              type: int
            tables_loading:
              description: Tables being copied.
              type: int
            tables_queued:
              description: Tables waiting to be copied.
              type: int
            tables_errored:
              description: Tables that failed to copy.
              type: int
            cdc_inserts:
              description: Rows inserted by change data capture (online mode).
              type: int
            cdc_updates:
              description: Rows updated by change data capture (online mode).
              type: int
            cdc_deletes:
              description: Rows deleted by change data capture (online mode).
              type: int
            applied_changes:
              description: Changes applied to the target (online mode).
              type: int
            incoming_changes:
              description: Changes waiting to be applied (online mode).
              type: int
            latency:
              description: Replication lag in seconds (online mode).
              type: int
            message:
              description: Error or information message for the database; null when none.
              type: str
        validation:
          description: Validation results flattened into readable checks.
          returned: always
          type: dict
          contains:
            verdict:
              description:
                - V(succeeded), V(warning), V(failed), V(in_progress), or V(not_run) when the migration has no
                  validation.
              type: str
              returned: always
              sample: failed
            status:
              description: The service's overall validation status; null before it is known.
              type: str
              returned: always
            started_on:
              description: When validation started.
              type: str
              returned: always
            ended_on:
              description: When validation ended.
              type: str
              returned: always
            checks:
              description: Every check, server-level first.
              type: list
              elements: dict
              returned: always
              contains:
                level:
                  description: V(server) or V(database).
                  type: str
                  returned: always
                database:
                  description: Database of a database-level check; null for server-level checks.
                  type: str
                  returned: always
                type:
                  description: The check, for example V(ExtensionsValidation).
                  type: str
                  returned: always
                state:
                  description: V(Succeeded), V(Warning) or V(Failed).
                  type: str
                  returned: always
                messages:
                  description: Messages of the check.
                  type: list
                  elements: str
                  returned: always
            problems:
              description: One readable line per failed or warning check.
              type: list
              elements: str
              returned: always
              sample:
                - "database 'db1': ExtensionsValidation Failed: Unsupported Extension ..."
        validation_lines:
          description:
            - One line per validation check, server-level first, each with the check's state in brackets, where it ran
              (the server or a database), the check and its messages; for example to show a whole validation in a
              task's output.
          returned: always
          type: list
          elements: str
          sample:
            - "[Succeeded] server: AuthenticationAndConnectivityValidation"
            - "[Failed] database db1: ExtensionsValidation: Unsupported Extension postgres_fdw"
        failure_reason:
          description:
            - Why a migration that ended without success did, in one sentence. The service's words come first, its
              error, the validation's problems and each database's message (or the state's own meaning when the
              service gave none). The meaning and fix of every service error code in them follows.
            - Null while the migration goes on and when it succeeded.
          returned: always
          type: str
          sample: >-
            database 'db1': ExtensionsValidation Failed: Unsupported Extension postgres_fdw.
        service_clock:
          description:
            - The time left before the service ends the migration, as of this read. Microsoft documents two limits;
              a migration times out 7 days after it starts, and an online migration 72 hours after a database's
              initial copy completed without its cutover.
            - The 7 days count from C(migration_window_start_time_in_utc) (the creation time unless a later window
              was set). The service does not report when a copy completed, so the 72 hours count from the
              C(started_on) of each database waiting for its cutover, which is no later, so the deadline shown is never
              later than the service's (docs/service-assumptions.md).
            - Null once the migration ended, or when the service reports no start.
          returned: always
          type: dict
          contains:
            started_on:
              description: When the 7-day clock started (UTC).
              type: str
              returned: always
            migration_deadline:
              description: When the 7 days are over (UTC).
              type: str
              returned: always
            cutover_deadline:
              description: When the earliest cutover window closes (UTC); null when no database waits for its cutover.
              type: str
              returned: always
            deadline:
              description: The earlier of the two deadlines (UTC).
              type: str
              returned: always
            limit:
              description: Which limit ends the migration first, V(migration_lifetime) or V(cutover_window).
              type: str
              returned: always
            seconds_left:
              description: Seconds from this read to C(deadline) (V(0) once past).
              type: int
              returned: always
          sample:
            started_on: '2026-03-01T08:00:00Z'
            migration_deadline: '2026-03-08T08:00:00Z'
            cutover_deadline: null
            deadline: '2026-03-08T08:00:00Z'
            limit: migration_lifetime
            seconds_left: 431990
        copy_time_left:
          description:
            - Estimated seconds until every database still copying has copied its tables, as of this read. Each goes
              on at the rate it had so far (tables completed per second since its C(started_on)); the slowest sets
              the time. Tables differ in size, so it is rough (see the module guide, "Time left").
            - Null when no database is copying, or one that is has no table done yet.
          returned: always
          type: int
          sample: 1260
retry_after:
  description: As RV(pgflex.migration.pg_flexible_migration#module:retry_after), after a read the service throttled.
  returned: when the task failed while the service's requested pause outlasts it
  type: float
'''

import time

from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import migration_name_problem, number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.limits import API_TIMEOUT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.module import TARGET_SERVER_ARGUMENT_SPEC, MigrationModule
from ansible_collections.pgflex.migration.plugins.module_utils.response import migration_result

ARGUMENT_SPEC = dict(
    TARGET_SERVER_ARGUMENT_SPEC,
    **API_TIMEOUT_SPEC,
    name=dict(type='str'),
    filter=dict(type='str', choices=['all', 'active'], default='all'),
)


def find_migrations(mod):
    """The named migration (or none) or the server's list, as REST JSON."""
    params = mod.params
    client = mod.client
    if params['name']:
        migration = client.get(params['resource_group'], params['server_name'], params['name'])
        if migration is None:
            # Absence is not an error for an info module, but a missing server is.
            client.get_server(params['resource_group'], params['server_name'])
            return []
        return [migration]
    return client.list(params['resource_group'], params['server_name'], params['filter'])


def run(mod):
    problems = number_problems(mod.params, ('api_timeout',))
    if mod.params['name'] is not None:
        # No migration can have a name the service refuses: say so rather than ask the API.
        problems = [migration_name_problem(mod.params['name'])] + problems
    problems = [problem for problem in problems if problem]
    if problems:
        mod.fail('Invalid input: %s.' % '; '.join(problems))
    # Retries of throttled or failed calls and slow answers all count against one budget.
    mod.client.set_budget(time.monotonic() + mod.params['api_timeout'], 'api_timeout')
    migrations = find_migrations(mod)
    mod.exit(changed=False, migrations=[migration_result(m) for m in migrations])


def main():
    MigrationModule(ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
