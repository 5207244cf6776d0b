# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Written by scripts/render_docs.py from plugins/module_utils/states.py; do not edit by hand.
    DOCUMENTATION = r'''
# ansible-doc wants options or attributes in every fragment; this one only adds notes.
options: {}
notes:
  - "State C(InProgress) (not terminal): Migration is in progress."
  - "State C(WaitingForUserAction) (not terminal): Migration is waiting for user action."
  - "State C(CleaningUp) (not terminal): Migration is cleaning up resources."
  - "State C(Succeeded) (terminal, succeeded): Migration has succeeded."
  - "State C(Failed) (terminal, failed): Migration has failed."
  - "State C(ValidationFailed) (terminal, failed): Validation for migration has failed."
  - "State C(Canceled) (terminal, cancelled): Migration has been canceled."
  - "Substate C(PerformingPreRequisiteSteps): Performing pre-requisite steps for migration."
  - "Substate C(ValidationInProgress): Validation in progress."
  - "Substate C(WaitingForLogicalReplicationSetupRequestOnSourceDB): Waiting for logical replication setup request
    on source database. Waits for the user: allow it with setup_logical_replication: true."
  - "Substate C(WaitingForDBsToMigrateSpecification): Waiting for databases to migrate specification. Waits for the
    user: name them with databases."
  - "Substate C(WaitingForTargetDBOverwriteConfirmation): Waiting for target database overwrite confirmation. Waits
    for the user: confirm with overwrite_databases: true."
  - "Substate C(WaitingForDataMigrationScheduling): Waiting for data migration scheduling. Waits for the user: start
    it with start_data_migration: true."
  - "Substate C(WaitingForDataMigrationWindow): Waiting for data migration window. Can be answered: start it now
    with start_data_migration: true, or wait for the window."
  - "Substate C(MigratingData): Migrating data."
  - "Substate C(WaitingForCutoverTrigger): Waiting for cutover trigger. Waits for the user: run the task with
    cutover: true (or a list of databases), or wait_for: cutover_ready."
  - "Substate C(CompletingMigration): Completing migration."
  - "Substate C(Completed): Migration completed."
  - "Substate C(CancelingRequestedDBMigrations): Canceling requested database migrations."
  - "Database state C(InProgress): The database is being migrated. A cancel drops the database on the target."
  - "Database state C(WaitingForCutoverTrigger): The data is copied and changes are replicated until cutover. A
    cancel drops the database on the target."
  - "Database state C(Canceling): Migration of the database is being canceled. A cancel drops the database on the
    target."
  - "Database state C(Succeeded): The database is migrated."
  - "Database state C(Failed): Migration of the database failed; see its message. A cancel drops the database on the
    target."
  - "Database state C(Canceled): Migration of the database was canceled."
  - "Validation result C(Succeeded): Validation has succeeded."
  - "Validation result C(Warning): Validation has succeeded with warnings."
  - "Validation result C(Failed): Validation has failed."
  - "Instance-level validation check C(AuthenticationAndConnectivityValidation): The service can connect and log in
    to the source and the target."
  - "Instance-level validation check C(SourceVersionValidation): The source PostgreSQL version is supported and not
    newer than the target."
  - "Instance-level validation check C(ServerParametersValidation): Server parameters the migration needs
    (wal_level=logical for online migrations)."
  - "Database-level validation check C(SchemaValidation): The database exists on the source, is not a system
    database, and does not exist on the target unless overwrite is allowed."
  - "Database-level validation check C(ExtensionsValidation): Every extension is allow-listed on the target
    ('azure.extensions')."
  - "Database-level validation check C(CollationsValidation): No user-defined collations, which the service cannot
    migrate."
  - "Database-level validation check C(ReplicaIdentityValidation): Online migrations: every table has a primary key
    or a replica identity, so UPDATE and DELETE are replicated."
  - "Outcome V(succeeded): Ended as asked."
  - "Outcome V(warning): A validation (or one check) that succeeded with warnings to read."
  - "Outcome V(failed): Ended without success (a migration: Failed or ValidationFailed; a role run: it stopped)."
  - "Outcome V(cancelled): Cancelled on request (the service state Canceled)."
  - "Outcome V(in_progress): Not ended yet."
  - "Outcome V(not_run): Not started: no validation yet, or no migration on the server."
  - "Outcome V(check_mode): A role run in check mode: its report is the plan, nothing was created."
  - "Outcome V(assessed): A role run that only assessed the servers (migrate_assess_only): nothing was created."
'''
