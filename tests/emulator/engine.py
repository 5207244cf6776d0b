"""The migration engine: one worker thread per migration walks the service's states, doing the real work
(validation, role and data copy) and honouring cancel, cutover and user-action releases sent by PATCH."""

import datetime
import threading
import time

import psycopg

from . import copier, local_cluster, service_clock
from .error_codes import connection_code, error_text
from .bodies import invalid, parse_time
from .endpoints import source_of, target_of
from .httpcore import ArmError
from .online import OnlineCopy
from .pgcheck import Validator, connect, connect_error, database_names
from .replication import clear_target_database
from .resources import TERMINAL_STATES
from .resources import iso, utcnow

# Properties that can no longer change once data started moving.
LOCKED_ONCE_COPYING = ('dbsToMigrate', 'migrationMode', 'sourceDbServerResourceId', 'sourceDbServerFullyQualifiedDomainName',
                       'targetDbServerFullyQualifiedDomainName', 'migrateRoles', 'migrationWindowStartTimeInUtc', 'startDataMigration')
COPYING_SUBSTATES = ('MigratingData', 'WaitingForCutoverTrigger', 'CompletingMigration', 'CancelingRequestedDBMigrations')
POLL = 0.02
SOURCE_RESTARTS = threading.Lock()  # one restart at a time, even when several migrations ask for one


class Cancelled(Exception):
    pass


def _db_entry(name):
    return {'databaseName': name, 'migrationState': 'InProgress', 'migrationOperation': 'PreparingTarget', 'startedOn': iso(utcnow()),
            'fullLoadQueuedTables': 0, 'fullLoadErroredTables': 0, 'fullLoadLoadingTables': 0, 'fullLoadCompletedTables': 0,
            'cdcUpdateCounter': 0, 'cdcDeleteCounter': 0, 'cdcInsertCounter': 0, 'appliedChanges': 0, 'incomingChanges': 0,
            'latency': 0}


def support_error(migration, detail):
    return error_text('DB002', detail, migration.migration_id)


def unfinished_databases(migration):
    """What a cancel removes from the target (docs/service-assumptions.md, entry 13): every database of the migration
    listed in dbDetails whose migrationState is not Succeeded. Databases not started yet have no entry and stay."""
    return [name for name, entry in migration.db_details.items() if entry['migrationState'] != 'Succeeded']


class Engine:
    def __init__(self, app):
        self.app = app
        self.runners = {}

    def start(self, migration):
        runner = Runner(self.app, migration)
        self.runners[id(migration)] = runner
        runner.thread.start()

    def cancel(self, migration, dbs, caller):
        """Whole-migration cancel (dbs None or all of them) or a per-database cancel. No-op once terminal."""
        with migration.lock:
            if migration.terminal:
                return
            _check_subset(migration, dbs, 'dbsToCancelMigrationOn')
            if not dbs or set(dbs) >= set(migration.dbs):
                migration.cancel_requested = True
                migration.state, migration.substate = 'InProgress', 'CancelingRequestedDBMigrations'
                targets = list(migration.db_details)
            else:
                migration.cancel_dbs.update(dbs)
                targets = [d for d in dbs if d in migration.db_details]
            for name in targets:
                if migration.db_details[name]['migrationState'] in ('InProgress', 'WaitingForCutoverTrigger'):
                    migration.db_details[name]['migrationState'] = 'Canceling'
            migration.touch(caller)

    def update(self, migration, tags, props, secrets, caller):
        with migration.lock:
            cancel, cancel_dbs = props.pop('cancel', None), props.pop('dbsToCancelMigrationOn', None)
            cutover, cutover_dbs = props.pop('triggerCutover', None), props.pop('dbsToTriggerCutoverOn', None)
            if migration.terminal:
                if props or secrets or cutover == 'True':
                    raise invalid("Migration '%s' has already finished with state '%s'; only tags can be changed now."
                                  % (migration.name, migration.state))
            copying = migration.substate in COPYING_SUBSTATES
            for prop, value in props.items():
                if copying and prop in LOCKED_ONCE_COPYING and value != migration.props.get(prop):
                    raise invalid("Property '%s' cannot be changed once the data migration has started (current sub-state "
                                  "'%s')." % (prop, migration.substate), target=prop)
            _check_subset(migration, cancel_dbs, 'dbsToCancelMigrationOn')
            _check_subset(migration, cutover_dbs, 'dbsToTriggerCutoverOn')
            if cutover == 'True' and migration.props.get('migrationMode') == 'Online' and not migration.terminal:
                _check_cutover_ready(migration, cutover_dbs)
            if tags is not None:
                migration.tags = tags
            migration.props.update(props)
            migration.secrets.update(secrets)
            if secrets:
                migration.credentials_version += 1
            if cutover == 'True' and migration.props.get('migrationMode') == 'Online' and not migration.terminal:
                if cutover_dbs and set(cutover_dbs) < set(migration.dbs):
                    migration.cutover_dbs.update(cutover_dbs)
                else:
                    migration.cutover_all = True
                    migration.props['triggerCutover'] = 'True'
            migration.touch(caller)
        runner = self.runners.get(id(migration))
        if secrets and runner is not None:
            runner.use_credentials()
        if cancel == 'True':
            self.cancel(migration, cancel_dbs, caller)


def _check_cutover_ready(migration, dbs):
    """A cutover can be triggered for databases whose initial copy is done (WaitingForCutoverTrigger) or that are already
    cut over or being cut over; anything else is refused and nothing changes."""
    released = migration.cutover_dbs if not migration.cutover_all else set(migration.dbs)
    not_ready = []
    for name in dbs or migration.dbs:
        entry = migration.db_details.get(name)
        db_state = entry['migrationState'] if entry else None
        if db_state in ('WaitingForCutoverTrigger', 'Succeeded', 'Canceled', 'Failed', 'Canceling') or name in released:
            continue
        not_ready.append('%s (%s)' % (name, entry.get('migrationOperation', db_state) if entry else migration.substate))
    if not_ready:
        raise ArmError(400, 'MigrationNotReadyForCutover',
                       "Cutover cannot be triggered for migration '%s' yet: the initial copy of database(s) %s has not finished. "
                       "Trigger the cutover once their migrationState is 'WaitingForCutoverTrigger'."
                       % (migration.name, ', '.join(not_ready)), target='triggerCutover')


def _check_subset(migration, dbs, prop):
    unknown = [d for d in dbs or () if d not in migration.dbs]
    if unknown:
        raise invalid("Property '%s' names database(s) not in dbsToMigrate: %s." % (prop, ', '.join(unknown)), target=prop)


class Runner:
    """Drives one migration to a terminal state."""

    def __init__(self, app, migration):
        self.app = app
        self.m = migration
        self.thread = threading.Thread(target=self.run, name='migration-%s' % migration.name, daemon=True)
        self.source, self.source_problem = source_of(migration, app.config)
        self.target = target_of(migration)
        self.copy = None

    def use_credentials(self):
        """New credentials sent by PATCH (secretParameters): every connection opened from now on uses them. The endpoints
        are shared with the copies and replications, so they change in place; OnlineCopy rewrites its subscriptions'
        stored connection strings (credentials_version)."""
        source, dummy = source_of(self.m, self.app.config)
        target = target_of(self.m)
        for mine, new in ((self.source, source), (self.target, target)):
            if mine is not None and new is not None:
                mine.user, mine.password = new.user, new.password

    # -- pacing, cancel and user-action waits --------------------------------------------------------

    def check_cancel(self):
        """Every wait and step of the walk asks here: a cancel, or the end of the migration's 7-day lifetime, stops it."""
        if self.m.cancel_requested:
            raise Cancelled()
        ended = service_clock.lifetime_over(self.m, self.app.settings)
        if ended:
            raise service_clock.TimedOut(ended)

    def pause(self, steps=1.0):
        """One step of the state machine: step_delay / speed_factor, longer while a 'stuck' fault holds it."""
        settings = self.app.settings
        end = time.monotonic() + steps * float(settings['step_delay_seconds']) / max(float(settings['speed_factor']), 1e-6)
        while True:
            self.check_cancel()
            if self.app.faults.is_stuck(self.m.name):
                time.sleep(POLL)
                continue
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(POLL, left))

    def wait_user(self, substate, released):
        """Sit in WaitingForUserAction/<substate> until `released()` (a PATCH changed something) or a cancel."""
        with self.m.lock:
            if released():
                return
            self.m.state, self.m.substate = 'WaitingForUserAction', substate
            self.m.touch()
        while not released():
            self.check_cancel()
            time.sleep(POLL)
        with self.m.lock:
            self.check_cancel()
            self.m.state, self.m.substate = 'InProgress', 'PerformingPreRequisiteSteps'
            self.m.touch()

    def set_substate(self, substate):
        with self.m.lock:
            self.check_cancel()
            self.m.substate = substate
            self.m.touch()

    # -- the walk ---------------------------------------------------------------------------------------

    def run(self):
        try:
            self._walk()
        except Cancelled:
            self._finish_cancel()
        except service_clock.TimedOut as exc:
            if self.copy is not None:
                self.copy.kill()
            self._fail(exc.args[0])
        except Exception as exc:  # pylint: disable=broad-except
            from .server import log_exception  # pylint: disable=import-outside-toplevel
            log_exception('migration %s: internal %s' % (self.m.name, type(exc).__name__), exc)
            self._fail(support_error(self.m, 'Internal error: %s.' % type(exc).__name__))

    def _fail(self, error):
        with self.m.lock:
            for entry in self.m.db_details.values():
                if entry['migrationState'] in ('InProgress', 'Canceling', 'WaitingForCutoverTrigger'):
                    entry.update(migrationState='Failed', endedOn=iso(utcnow()), fullLoadLoadingTables=0)
            self.m.finish('Failed', error)

    def _finish_cancel(self):
        if self.copy is not None:
            self.copy.kill()
        with self.m.lock:
            self.m.substate = 'CancelingRequestedDBMigrations'
            for entry in self.m.db_details.values():
                if entry['migrationState'] in ('InProgress', 'WaitingForCutoverTrigger'):
                    entry['migrationState'] = 'Canceling'
            doomed = unfinished_databases(self.m)
        self.drop_target_databases(doomed)
        time.sleep(min(0.5, float(self.app.settings['step_delay_seconds'])))
        with self.m.lock:
            for entry in self.m.db_details.values():
                if entry['migrationState'] == 'Canceling':
                    entry.update(migrationState='Canceled', endedOn=iso(utcnow()), fullLoadLoadingTables=0)
            self.m.finish('Canceled')

    def _walk(self):
        m = self.m
        self.pause()  # PerformingPreRequisiteSteps first, as recorded for Validate and ValidateAndMigrate alike
        if not self._one_active():
            return
        if m.validates:
            self.set_substate('ValidationInProgress')
            self.pause()
            details, version = Validator(m, self.source, self.source_problem, self.target).run()
            with m.lock:
                m.validation_details = details
                if version:
                    m.source_metadata = {'version': version}
                if details['status'] == 'Failed':
                    m.finish('ValidationFailed')
                    return
                if not m.migrates:
                    m.finish('Succeeded')
                    return
                m.substate = 'PerformingPreRequisiteSteps'
        self.pause()
        if not self._prerequisites():
            return
        self._copy_all()

    def _earlier_active(self):
        """Migrations created before this one on the same server that have not ended."""
        store, m = self.app.store, self.m
        earlier = store.on_server(m.subscription, m.resource_group, m.server.name)
        earlier = earlier[:earlier.index(m)] if m in earlier else earlier
        return [other for other in earlier if other.state not in TERMINAL_STATES]

    def _one_active(self):
        """The service's one-active-migration rule, applied after the create was accepted (201, as recorded). The
        setting concurrent_migration says what happens: 'fail' ends this migration Failed (603709), 'wait' holds it in
        PerformingPreRequisiteSteps until the earlier ones ended. False when this migration failed."""
        active = self._earlier_active()
        if not active:
            return True
        if str(self.app.settings.get('concurrent_migration', 'fail')).lower() == 'wait':
            while self._earlier_active():
                self.check_cancel()
                time.sleep(POLL)
            return True
        m = self.m
        with m.lock:
            m.failed_early = True
        self._fail(error_text('603709', "Migration '%s' is already in progress on server '%s'; only one active migration "
                                        'or validation is allowed per flexible server. Wait for it to end or cancel it, then '
                                        'retry with a new migration name.' % (active[0].name, m.server.name)))
        return False

    def _prerequisites(self):
        """Connectivity, the user-action waits and the migration window. False when the migration failed."""
        m = self.m
        for endpoint in (self.source, self.target):
            if endpoint is None:
                m.failed_early = True
                self._fail(error_text('603000', self.source_problem))
                return False
            try:
                with connect(endpoint) as conn:
                    if endpoint is self.source:
                        number = int(conn.execute('SHOW server_version_num').fetchone()[0])
                        with m.lock:
                            m.source_metadata = {'version': str(number // 10000)}
                        wal_level = conn.execute('SHOW wal_level').fetchone()[0]
                        source_dbs = database_names(conn)
            except psycopg.Error as exc:
                m.failed_early = True
                text = connect_error(endpoint, exc)
                self._fail(error_text(connection_code(text), text + '.'))
                return False
        self.wait_user('WaitingForDBsToMigrateSpecification', lambda: bool(m.dbs))
        missing = [d for d in m.dbs if d not in source_dbs]
        if missing:
            self._fail(error_text('603102', 'Database(s) %s not found on the source server. Provide valid databases and retry '
                                            'the migration.' % ', '.join(missing)))
            return False
        if m.props.get('migrationMode') == 'Online' and wal_level != 'logical':
            self.wait_user('WaitingForLogicalReplicationSetupRequestOnSourceDB',
                           lambda: m.props.get('setupLogicalReplicationOnSourceDbIfNeeded') == 'True')
            problem = self._setup_logical_replication()
            if problem:
                self._fail(error_text('603107', problem))
                return False
        existing = set(copier.target_databases(self.target))
        if existing & set(m.dbs):
            self.wait_user('WaitingForTargetDBOverwriteConfirmation', lambda: m.props.get('overwriteDbsInTarget') == 'True')
        self._wait_window()
        return True

    def _setup_logical_replication(self):
        """What the service does when allowed to: set wal_level to logical on the source and restart it. Returns an
        error text, or None once the source runs with wal_level=logical."""
        try:
            with connect(self.source) as conn:
                conn.execute("ALTER SYSTEM SET wal_level = 'logical'")
                data_directory = conn.execute('SHOW data_directory').fetchone()[0]
        except psycopg.Error as exc:
            return 'Setting up logical replication on the source failed: %s.' % str(exc).strip().splitlines()[0]
        with SOURCE_RESTARTS:
            try:
                with connect(self.source) as conn:
                    if conn.execute('SHOW wal_level').fetchone()[0] == 'logical':
                        return None  # another migration restarted it meanwhile
            except psycopg.Error:
                pass
            if not local_cluster.restart(data_directory):
                return ("wal_level is set to 'logical' on the source server but takes effect only after a restart, which "
                        'this service cannot do for this source. Restart the source server, then retry the migration.')
        return None

    def _wait_window(self):
        """Until the window opens (or startDataMigration says start now). The wait is scaled by speed_factor like every
        step: a window that opens 60 s after the create opens after 6 s at speed 10 (docs/service-assumptions.md)."""
        m = self.m

        def window_open():
            start = parse_time(m.props['migrationWindowStartTimeInUtc'], 'migrationWindowStartTimeInUtc')
            ahead = (start - m.created_at).total_seconds()
            waited = (datetime.datetime.now(datetime.timezone.utc) - m.created_at).total_seconds()
            return m.props.get('startDataMigration') == 'True' or waited * max(float(self.app.settings['speed_factor']), 1e-6) >= ahead
        if not window_open():
            self.set_substate('WaitingForDataMigrationWindow')
            while not window_open():
                self.check_cancel()
                time.sleep(POLL)

    def _copy_all(self):
        m = self.m
        if m.props.get('migrateRoles') == 'True':
            problem = copier.copy_roles(self.source, self.target)
            if problem:
                self._fail(error_text('603701', 'Migrating roles failed: %s.' % problem))
                return
        self.set_substate('MigratingData')
        with m.lock:
            for name in m.dbs:
                m.db_details[name] = _db_entry(name)
                if name in m.cancel_dbs:
                    m.db_details[name]['migrationState'] = 'Canceling'
        if m.props.get('migrationMode') == 'Online':
            OnlineCopy(self).run()
        else:
            for name in m.dbs:
                self._copy_one(name)
        self.set_substate('CompletingMigration')
        self.pause()
        self._conclude()

    def db_canceled(self, name):
        return self.m.cancel_requested or name in self.m.cancel_dbs

    def source_facts_or_stop(self, name, **failed_fields):
        """The source database's facts, or None once the database is recorded Canceled or Failed (extension problem)."""
        if self.db_canceled(name):
            self.check_cancel()
            self.set_db(name, migrationState='Canceled', endedOn=iso(utcnow()))
            return None
        facts = copier.SourceFacts(self.source, name)
        problem = self.extension_problem(facts.extensions)
        if problem:
            self.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), message=problem, **failed_fields)
            return None
        return facts

    def _copy_one(self, name):
        """Offline: the whole database with pg_dump | pg_restore."""
        try:
            facts = self.source_facts_or_stop(name, migrationOperation='PreparingTarget')
            if facts is None:
                return
            total = facts.tables
            clear_target_database(self.target, self.source, name)
            copier.recreate_database(facts, self.target, name)
        except psycopg.Error as exc:
            self.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), message=str(exc).strip().splitlines()[0])
            return
        self.set_db(name, fullLoadQueuedTables=total, fullLoadLoadingTables=0, fullLoadCompletedTables=0, migrationOperation='LoadingData')
        self.pause(0.5)
        seen = []

        def on_table(table):
            seen.append(table)
            with self.m.lock:
                self.m.db_details[name].update(fullLoadLoadingTables=1, fullLoadCompletedTables=len(seen) - 1,
                                               fullLoadQueuedTables=max(total - len(seen), 0))
        copy = copier.DatabaseCopy(self.source, self.target, name, self.m.props.get('migrateRoles') == 'True',
                                   int(self.app.settings['copy_rate_bytes_per_second']), on_table)
        if self.run_killable(copy, name):
            self.set_db(name, fullLoadLoadingTables=0, fullLoadQueuedTables=0, fullLoadCompletedTables=total,
                        migrationOperation='Completed', migrationState='Succeeded', endedOn=iso(utcnow()))
        elif self.m.db_details[name]['migrationState'] == 'Failed':
            self.set_db(name, fullLoadErroredTables=max(total - len(seen) + 1, 1) if seen else total,
                        fullLoadCompletedTables=max(len(seen) - 1, 0))

    def run_killable(self, copy, name):
        """Run a DatabaseCopy, killing it when the database (or the migration) is canceled. True when it succeeded;
        otherwise the database is marked Canceled or Failed (or Cancelled is raised for a whole-migration cancel)."""
        self.copy = copy
        outcome = {}
        worker = threading.Thread(target=lambda: outcome.setdefault('ok', copy.run()), daemon=True)
        worker.start()
        while worker.is_alive():
            if self.db_canceled(name) or service_clock.lifetime_over(self.m, self.app.settings):
                copy.kill()
            worker.join(POLL)
        self.copy = None
        self.check_cancel()  # a whole-migration cancel, or the lifetime ran out during the copy
        if self.db_canceled(name):
            self.check_cancel()
            self.set_db(name, migrationState='Canceled', endedOn=iso(utcnow()), fullLoadLoadingTables=0)
            self.drop_target_databases([name])
            return False
        if not outcome.get('ok'):
            detail = '; '.join(copy.errors) or 'the data copy stopped unexpectedly'
            self.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), fullLoadLoadingTables=0,
                        message=support_error(self.m, 'Restoring the data failed: %s.' % detail.rstrip('.')))
            return False
        return True

    def drop_target_databases(self, names):
        """Drop what a cancel leaves unfinished on the target (entry 13); a failure to drop is logged, not fatal."""
        for name in names:
            try:
                clear_target_database(self.target, self.source, name)
                copier.drop_database(self.target, name)
            except psycopg.Error as exc:
                from .server import log_exception  # pylint: disable=import-outside-toplevel
                log_exception('migration %s: dropping canceled database %s' % (self.m.name, name), exc)

    def extension_problem(self, extensions):
        allowed = set(self.m.server.extensions) | {'plpgsql'}
        bad = sorted(e for e in extensions if e.lower() not in allowed)
        if bad:
            return error_text('603108', "Unsupported Extension: %s is not allow-listed on the target server. Add it to the "
                                        "server parameter 'azure.extensions' and retry the migration." % ', '.join(bad))
        return None

    def set_db(self, name, **values):
        with self.m.lock:
            self.m.db_details[name].update(values)
            self.m.touch()

    def _conclude(self):
        m = self.m
        with m.lock:
            states = {n: e['migrationState'] for n, e in m.db_details.items()}
            failed = [n for n, s in states.items() if s == 'Failed']
            if failed:
                first = m.db_details[failed[0]].get('message', '')
                m.finish('Failed', '%s: %s' % (failed[0], first) if len(failed) == 1 else support_error(
                    m, 'Database(s) %s failed; see dbDetails for each message.' % ', '.join(failed)))
            elif states and all(s == 'Canceled' for s in states.values()):
                m.finish('Canceled')
            else:
                m.finish('Succeeded')
