"""The online data path of one migration: schema first, then logical replication per database (initial copy, then
changes), a wait for the cutover, and the cutover itself (zero lag, sequences, subscription dropped)."""

import time

import psycopg

from . import copier, service_clock
from .replication import ReadableCa, Replication, clear_target_database
from .resources import iso, utcnow

REFRESH_SECONDS = 0.5
MAX_REPLICATION_ERRORS = 5  # PostgreSQL retries a failing table copy forever; the service gives up


def first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class OnlineCopy:
    """Drives the databases of an online migration from 'schema copied' to 'cut over' (or canceled/failed). Uses the
    Runner for pacing, cancel checks and dbDetails updates."""

    def __init__(self, runner):
        self.runner = runner
        self.m = runner.m
        self.replications = {}   # database -> Replication
        self.copying = []        # initial copy still running
        self.waiting = []        # replicating, waiting for the cutover trigger
        self.copied_at = {}      # database -> time.monotonic() its initial copy completed (the cutover window opens)
        self.credentials_version = runner.m.credentials_version  # the credentials the subscriptions hold

    def run(self):
        ca = ReadableCa(self.runner.source.sslrootcert)
        try:
            for index, name in enumerate(self.m.dbs):
                self._start(name, index, ca.path)
            self._follow()
        except BaseException:
            self.drop_all()  # cancel or failure: nothing stays behind on either server
            raise
        finally:
            ca.remove()

    # -- start ---------------------------------------------------------------------------------------

    def _start(self, name, index, ca_path):
        runner = self.runner
        try:
            facts = runner.source_facts_or_stop(name)
            if facts is None:
                return
            clear_target_database(runner.target, runner.source, name)
            copier.recreate_database(facts, runner.target, name)
        except psycopg.Error as exc:
            runner.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), message=first_line(exc))
            return
        schema = copier.DatabaseCopy(runner.source, runner.target, name, self.m.props.get('migrateRoles') == 'True',
                                     0, lambda table: None, schema_only=True)
        if not runner.run_killable(schema, name):
            return
        replication = Replication(runner.source, runner.target, name, self.m.migration_id, index, ca_path)
        self.replications[name] = replication
        try:
            replication.start()
        except psycopg.Error as exc:
            runner.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), message='Logical replication could not start: %s'
                          % first_line(exc))
            replication.drop()
            return
        runner.set_db(name, fullLoadQueuedTables=facts.tables, migrationOperation='LoadingData')
        self.copying.append(name)

    # -- follow: initial copy, replication, cutover ------------------------------------------------------

    def _follow(self):
        m = self.m
        refreshed = 0.0
        while self.copying or self.waiting:
            self.runner.check_cancel()
            self._cancel_released()
            self._use_new_credentials()
            if time.monotonic() - refreshed >= REFRESH_SECONDS:
                self._refresh()
                refreshed = time.monotonic()
            released = [n for n in self.waiting if m.cutover_all or n in m.cutover_dbs]
            missed = service_clock.cutover_window_over(m, {n: self.copied_at[n] for n in self.waiting}, released,
                                                       self.runner.app.settings, time.monotonic())
            if missed:
                raise service_clock.TimedOut(missed)
            if released and not self.copying and len(released) == len(self.waiting):
                with m.lock:
                    m.state, m.substate = 'InProgress', 'CompletingMigration'
                    m.touch()
            for name in released:
                self._cutover(name)
            time.sleep(0.02)

    def _use_new_credentials(self):
        """After a PATCH of secretParameters: each subscription reconnects to the source with the new credentials (the
        service reopens its connections; a wrong password shows as replication errors, then a failed database)."""
        version = self.m.credentials_version
        if version == self.credentials_version:
            return
        self.credentials_version = version
        for replication in self.replications.values():
            try:
                replication.reconnect()
            except psycopg.Error:
                pass  # counted by the target as replication errors on the next refresh

    def _cancel_released(self):
        for name in [n for n in self.copying + self.waiting if n in self.m.cancel_dbs]:
            self._forget(name)
            self.replications.pop(name).drop()
            self.runner.set_db(name, migrationState='Canceled', endedOn=iso(utcnow()), fullLoadLoadingTables=0)
            self.runner.drop_target_databases([name])

    def _forget(self, name):
        for group in (self.copying, self.waiting):
            if name in group:
                group.remove(name)

    def _refresh(self):
        m = self.m
        for name in list(self.copying):
            self._refresh_copy(name)
        for name in self.waiting:
            replication = self.replications[name]
            try:
                figures = replication.cdc_figures()
                figures['latency'] = replication.lag()[2]
            except psycopg.Error:
                continue  # a source restart or a blip: the next refresh reads again
            self.runner.set_db(name, **figures)
        if self.waiting and not self.copying and m.substate == 'MigratingData':
            with m.lock:
                m.state, m.substate = 'WaitingForUserAction', 'WaitingForCutoverTrigger'
                m.touch()

    def _refresh_copy(self, name):
        replication = self.replications[name]
        try:
            queued, loading, copied, ready, total = replication.copy_state()
            errors = sum(replication.sync_errors())
        except psycopg.Error:
            return
        if errors > MAX_REPLICATION_ERRORS:
            self._forget(name)
            replication.drop()
            self.runner.set_db(name, migrationState='Failed', endedOn=iso(utcnow()), fullLoadLoadingTables=0,
                               fullLoadErroredTables=max(total - copied, 1),
                               message='Logical replication failed: the target reported %d errors copying or applying '
                                       'changes; see the target server log.' % errors)
            return
        self.runner.set_db(name, fullLoadQueuedTables=queued, fullLoadLoadingTables=loading, fullLoadCompletedTables=copied)
        if ready == total:
            replication.mark_copied()
            self.copying.remove(name)
            self.waiting.append(name)
            self.copied_at[name] = time.monotonic()
            self.runner.set_db(name, migrationState='WaitingForCutoverTrigger', migrationOperation='WaitingForCutover',
                               fullLoadQueuedTables=0, fullLoadLoadingTables=0, fullLoadCompletedTables=total)

    def _cutover(self, name):
        """Wait for zero lag (everything the source wrote up to the trigger is applied), sync sequences, drop the
        subscription (its slot on the source goes with it) and the publication, complete the database."""
        runner, replication = self.runner, self.replications[name]
        runner.set_db(name, migrationState='InProgress', migrationOperation='CompletingCutover')
        goal = replication.source_lsn()
        while not replication.confirmed_beyond(goal):
            runner.check_cancel()
            if name in self.m.cancel_dbs:
                return  # _cancel_released handles it on the next turn
            try:
                runner.set_db(name, latency=replication.lag()[2])
            except psycopg.Error:
                pass
            time.sleep(0.05)
        replication.sync_sequences()
        problems = replication.drop()  # the apply worker exits here and flushes its statistics
        figures = replication.cdc_figures()
        replication.refresh_materialized_views()
        self.replications.pop(name)
        self.waiting.remove(name)
        done = dict(figures, latency=0, migrationState='Succeeded', migrationOperation='Completed', endedOn=iso(utcnow()))
        if problems:
            done['message'] = 'Cut over; cleanup reported: %s' % '; '.join(problems)
        runner.set_db(name, **done)

    def drop_all(self):
        for name in list(self.replications):
            self.replications.pop(name).drop()
