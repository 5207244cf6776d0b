# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safe cutover: before the service is asked to cut over, make sure no write on the source can be lost.

1. (freeze only) the databases cut over become read-only for new sessions, and the sessions opened before that are
   still open after the settle time are reported (the guard refuses) or ended;
2. the source must stand still for the settle time: no client session of those databases holds a transaction id,
   their row-change counters do not move, and the server's WAL position does not move (WAL written by other
   databases' commits is allowed; WAL with no commit anywhere, such as a checkpoint, makes the guard look again, up
   to SETTLE_WINDOWS times);
3. the WAL position at the end of that time is the final position: the guard waits until every replication slot of
   those databases has confirmed it (the target applied everything up to it).

Any refusal or timeout after a freeze undoes the freeze. Nothing here knows Ansible: safe_cutover.py connects and
reports. Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import time

from ansible_collections.pgflex.migration.plugins.module_utils import cutover_guard_sql as guard_sql

MODES = ('disabled', 'confirm', 'freeze')
SESSION_CHOICES = ('report', 'terminate')
DEFAULT_SETTLE_SECONDS = 5
SETTLE_WINDOWS = 3  # settle windows to try when only WAL moved (a checkpoint, autovacuum, a delayed statistic)
SAMPLE_SECONDS = 0.1  # between two looks at the sessions during a settle window
SLOT_POLL_SECONDS = 0.2


class GuardRefused(Exception):
    """The cutover must not be requested; the message says why and what to do."""

    def __init__(self, message, timed_out=False):
        super(GuardRefused, self).__init__(message)
        self.timed_out = timed_out


def lsn_number(text):
    """A pg_lsn text ('16/B374D848') as a number, for comparing positions."""
    high, low = str(text).split('/')
    return (int(high, 16) << 32) + int(low, 16)


def describe_session(session):
    """One session as the messages name it (no statement text: it may hold data or secrets)."""
    return ('pid %(pid)s (user %(user)s, application %(application)r, client %(client)s, database %(database)s, '
            'state %(state)s)' % dict(session, application=session.get('application') or '', state=session.get('state') or '?'))


class SourceReader(object):
    """The guard's queries on one autocommit connection to the source (a stub replaces it in unit tests)."""

    def __init__(self, conn, sql_module):
        self.conn = conn
        self.sql = sql_module  # psycopg.sql, for identifiers

    def _rows(self, query, params=None):
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def wal_lsn(self):
        return self._rows(guard_sql.WAL_LSN)[0][0]

    def server_time(self):
        return self._rows(guard_sql.SERVER_TIME)[0][0]

    def row_changes(self):
        """{database: rows inserted + updated + deleted so far} for every database of the server."""
        return dict((name, int(rows)) for name, rows, dummy in self._rows(guard_sql.ROW_CHANGES))

    def sessions(self, databases, seconds, frozen_at=None):
        keys = ('pid', 'user', 'application', 'client', 'database', 'state', 'writing', 'recent', 'pre_freeze')
        rows = self._rows(guard_sql.SESSIONS, {'databases': list(databases), 'seconds': seconds, 'frozen_at': frozen_at})
        return [dict(zip(keys, row)) for row in rows]

    def slots(self, databases):
        rows = self._rows(guard_sql.SLOTS, {'databases': list(databases)})
        return [{'slot': name, 'database': db, 'confirmed_lsn': lsn, 'active': bool(active)} for name, db, lsn, active in rows]

    def read_only_settings(self, databases):
        """{database: its own default_transaction_read_only setting, or None when it has none}."""
        return dict(self._rows(guard_sql.READ_ONLY_SETTING, {'databases': list(databases)}))

    def set_read_only(self, database, previous='on'):
        """Freeze (previous='on'), or put back the setting the database had (None: none)."""
        ident = self.sql.Identifier(database)
        if previous is None:
            statement = self.sql.SQL(guard_sql.UNFREEZE).format(ident)
        elif previous == 'on':
            statement = self.sql.SQL(guard_sql.FREEZE).format(ident)
        else:
            statement = self.sql.SQL(guard_sql.RESTORE).format(ident, self.sql.Literal(previous))
        with self.conn.cursor() as cur:
            cur.execute(statement)

    def terminate(self, pid):
        self._rows(guard_sql.TERMINATE, {'pid': pid})


class Guard(object):
    """One safe cutover of ``databases``; ``record`` is what the result and the report show."""

    def __init__(self, reader, mode, databases, settle_seconds=DEFAULT_SETTLE_SECONDS, sessions='report',
                 deadline=None, clock=None, sleep=None):
        self.reader = reader
        self.mode = mode
        self.databases = list(databases)
        self.settle_seconds = settle_seconds
        self.session_choice = sessions
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.deadline = deadline
        self.frozen = {}  # database -> its setting before the freeze (None: none)
        self.frozen_at = None
        self.record = {'mode': mode, 'databases': self.databases, 'settle_seconds': settle_seconds,
                       'frozen_databases': [], 'ended_sessions': []}

    # ---- the whole guard -----------------------------------------------------------------------------

    def run(self):
        """Freeze (freeze mode), settle, wait for the slots; returns ``record``. Raises GuardRefused, freeze undone."""
        try:
            needed = self.settle_seconds * (2 if self.mode == 'freeze' else 1)  # freeze: sessions get the time to end
            self._fits(needed, 'wait for the source to stand still for %ss (cutover_settle_seconds)' % self.settle_seconds)
            if self.mode == 'freeze':
                self._freeze()
            final = self._settle()
            self._wait_for_slots(final)
        except BaseException:
            self.undo()
            raise
        return self.record

    def undo(self):
        """Put back each frozen database's own setting; a failure to do so is said, not hidden."""
        problems = []
        for database, previous in list(self.frozen.items()):
            try:
                self.reader.set_read_only(database, previous)
                del self.frozen[database]
            except Exception as exc:  # the original failure must still be reported
                problems.append('%s: %s' % (database, exc))
        self.record['frozen_databases'] = sorted(self.frozen)
        if problems:
            self.record['undo_problems'] = problems
        return problems

    def _fits(self, seconds, what):
        if self.deadline is not None and self.clock() + seconds > self.deadline:
            raise GuardRefused('The task has %ds left, not enough to %s. Raise wait_timeout (or api_timeout without '
                               'wait).' % (max(0, int(self.deadline - self.clock())), what), timed_out=True)

    # ---- 1. freeze ---------------------------------------------------------------------------------------

    def _freeze(self):
        previous = self.reader.read_only_settings(self.databases)
        for database in self.databases:
            self.frozen[database] = previous.get(database)
            self.reader.set_read_only(database, 'on')
        self.record['frozen_databases'] = list(self.databases)
        self.frozen_at = self.reader.server_time()
        opened = self._sessions_from_before()
        if not opened:
            return
        if self.session_choice != 'terminate':
            raise GuardRefused(
                'Refusing to cut over: %d session(s) of %s were open before the freeze and can still write (a session '
                'keeps the setting it started with): %s. Close them (stop the application), or set freeze_sessions: '
                'terminate to end them. The freeze was undone; nothing was cut over.'
                % (len(opened), ', '.join(self.databases), '; '.join(describe_session(s) for s in opened)))
        for session in opened:
            self.reader.terminate(session['pid'])
        self.record['ended_sessions'] = [describe_session(s) for s in opened]

    def _sessions_from_before(self):
        """The sessions opened before the freeze that are still open after the settle time (short-lived ones, such as
        a monitoring query's, end by themselves)."""
        started = self.clock()
        while True:
            opened = [s for s in self.reader.sessions(self.databases, self.settle_seconds, self.frozen_at) if s['pre_freeze']]
            if not opened or self.clock() - started >= self.settle_seconds:
                return opened
            self.sleep(SAMPLE_SECONDS)

    # ---- 2. settle ---------------------------------------------------------------------------------------

    def _settle(self):
        """The WAL position once the source stood still for the settle time."""
        moved = None
        for window in range(1, SETTLE_WINDOWS + 1):
            if window > 1:
                self._fits(self.settle_seconds, 'look again whether the source stands still (%s)' % moved)
            start_wal, start_rows = self.reader.wal_lsn(), self.reader.row_changes()
            started = self.clock()
            seen = {}
            while True:
                for session in self.reader.sessions(self.databases, self.settle_seconds, self.frozen_at):
                    if session['writing'] or session['recent'] or session['state'] not in ('idle', ''):
                        seen[session['pid']] = session
                writers = [s for s in seen.values() if s['writing']]
                if writers:
                    raise GuardRefused(self._still_writing_text(writers, 'hold a write transaction'))
                if self.clock() - started >= self.settle_seconds:
                    break
                self.sleep(SAMPLE_SECONDS)
            end_wal, end_rows = self.reader.wal_lsn(), self.reader.row_changes()
            changed = [db for db in self.databases if end_rows.get(db) != start_rows.get(db)]
            elsewhere = [db for db in end_rows if db not in self.databases and end_rows[db] != start_rows.get(db)]
            if changed:
                moved = 'rows changed in %s' % ', '.join(changed)
                # the sessions of the databases written say more than the others seen
                seen = dict((pid, s) for pid, s in seen.items() if s['database'] in changed) or seen
            elif start_wal != end_wal and not elsewhere:
                moved = 'the WAL position moved from %s to %s with no row changed in any database' % (start_wal, end_wal)
            else:
                self.record.update(final_lsn=end_wal, settle_windows=window, wal_still=start_wal == end_wal,
                                   other_databases_written=sorted(elsewhere))
                return end_wal
        raise GuardRefused(self._still_writing_text(list(seen.values()), 'were active meanwhile', moved))

    def _still_writing_text(self, sessions, doing, moved=None):
        what = ('the source did not stand still in %d tries of %ss (%s)' % (SETTLE_WINDOWS, self.settle_seconds, moved)
                if moved else 'the source is still being written')
        named = ('; connections that %s: %s' % (doing, '; '.join(describe_session(s) for s in sorted(sessions, key=lambda s: s['pid'])))
                 if sessions else '; no client session of %s was seen, so the writes come from elsewhere (another database '
                 'of the server, a job, maintenance)' % ', '.join(self.databases))
        undo = ' The freeze was undone.' if self.frozen else ''
        return ('Refusing to cut over: %s%s. Stop the application (or use safe_cutover: freeze) and run the task again; '
                'a write after the cutover would be lost.%s Nothing was cut over.' % (what, named, undo))

    # ---- 3. the target has applied everything ------------------------------------------------------------

    def _wait_for_slots(self, final):
        """Until every database has an active logical slot and every active slot confirmed ``final``."""
        goal = lsn_number(final)
        while True:
            slots = [s for s in self.reader.slots(self.databases) if s['active']]
            missing = [db for db in self.databases if db not in set(s['database'] for s in slots)]
            behind = [s for s in slots if lsn_number(s['confirmed_lsn']) < goal]
            if not missing and not behind:
                self.record['slots'] = slots
                return
            if self.deadline is not None and self.clock() + SLOT_POLL_SECONDS > self.deadline:
                parts = []
                if missing:
                    parts.append('no replication slot of the migration is streaming %s' % ', '.join(missing))
                if behind:
                    parts.append('behind: %s' % ', '.join('%s (%s) at %s' % (s['slot'], s['database'], s['confirmed_lsn'])
                                                          for s in behind))
                self.record['slots'] = slots
                raise GuardRefused('Timed out waiting for the target to apply everything up to the source\'s final '
                                   'position %s: %s. Raise wait_timeout and run the task again.%s Nothing was cut over.'
                                   % (final, '; '.join(parts), ' The freeze was undone.' if self.frozen else ''),
                                   timed_out=True)
            self.sleep(SLOT_POLL_SECONDS)
