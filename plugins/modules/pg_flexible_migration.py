#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pg_flexible_migration
short_description: Create, wait for, cut over and cancel migrations into Azure Database for PostgreSQL flexible servers
version_added: 0.1.0
description:
  - Drives the migration service of Azure Database for PostgreSQL - Flexible Server, which copies databases from a
    source PostgreSQL server (on-premises, an Azure VM, AWS, GCP, a Single Server, ...) into a flexible server.
  - Idempotent by O(name). With O(state=present) an absent migration is created; an existing one with the same
    requested settings is left alone; an existing one with different settings makes the task fail and list every
    differing setting, because a migration cannot be changed into another one and names cannot be reused.
  - Only the settings given in the task (or in O(properties_file)) are compared. Case of enum values, the display
    form of regions, timestamp precision and database order do not count, nor do fields the service fills in.
  - Can wait, with a timeout, until the migration completes, finishes validation, is ready for cutover or waits for
    a user action, and returns the progress it saw on the way.
  - Triggers cutover of online migrations (whole or per database), cancels migrations (whole or per database), and
    answers the questions a migration can stop on (overwrite confirmation, logical replication setup, start of a
    scheduled data migration, databases to migrate).
  - Every input is checked before the first API call, so bad input changes nothing.
author:
  - pgflex.migration maintainers (@pgflex)
options:
  name:
    description:
      - Name of the migration. It identifies the migration on re-runs, so keep it stable.
      - Lowercase letters, digits and hyphens, starting and ending with a letter or a digit, at most 63 characters
        (the service's rule). A name cannot be reused on a server, even after the migration ended.
      - Migrations created elsewhere keep their names, for example the UUID the Azure CLI makes up when its
        C(--migration-name) is left out; every O(state) works on them.
    type: str
    required: true
  state:
    description:
      - V(present) creates the migration when it does not exist, and otherwise checks that it matches the task.
      - V(cancelled) cancels an active migration, or only the databases in O(cancel_databases). A migration that has
        already ended is left alone. The service does not roll back databases it finished migrating; it drops on the
        target the databases whose data had started to be copied but are not migrated (see O(drop_copied_databases)).
    type: str
    choices: [present, cancelled]
    default: present
  source_type:
    description:
      - Kind of source server, with the API's spelling.
      - When creating without it, the module sends an explicit default rather than leaving it to the service;
        V(PostgreSQLSingleServer) for a Single Server resource ID in O(source_server), V(OnPremises) for a
        C(host:port@user) source. Set it for any other kind of source (the Azure CLI requires it).
    type: str
    choices:
      - OnPremises
      - AWS
      - GCP
      - AzureVM
      - PostgreSQLSingleServer
      - AWS_RDS
      - AWS_AURORA
      - AWS_EC2
      - GCP_CloudSQL
      - GCP_AlloyDB
      - GCP_Compute
      - EDB
      - EDB_Oracle_Server
      - EDB_PostgreSQL
      - PostgreSQLFlexibleServer
      - PostgreSQLCosmosDB
      - Huawei_RDS
      - Huawei_Compute
      - Heroku_PostgreSQL
      - Crunchy_PostgreSQL
      - ApsaraDB_RDS
      - Digital_Ocean_Droplets
      - Digital_Ocean_PostgreSQL
      - Supabase_PostgreSQL
  source_server:
    description:
      - The source server (the API's C(sourceDbServerResourceId)).
      - For O(source_type=PostgreSQLSingleServer), its resource ID
        C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/servers/<name>).
        Leave O(source_type) and O(ssl_mode) unset for it; the module then sends that type, and the service uses
        V(verify_full) (it refuses V(prefer) and V(require) for a Single Server) and signs in as C(<user>@<name>),
        where C(<user>) is O(source_username) or the server's administrator login.
      - For every other source, C(host:port@user), for example C(10.0.0.4:5432@postgres).
      - Required to create a migration (here or in O(properties_file)).
    type: str
  source_fqdn:
    description:
      - Host name or IP address the service uses to reach the source, when it differs from the host in O(source_server).
      - An IPv4 (C(10.0.0.4)) or IPv6 (C(2001:db8::4), without brackets) address is accepted as well as a DNS name.
    type: str
  target_fqdn:
    description:
      - Host name or IP address the service uses to reach the target flexible server (IPv4 or IPv6, without brackets).
    type: str
  source_username:
    description:
      - User to log in to the source with, when it is not the one in O(source_server). Never returned.
      - O(safe_cutover) logs in to the source as this user too (default the user in O(source_server)).
    type: str
  source_password:
    description:
      - Password of the source user. Required to create a migration. Never returned or shown.
      - O(safe_cutover) uses it too; without it, C(~/.pgpass) or C(PGPASSWORD) where the module runs.
      - On an existing migration it is used only with O(update_password=always).
    type: str
  target_username:
    description:
      - User to log in to the target with, when it is not the server's administrator. Never returned.
    type: str
  target_password:
    description:
      - Password of the target user. Required to create a migration. Never returned or shown.
      - On an existing migration it is used only with O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) uses O(source_password) and O(target_password) (and the user names) only to create the migration;
        on an existing one they are ignored, because the service never returns secrets and so cannot be compared.
      - V(always) also sends them to a migration that is still running (a PATCH of its C(secretParameters)), for
        example after the source role's password was rotated; the service uses them from then on. Only the sides whose
        password the task gives are sent, each with its user name when O(source_username) or O(target_username) is
        set. The task then reports a change on every run (the module cannot tell a new password from the old one), and
        RV(secrets_rotated) names the sides, never a secret. A migration that has ended is left alone.
      - With V(always), O(state=present) needs O(source_password) or O(target_password).
    type: str
    choices: [on_create, always]
    default: on_create
  databases:
    description:
      - Databases to migrate, at most 50 (the API's limit per migration; use several migrations for more).
      - Required to create a migration unless O(defer_databases=true). An empty list is refused.
      - Also answers a migration waiting for the list of databases (substate C(WaitingForDBsToMigrateSpecification)).
    type: list
    elements: str
  migration_mode:
    description:
      - V(offline) copies the data once and cuts over by itself.
      - V(online) keeps replicating changes until cutover is triggered with O(cutover).
      - Defaults to V(offline) when creating; not compared when not set.
    type: str
    choices: [offline, online]
  migration_option:
    description:
      - V(validate) only checks that the source can be migrated; V(migrate) copies without validating;
        V(validate_and_migrate) validates and then copies.
      - Defaults to V(validate_and_migrate) when creating; not compared when not set.
    type: str
    choices: [validate, migrate, validate_and_migrate]
  ssl_mode:
    description:
      - TLS mode for the connection to the source.
      - When not set, the service uses V(verify_full) for a Single Server source and V(prefer) for the others.
    type: str
    choices: [prefer, require, verify_ca, verify_full]
  overwrite_databases:
    description:
      - Whether databases that already exist on the target are overwritten.
      - When V(false) and a database exists on the target, a migration that validates first
        (O(migration_option=validate_and_migrate), the default, or V(validate)) fails its validation
        (C(SchemaValidation)); a V(migrate) migration waits for confirmation instead, which running the task again
        with V(true) gives.
    type: bool
  setup_logical_replication:
    description:
      - Whether the service may set up logical replication on the source (this restarts the source server).
      - V(true) also answers a migration waiting for that permission.
    type: bool
  migrate_roles:
    description:
      - Whether roles and permissions are migrated too.
      - Azure migrates users, roles, ownerships and permissions only from a Single Server source, and not for
        PostgreSQL 16. From any other source, create the roles on the target before the migration.
    type: bool
  start_data_migration:
    description:
      - Whether data migration starts right away. V(true) also starts a migration waiting for its window.
    type: bool
  migration_window_start:
    description:
      - Start of the migration window, ISO 8601 (for example C(2026-05-01T22:00:00Z); no zone means UTC).
      - Compared only while the migration is active, because the service records the real times.
    type: str
  migration_window_end:
    description:
      - End of the migration window, ISO 8601; must be after O(migration_window_start).
    type: str
  migration_instance_resource_id:
    description:
      - Resource ID of a flexible server to run the migration on (needed with private endpoints). It cannot be the
        target server itself. In an Azure CLI properties file this is C(MigrationRuntimeResourceId).
    type: str
  location:
    description:
      - Azure region of the migration resource. Defaults to the region of the target server.
      - A migration is created in its target server's region, so another region is refused before anything is sent.
    type: str
  tags:
    description:
      - Tags of the migration resource.
      - On an existing migration, other tags are updated in place (they are metadata, not a setting of the migration).
    type: dict
  properties_file:
    description:
      - Path of the JSON file used with C(az postgres flexible-server migration create --properties), on the host
        the module runs on (usually the controller, as Azure tasks run on C(localhost)). Prefer an absolute path,
        for example under C(playbook_dir).
      - Same keys as the CLI, case-insensitive, under a top-level C(properties) object, including
        C(MigrationRuntimeResourceId). JSON booleans are accepted as well as C("True")/C("False").
      - Options given in the task override the file. An unknown key fails the task and names the closest known key;
        keys the CLI ignores (C(MigrationMode), a top-level C(location), ...) give a warning. An empty C(DbsToMigrate)
        is refused.
      - Only a regular file of at most 1 MiB is read (not a pipe or a device), with objects nested at most 32 levels
        deep.
    type: path
  cutover:
    description:
      - V(true) triggers the cutover of an online migration waiting for it; a list of databases cuts over only those.
      - When the migration is not ready yet and O(wait=true), the task waits until it is (within O(wait_timeout)).
      - A completed migration, or one already cutting over, is left alone. Offline migrations make the task fail.
      - Not allowed with O(state=cancelled).
      - Changes committed on the source after the cutover request may never reach the target; O(safe_cutover) makes
        sure there are none.
    type: raw
  safe_cutover:
    description:
      - Before requesting the cutover, make sure no write on the source can be lost, then wait until the target has
        applied everything up to the source's final position. Applies with O(cutover) only.
      - V(confirm) (you stopped the application) checks that the source stands still for O(cutover_settle_seconds), that is
        no client session of the databases cut over holds a write transaction, their row-change counters (inserted,
        updated, deleted rows of C(pg_stat_database)) do not move, and the server's WAL position
        (C(pg_current_wal_lsn())) does not move, except for WAL from commits in other databases. WAL written with no
        row change anywhere (a checkpoint, autovacuum) makes it look again, up to three times. Otherwise the task fails,
        naming the connections still writing or active (pid, user, application name, client address, database).
      - V(freeze) first sets the databases cut over read-only for new sessions
        (C(ALTER DATABASE ... SET default_transaction_read_only = on)) and handles the sessions opened before as
        O(freeze_sessions) says, then checks as V(confirm) does. When the task fails before the cutover is requested,
        each database gets its own setting back. After a cutover the databases B(stay read-only on the source), so
        nothing writes to the old server; C(ALTER DATABASE <name> RESET default_transaction_read_only) undoes it.
        It needs a user that may C(ALTER DATABASE) (the owner or a superuser) and, with
        O(freeze_sessions=terminate), may end other sessions (C(pg_signal_backend)). A role or session that sets
        C(default_transaction_read_only) itself is not frozen, but its writes still make the task fail.
      - Then the final position is the WAL position at the end of the settle time, and the task waits (within
        O(wait_timeout), or O(api_timeout) without O(wait)) until every logical replication slot of those databases
        on the source has confirmed it (C(confirmed_flush_lsn)), and only then requests the cutover.
        RV(safe_cutover) records the positions.
      - The module connects to the source from where it runs, at O(source_host) (default the host of O(source_fqdn) or
        O(source_server)), as O(source_username) with O(source_password), and needs the Python package C(psycopg)
        (version 3) there.
      - In check mode nothing is checked, frozen or cut over; C(actions) says what would happen.
      - The P(pgflex.migration.migrate#role) role uses V(confirm) by default (C(migrate_safe_cutover)).
    type: str
    choices: [disabled, confirm, freeze]
    default: disabled
  cutover_settle_seconds:
    description:
      - With O(safe_cutover), how long the source must stand still before its position is taken as final, between 1
        and 3600 seconds.
      - PostgreSQL may publish a session's statistics up to 10 seconds late, so a longer time catches writes
        that stopped just before the check.
    type: int
    default: 5
  freeze_sessions:
    description:
      - With O(safe_cutover=freeze), what to do with the sessions of the frozen databases opened before the freeze
        (the freeze applies to new sessions only) and still open after O(cutover_settle_seconds) (sessions that end
        by themselves meanwhile, such as short monitoring connections, are left alone).
      - V(report) fails the task naming them and undoes the freeze.
      - V(terminate) ends them (C(pg_terminate_backend)); the result lists them in RV(safe_cutover.ended_sessions).
    type: str
    choices: [report, terminate]
    default: report
  source_host:
    description:
      - With O(safe_cutover), the host name or IP address the module connects to the source at, when it is not the
        host of O(source_fqdn) or O(source_server) (for example for a Single Server source, given by resource ID).
    type: str
    required: false
  source_port:
    description:
      - With O(safe_cutover), the TCP port of the source, between 1 and 65535. Defaults to the port in
        O(source_server), else 5432.
    type: int
    default: null
  cancel_databases:
    description:
      - With O(state=cancelled), cancel only these databases; the others go on. Leave it out to cancel the whole
        migration (an empty list is refused).
      - Every name must be a database of the migration, also when the migration has already ended.
    type: list
    elements: str
  drop_copied_databases:
    description:
      - With O(state=cancelled), allow a cancel that makes the service drop databases on the target.
      - On cancel, the service drops on the target every database of the migration (or of O(cancel_databases)) whose
        data had started to be copied and that is not migrated yet (the database states in the notes say which; an
        online migration waiting for its cutover loses its replicated databases). Databases already migrated stay.
      - The task lists those databases before acting, in RV(dropped_databases) and in the diff, in check mode too.
        With V(false), a cancel that would drop any fails naming them and changes nothing; a cancel that drops
        nothing (for example during validation) goes ahead.
    type: bool
    default: false
  api_timeout:
    description:
      - Seconds the task may take at most with O(wait=false), including retries of throttled (429) or failed (5xx,
        dropped connection) API calls and slow answers. With O(wait=true), O(wait_timeout) bounds the task instead.
      - Between 1 and 86400.
    type: int
    default: 120
  retry_failed:
    description:
      - With O(state=present), when the migration O(name) has ended without success (failed, validation failed or
        cancelled), create a new attempt named C(<name>r2) (then C(<name>r3), ...) instead of reporting the ended one.
        The task works on the latest attempt, resumed while it runs or once it succeeded; a new
        one follows it only when it too ended without success. C(migration.name) in the result is the attempt's name.
      - A re-run of a failed play then retries on its own, since names cannot be reused on a server.
      - The attempt's name must still be a valid name (at most 63 characters).
    type: bool
    default: false
  defer_databases:
    description:
      - Create the migration without databases. It then waits in C(WaitingForDBsToMigrateSpecification) until a later
        run of the task gives O(databases), and the target server accepts no other migration meanwhile.
      - Without it, creating a migration needs O(databases) (here or in O(properties_file)); an empty list is always
        refused.
    type: bool
    default: false
extends_documentation_fragment:
  - pgflex.migration.source_connection
  - pgflex.migration.target_server
  - pgflex.migration.wait_options
  - pgflex.migration.azure_auth
  - pgflex.migration.migration_states
  - pgflex.migration.choice_spellings
attributes:
  check_mode:
    support: full
    description: Reads only and reports what would change; never creates, updates or cancels.
  diff_mode:
    support: full
    description: Shows the user-visible settings before and after; never secrets.
notes:
  - Only one migration may be active per target server. Creating a second one fails and names the active one.
  - With C(async) the task waits in one module run and shows no progress lines. With C(no_log) the progress lines
    only show the time elapsed and left.
  - Before creating, the module asks the service whether O(name) is available (C(checkMigrationNameAvailability)); a
    name held by a deleted or hidden migration is refused with the service's reason, in check mode too.
  - "Differences from C(az postgres flexible-server migration): O(name) is required (the CLI makes up a UUID, which
    this module accepts for a migration created that way); O(location) defaults to the target server's region (the CLI
    uses the resource group's); O(setup_logical_replication) answers the service's question (or is compared as a
    setting), it is not a free update; user names outside C(SecretParameters) in O(properties_file) are refused
    (the CLI ignores them). The api-version spoken is 2026-10-01, that of
    C(azure-mgmt-postgresqlflexibleservers) 3.0.0."
  - Cancelling does not roll back what the migration finished; it drops the target databases whose copy had started
    (O(drop_copied_databases) allows it).
seealso:
  - module: pgflex.migration.pg_flexible_migration_info
'''

EXAMPLES = r'''
- name: Migrate two databases from an on-premises server and wait until done
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: orders-wave1
    source_type: OnPremises
    source_server: 10.1.0.4:5432@postgres
    source_password: "{{ vault_source_password }}"
    target_password: "{{ vault_target_password }}"
    databases: [orders, billing]
    overwrite_databases: true
    wait: true
    wait_timeout: 7200
  register: migration

- name: Show the progress trail
  ansible.builtin.debug:
    var: migration.progress

- name: Validate only, using the file already written for the Azure CLI
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: orders-check
    properties_file: "{{ playbook_dir }}/files/migration-properties.json"
    migration_option: validate
    wait: true
    wait_for: validated

- name: Start an online migration and wait until it is ready for cutover
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: crm-online
    source_type: AWS_EC2
    source_server: crm-db.example.com:5432@migrator
    source_password: "{{ vault_source_password }}"
    target_password: "{{ vault_target_password }}"
    databases: [crm]
    migration_mode: online
    wait: true
    wait_for: cutover_ready

- name: Cut over, then wait for completion
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: crm-online
    cutover: true
    wait: true

- name: The application is stopped - check that the source stands still, then cut over without losing a write
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: crm-online
    cutover: true
    safe_cutover: confirm
    source_password: "{{ vault_source_password }}"
    wait: true
  register: cutover

- name: Show the source's final position and what the target confirmed
  ansible.builtin.debug:
    msg: "{{ cutover.safe_cutover.final_lsn }} confirmed by {{ cutover.safe_cutover.slots }}"

- name: Or let the module stop the writes itself (the source stays read-only afterwards)
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: crm-online
    cutover: true
    safe_cutover: freeze
    freeze_sessions: terminate
    source_password: "{{ vault_source_password }}"
    wait: true

- name: Validate again under a new name when the last validation failed (re-runs of this play retry by themselves)
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: orders-precheck
    properties_file: "{{ playbook_dir }}/files/migration-properties.json"
    migration_option: validate
    retry_failed: true
    wait: true
    wait_for: validated
  register: precheck

- name: Show which attempt ran (orders-precheck, orders-precheckr2, ...)
  ansible.builtin.debug:
    msg: "{{ precheck.migration.name }}"

- name: Hand a running migration the source password rotated meanwhile (only the sides given are sent)
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: crm-online
    source_password: "{{ vault_new_source_password }}"
    update_password: always
  register: rotation

- name: Cancel one database of a running migration, dropping its partly copied data on the target
  pgflex.migration.pg_flexible_migration:
    resource_group: rg-databases
    server_name: pg-target-01
    name: orders-wave1
    state: cancelled
    cancel_databases: [billing]
    drop_copied_databases: true
'''

RETURN = r'''
migration:
  description:
    - The migration after the task, with the REST fields in snake_case (C(properties) flattened) and the C(status)
      summary described for M(pgflex.migration.pg_flexible_migration_info). Secrets are never returned.
    - C(status.failure_reason) says in one sentence why a migration that ended without success did (the service's
      words and the meaning of its error codes), and C(status.validation_lines) lists every validation check, one
      line each; a playbook reads them instead of shaping the status itself.
    - C(status.service_clock) is the time left before the service ends the migration (its 7-day limit, or the
      72-hour cutover window of an online migration), and C(status.copy_time_left) the estimated time the copy
      still needs; a wait that ends with less than a day left on the service's clock warns.
    - In check mode, for a migration that would be created, the settings that would be sent.
  returned: always
  type: dict
  sample:
    name: orders-wave1
    migration_mode: Offline
    dbs_to_migrate: [orders, billing]
    status:
      state: InProgress
      substate: MigratingData
      terminal: false
actions:
  description: What the task did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [create]
progress:
  description:
    - Each distinct state seen, in order, with its time (UTC) and per-database table counts. Notes record polling
      errors that were retried while waiting.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: When the state was seen (UTC, ISO 8601).
      type: str
      returned: always
    state:
      description: Migration state.
      type: str
      returned: unless the entry is a note
    substate:
      description: Migration substate; null when the service sent none.
      type: str
      returned: unless the entry is a note
    databases:
      description: Per database, its state and C(tables_completed), C(tables_loading), C(tables_queued), C(tables_errored),
        C(tables_total) (and C(latency) for online migrations).
      type: dict
      returned: unless the entry is a note
    note:
      description: A polling error that was retried.
      type: str
      returned: for notes
  sample:
    - {time: "2026-05-01T22:00:05Z", state: InProgress, substate: MigratingData,
       databases: {orders: {state: InProgress, tables_completed: 3, tables_total: 12}}}
    - {time: "2026-05-01T22:09:40Z", state: Succeeded, substate: Completed,
       databases: {orders: {state: Succeeded, tables_completed: 12, tables_total: 12}}}
duration:
  description: Seconds the task took (all its module runs, with O(wait=true)).
  returned: always
  type: float
  sample: 42.7
chunks:
  description: Module runs the task took to wait, one per progress line (see O(progress_interval)).
  returned: with O(wait=true), except in check mode and with C(async)
  type: int
  sample: 12
timed_out:
  description: True when the task failed because O(wait_timeout) ran out; the migration goes on in the service.
  returned: when the wait timed out
  type: bool
  sample: true
dropped_databases:
  description:
    - With O(state=cancelled), the target databases the cancel drops (or would drop, in check mode, or when the task
      refuses because O(drop_copied_databases=false)), worked out before acting from each database's state.
    - Empty when the cancel drops nothing or nothing is cancelled.
  returned: with O(state=cancelled)
  type: list
  elements: str
  sample: [billing]
safe_cutover:
  description:
    - With O(safe_cutover), what the guard found and did before the cutover request, also when it refused (the
      task then failed and nothing was cut over). In check mode only C(mode), C(databases) and C(planned).
  returned: with O(safe_cutover) when a cutover was due
  type: dict
  contains:
    mode:
      description: V(confirm) or V(freeze).
      type: str
      returned: always
    databases:
      description: The databases cut over, which the guard watched.
      type: list
      elements: str
      returned: always
    settle_seconds:
      description: O(cutover_settle_seconds).
      type: int
      returned: unless in check mode
    final_lsn:
      description: The source's WAL position once it stood still; the target applied everything up to it.
      type: str
      returned: when the source stood still
    wal_still:
      description: Whether the WAL position did not move at all during the settle time (false when other databases
        of the server were written).
      type: bool
      returned: when the source stood still
    other_databases_written:
      description: Databases not cut over whose rows changed during the settle time (their writes are not lost).
      type: list
      elements: str
      returned: when the source stood still
    settle_windows:
      description: Settle times it took (more than one when WAL moved with no row changed).
      type: int
      returned: when the source stood still
    slots:
      description: The logical replication slots on the source, with the position each had confirmed.
      type: list
      elements: dict
      returned: when the target confirmed the final position, or the wait for it timed out
      sample: [{slot: pgflex_1a2b3c4d5e6f_0, database: crm, confirmed_lsn: 0/3A000A8, active: true}]
    frozen_databases:
      description: Databases left read-only on the source (V(freeze) after a cutover request; empty otherwise).
      type: list
      elements: str
      returned: unless in check mode
    ended_sessions:
      description: Sessions ended by O(freeze_sessions=terminate).
      type: list
      elements: str
      returned: unless in check mode
    undo_problems:
      description: Databases whose freeze could not be undone after a failure, with the error.
      type: list
      elements: str
      returned: when undoing the freeze failed
    planned:
      description: True in check mode (nothing checked, frozen or cut over).
      type: bool
      returned: in check mode
  sample:
    mode: confirm
    databases: [crm]
    settle_seconds: 5
    final_lsn: 0/3A000A8
    wal_still: true
    slots: [{slot: pgflex_1a2b3c4d5e6f_0, database: crm, confirmed_lsn: 0/3A000A8, active: true}]
    frozen_databases: []
    ended_sessions: []
wait_target:
  description: The condition the task was waiting for when it timed out (an O(wait_for) value, or V(cancelled)).
  returned: when the wait timed out
  type: str
  sample: completed
secrets_rotated:
  description:
    - With O(update_password=always), the sides (V(source), V(target)) whose credentials were sent to the running
      migration (or would be, in check mode); empty when the migration was created or had ended. Never a secret.
  returned: with O(state=present) and O(update_password=always)
  type: list
  elements: str
  sample: [source]
retry_after:
  description:
    - Seconds the service still asked to wait (its Retry-After) when the task failed throttled; send no request for
      this migration before they have passed.
  returned: when the task failed while the service's requested pause outlasts it
  type: float
  sample: 96.4
'''

from ansible_collections.pgflex.migration.plugins.module_utils.limits import API_TIMEOUT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.migration_flow import run
from ansible_collections.pgflex.migration.plugins.module_utils.module import TARGET_SERVER_ARGUMENT_SPEC, MigrationModule
from ansible_collections.pgflex.migration.plugins.module_utils.request import settings_argument_spec
from ansible_collections.pgflex.migration.plugins.module_utils.safe_cutover import argument_spec as safe_cutover_spec
from ansible_collections.pgflex.migration.plugins.module_utils.wait_options import WAIT_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    TARGET_SERVER_ARGUMENT_SPEC,
    **dict(WAIT_ARGUMENT_SPEC, **safe_cutover_spec(), **API_TIMEOUT_SPEC, **settings_argument_spec()),
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'cancelled'], default='present'),
    source_username=dict(type='str'),
    source_password=dict(type='str', no_log=True),
    target_username=dict(type='str'),
    target_password=dict(type='str', no_log=True),
    update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
    properties_file=dict(type='path'),
    cutover=dict(type='raw'),
    cancel_databases=dict(type='list', elements='str'),
    drop_copied_databases=dict(type='bool', default=False),
    defer_databases=dict(type='bool', default=False),
    retry_failed=dict(type='bool', default=False),
)


def main():
    MigrationModule(ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
