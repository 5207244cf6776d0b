# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of what each migration state and substate means.

Every reader of a state asks this table: the waiter (terminal? waiting for the user? answered
already?), the status summary of the info module, the failure and question messages, and the
module documentation (the pgflex.migration.migration_states fragment is rendered from it; a unit
test keeps the two equal). Meanings are the service's own one-liners from its API specification.

Lookups are case-insensitive, like the service's enums; values the service adds later get a
neutral entry (not terminal, not waiting for the user) so nothing breaks on them.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from collections import namedtuple

# outcome: 'success' | 'failure' | 'cancelled' for terminal states, None while the migration goes on.
State = namedtuple('State', ['name', 'terminal', 'outcome', 'meaning'])

# waits_for_user: the migration does not move on by itself in this substate.
# answer_option: the pg_flexible_migration option whose value answers it (None: nothing to answer).
# answered_by: the migration property that shows the answer was given (the service may take a poll
#   to leave the substate after it).
# hint: what the user does, shown in messages and in the info module's status.question.
Substate = namedtuple('Substate', ['name', 'waits_for_user', 'answer_option', 'answered_by', 'hint', 'meaning'])

# dropped_on_cancel: cancelling the migration (or this database) makes the service drop the database on the target,
#   because its data had started to be copied and it is not migrated (MicrosoftDocs/azure-docs#122153: a cancel
#   while waiting for cutover dropped the replicated target databases; docs/service-assumptions.md, entry 13).
DatabaseState = namedtuple('DatabaseState', ['name', 'terminal', 'dropped_on_cancel', 'meaning'])

ValidationCheck = namedtuple('ValidationCheck', ['name', 'level', 'meaning'])

STATES = (
    State('InProgress', False, None, 'Migration is in progress.'),
    State('WaitingForUserAction', False, None, 'Migration is waiting for user action.'),
    State('CleaningUp', False, None, 'Migration is cleaning up resources.'),
    State('Succeeded', True, 'success', 'Migration has succeeded.'),
    State('Failed', True, 'failure', 'Migration has failed.'),
    State('ValidationFailed', True, 'failure', 'Validation for migration has failed.'),
    State('Canceled', True, 'cancelled', 'Migration has been canceled.'),
)

SUBSTATES = (
    Substate('PerformingPreRequisiteSteps', False, None, None, None,
             'Performing pre-requisite steps for migration.'),
    Substate('ValidationInProgress', False, None, None, None, 'Validation in progress.'),
    Substate('WaitingForLogicalReplicationSetupRequestOnSourceDB', True, 'setup_logical_replication',
             'setupLogicalReplicationOnSourceDbIfNeeded', 'allow it with setup_logical_replication: true',
             'Waiting for logical replication setup request on source database.'),
    Substate('WaitingForDBsToMigrateSpecification', True, 'databases', 'dbsToMigrate', 'name them with databases',
             'Waiting for databases to migrate specification.'),
    Substate('WaitingForTargetDBOverwriteConfirmation', True, 'overwrite_databases', 'overwriteDbsInTarget',
             'confirm with overwrite_databases: true', 'Waiting for target database overwrite confirmation.'),
    Substate('WaitingForDataMigrationScheduling', True, 'start_data_migration', 'startDataMigration',
             'start it with start_data_migration: true', 'Waiting for data migration scheduling.'),
    # The window opens by itself; start_data_migration only starts it earlier.
    Substate('WaitingForDataMigrationWindow', False, 'start_data_migration', 'startDataMigration',
             'start it now with start_data_migration: true, or wait for the window', 'Waiting for data migration window.'),
    Substate('MigratingData', False, None, None, None, 'Migrating data.'),
    Substate('WaitingForCutoverTrigger', True, 'cutover', 'triggerCutover',
             'run the task with cutover: true (or a list of databases), or wait_for: cutover_ready',
             'Waiting for cutover trigger.'),
    Substate('CompletingMigration', False, None, None, None, 'Completing migration.'),
    Substate('Completed', False, None, None, None, 'Migration completed.'),
    Substate('CancelingRequestedDBMigrations', False, None, None, None, 'Canceling requested database migrations.'),
)

DATABASE_STATES = (
    DatabaseState('InProgress', False, True, 'The database is being migrated.'),
    DatabaseState('WaitingForCutoverTrigger', False, True, 'The data is copied and changes are replicated until cutover.'),
    DatabaseState('Canceling', False, True, 'Migration of the database is being canceled.'),
    DatabaseState('Succeeded', True, False, 'The database is migrated.'),
    DatabaseState('Failed', True, True, 'Migration of the database failed; see its message.'),
    # Dropped when it was cancelled: nothing of it is left to drop.
    DatabaseState('Canceled', True, False, 'Migration of the database was canceled.'),
)

# The checks the service reports (ValidationSummaryItem.type is a free string in the specification;
# these are the ones its examples and documentation name). Unknown types are passed through.
VALIDATION_CHECKS = (
    ValidationCheck('AuthenticationAndConnectivityValidation', 'server',
                    'The service can connect and log in to the source and the target.'),
    ValidationCheck('SourceVersionValidation', 'server',
                    'The source PostgreSQL version is supported and not newer than the target.'),
    ValidationCheck('ServerParametersValidation', 'server',
                    'Server parameters the migration needs (wal_level=logical for online migrations).'),
    ValidationCheck('SchemaValidation', 'database',
                    'The database exists on the source, is not a system database, and does not exist on the target '
                    'unless overwrite is allowed.'),
    ValidationCheck('ExtensionsValidation', 'database', "Every extension is allow-listed on the target ('azure.extensions')."),
    ValidationCheck('CollationsValidation', 'database', 'No user-defined collations, which the service cannot migrate.'),
)

VALIDATION_STATES = (
    ('Succeeded', 'Validation has succeeded.'),
    ('Warning', 'Validation has succeeded with warnings.'),
    ('Failed', 'Validation has failed.'),
)

_STATES = dict((entry.name.lower(), entry) for entry in STATES)
_SUBSTATES = dict((entry.name.lower(), entry) for entry in SUBSTATES)
_DATABASE_STATES = dict((entry.name.lower(), entry) for entry in DATABASE_STATES)

TERMINAL_STATES = tuple(entry.name.lower() for entry in STATES if entry.terminal)


def state(name):
    """The entry of a migration state; an unknown or missing one is neither terminal nor an outcome."""
    return _STATES.get(str(name or '').lower()) or State(name or None, False, None, None)


def substate(name):
    """The entry of a substate; an unknown or missing one waits for nothing."""
    return _SUBSTATES.get(str(name or '').lower()) or Substate(name or None, False, None, None, None, None)


def database_state(name):
    """The entry of a database state; an unknown one counts as dropped on cancel (the safe reading), a missing one
    (the service reports no state: its copy has not started) as not."""
    return _DATABASE_STATES.get(str(name or '').lower()) or DatabaseState(name or None, False, bool(name), None)


def is_terminal(name):
    return state(name).terminal


def answer_option(substate_name):
    """The option that answers this substate's question, or None."""
    return substate(substate_name).answer_option


# ---- documentation ---------------------------------------------------------------------------------

def _state_note(entry):
    kind = ('terminal, %s' % entry.outcome) if entry.terminal else 'not terminal'
    return 'State C(%s) (%s): %s' % (entry.name, kind, entry.meaning)


def _substate_note(entry):
    text = 'Substate C(%s): %s' % (entry.name, entry.meaning)
    if entry.answer_option:
        text += ' %s: %s.' % ('Waits for the user' if entry.waits_for_user else 'Can be answered', entry.hint)
    return text


def _database_note(entry):
    text = 'Database state C(%s): %s' % (entry.name, entry.meaning)
    if entry.dropped_on_cancel:
        text += ' A cancel drops the database on the target.'
    return text


def doc_notes():
    """The notes of the pgflex.migration.migration_states doc fragment (scripts/render_docs.py writes them)."""
    notes = [_state_note(entry) for entry in STATES]
    notes.extend(_substate_note(entry) for entry in SUBSTATES)
    notes.extend(_database_note(entry) for entry in DATABASE_STATES)
    notes.extend('Validation result C(%s): %s' % pair for pair in VALIDATION_STATES)
    for entry in VALIDATION_CHECKS:
        level = 'Instance' if entry.level == 'server' else 'Database'
        notes.append('%s-level validation check C(%s): %s' % (level, entry.name, entry.meaning))
    return notes
