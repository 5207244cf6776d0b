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

# outcome: 'succeeded' | 'failed' | 'cancelled' (words of OUTCOMES, at the end) for terminal states, None while the
#   migration goes on.
# waits_for_user: the state itself says the migration waits for a user action (its substate says which).
State = namedtuple('State', ['name', 'terminal', 'outcome', 'waits_for_user', 'meaning'])

# waits_for_user: the migration does not move on by itself in this substate.
# answer_option: the pg_flexible_migration option whose value answers it (None: nothing to answer).
# answered_by: the migration property that shows the answer was given (the service may take a poll
#   to leave the substate after it).
# hint: what the user does, shown in messages and in the info module's status.question.
# phase: what the code asks of a substate besides its question: VALIDATING (validation runs), CANCELLING (a cancel of
#   some databases is under way), CUT_OVER (the cutover was triggered or is not needed any more), or None.
Substate = namedtuple('Substate', ['name', 'waits_for_user', 'answer_option', 'answered_by', 'hint', 'phase', 'meaning'])
VALIDATING, CANCELLING, CUT_OVER, WAITING_FOR_CUTOVER = 'validating', 'cancelling', 'cut_over', 'waiting_for_cutover'

# dropped_on_cancel: cancelling the migration (or this database) makes the service drop the database on the target,
#   because its data had started to be copied and it is not migrated (MicrosoftDocs/azure-docs#122153: a cancel
#   while waiting for cutover dropped the replicated target databases; docs/service-assumptions.md, entry 13).
# outcome: as for State; phase: WAITING_FOR_CUTOVER, CANCELLING or None.
DatabaseState = namedtuple('DatabaseState', ['name', 'terminal', 'outcome', 'phase', 'dropped_on_cancel', 'meaning'])

ValidationCheck = namedtuple('ValidationCheck', ['name', 'level', 'meaning'])

# A result of validation (of the whole validation or of one check); its verdict is name.lower() (succeeded, warning,
# failed: the info module's status.validation.verdict words).
ValidationState = namedtuple('ValidationState', ['name', 'meaning'])

STATES = (
    State('InProgress', False, None, False, 'Migration is in progress.'),
    State('WaitingForUserAction', False, None, True, 'Migration is waiting for user action.'),
    State('CleaningUp', False, None, False, 'Migration is cleaning up resources.'),
    State('Succeeded', True, 'succeeded', False, 'Migration has succeeded.'),
    State('Failed', True, 'failed', False, 'Migration has failed.'),
    State('ValidationFailed', True, 'failed', False, 'Validation for migration has failed.'),
    State('Canceled', True, 'cancelled', False, 'Migration has been canceled.'),
)

SUBSTATES = (
    Substate('PerformingPreRequisiteSteps', False, None, None, None, None,
             'Performing pre-requisite steps for migration.'),
    Substate('ValidationInProgress', False, None, None, None, VALIDATING, 'Validation in progress.'),
    Substate('WaitingForLogicalReplicationSetupRequestOnSourceDB', True, 'setup_logical_replication',
             'setupLogicalReplicationOnSourceDbIfNeeded', 'allow it with setup_logical_replication: true', None,
             'Waiting for logical replication setup request on source database.'),
    Substate('WaitingForDBsToMigrateSpecification', True, 'databases', 'dbsToMigrate', 'name them with databases', None,
             'Waiting for databases to migrate specification.'),
    Substate('WaitingForTargetDBOverwriteConfirmation', True, 'overwrite_databases', 'overwriteDbsInTarget',
             'confirm with overwrite_databases: true', None, 'Waiting for target database overwrite confirmation.'),
    Substate('WaitingForDataMigrationScheduling', True, 'start_data_migration', 'startDataMigration',
             'start it with start_data_migration: true', None, 'Waiting for data migration scheduling.'),
    # The window opens by itself; start_data_migration only starts it earlier.
    Substate('WaitingForDataMigrationWindow', False, 'start_data_migration', 'startDataMigration',
             'start it now with start_data_migration: true, or wait for the window', None,
             'Waiting for data migration window.'),
    Substate('MigratingData', False, None, None, None, None, 'Migrating data.'),
    Substate('WaitingForCutoverTrigger', True, 'cutover', 'triggerCutover',
             'run the task with cutover: true (or a list of databases), or wait_for: cutover_ready',
             WAITING_FOR_CUTOVER, 'Waiting for cutover trigger.'),
    Substate('CompletingMigration', False, None, None, None, CUT_OVER, 'Completing migration.'),
    Substate('Completed', False, None, None, None, CUT_OVER, 'Migration completed.'),
    Substate('CancelingRequestedDBMigrations', False, None, None, None, CANCELLING,
             'Canceling requested database migrations.'),
)

DATABASE_STATES = (
    DatabaseState('InProgress', False, None, None, True, 'The database is being migrated.'),
    DatabaseState('WaitingForCutoverTrigger', False, None, WAITING_FOR_CUTOVER, True,
                  'The data is copied and changes are replicated until cutover.'),
    DatabaseState('Canceling', False, None, CANCELLING, True, 'Migration of the database is being canceled.'),
    DatabaseState('Succeeded', True, 'succeeded', None, False, 'The database is migrated.'),
    DatabaseState('Failed', True, 'failed', None, True, 'Migration of the database failed; see its message.'),
    # Dropped when it was cancelled: nothing of it is left to drop.
    DatabaseState('Canceled', True, 'cancelled', None, False, 'Migration of the database was canceled.'),
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
    # Not in the service's examples; the emulator reports it for online migrations (docs/service-assumptions.md, 34).
    ValidationCheck('ReplicaIdentityValidation', 'database',
                    'Online migrations: every table has a primary key or a replica identity, so UPDATE and DELETE are '
                    'replicated.'),
)

VALIDATION_STATES = (
    ValidationState('Succeeded', 'Validation has succeeded.'),
    ValidationState('Warning', 'Validation has succeeded with warnings.'),
    ValidationState('Failed', 'Validation has failed.'),
)

_STATES = dict((entry.name.lower(), entry) for entry in STATES)
_SUBSTATES = dict((entry.name.lower(), entry) for entry in SUBSTATES)
_DATABASE_STATES = dict((entry.name.lower(), entry) for entry in DATABASE_STATES)
_VERDICTS = dict((entry.name.lower(), entry.name.lower()) for entry in VALIDATION_STATES)

# The name of the state a cancelled migration ends in (diff mode shows it before the service does).
CANCELLED_STATE = [entry.name for entry in STATES if entry.outcome == 'cancelled'][0]


def state(name):
    """The entry of a migration state; an unknown or missing one is neither terminal nor an outcome."""
    return _STATES.get(str(name or '').lower()) or State(name or None, False, None, False, None)


def substate(name):
    """The entry of a substate; an unknown or missing one waits for nothing."""
    return _SUBSTATES.get(str(name or '').lower()) or Substate(name or None, False, None, None, None, None, None)


def database_state(name):
    """The entry of a database state; an unknown one counts as dropped on cancel (the safe reading), a missing one
    (the service reports no state: its copy has not started) as not."""
    return _DATABASE_STATES.get(str(name or '').lower()) or DatabaseState(name or None, False, None, None, bool(name), None)


def is_terminal(name):
    return state(name).terminal


def answer_option(substate_name):
    """The option that answers this substate's question, or None."""
    return substate(substate_name).answer_option


def validation_verdict(name):
    """'succeeded', 'warning' or 'failed' for a finished validation (or check) result; None for anything else."""
    return _VERDICTS.get(str(name or '').lower())


def validation_finished(name):
    """Whether validation (or one check) has a result: the one place that says what "validation finished" is."""
    return validation_verdict(name) is not None


def all_names():
    """Every name of the table (states, substates, database states, validation results and checks)."""
    return set(entry.name for table in (STATES, SUBSTATES, DATABASE_STATES, VALIDATION_STATES, VALIDATION_CHECKS)
               for entry in table)


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
    notes.extend('Outcome V(%s): %s' % pair for pair in OUTCOMES)
    return notes


# ---- outcomes --------------------------------------------------------------------------------------
# The collection's one vocabulary for how something ended or stands (the service's own names stay in the tables
# above): a migration's or database's status.outcome, status.validation.verdict, the role report's result, and the
# fleet report's result and timeline span outcome. The words are the service's state names in lower case, the
# cancel spelled as the collection documents it (state=cancelled).
Outcome = namedtuple('Outcome', ['name', 'meaning'])
SUCCEEDED, WARNING, FAILED, CANCELLED = 'succeeded', 'warning', 'failed', 'cancelled'
IN_PROGRESS, NOT_RUN, CHECK_MODE, ASSESSED = 'in_progress', 'not_run', 'check_mode', 'assessed'
OUTCOMES = (
    Outcome(SUCCEEDED, 'Ended as asked.'),
    Outcome(WARNING, 'A validation (or one check) that succeeded with warnings to read.'),
    Outcome(FAILED, 'Ended without success (a migration: Failed or ValidationFailed; a role run: it stopped).'),
    Outcome(CANCELLED, 'Cancelled on request (the service state Canceled).'),
    Outcome(IN_PROGRESS, 'Not ended yet.'),
    Outcome(NOT_RUN, 'Not started: no validation yet, or no migration on the server.'),
    Outcome(CHECK_MODE, 'A role run in check mode: its report is the plan, nothing was created.'),
    Outcome(ASSESSED, 'A role run that only assessed the servers (migrate_assess_only): nothing was created.'),
)
