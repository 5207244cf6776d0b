# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A source server as the safe cutover's guard reads it (cutover_guard.SourceReader), scripted by the test's clock."""
from __future__ import annotations

WRITER = {'pid': 4242, 'user': 'app', 'application': 'orders-api', 'client': '10.0.0.9', 'database': 'shop',
          'state': 'idle in transaction', 'writing': True, 'recent': True, 'pre_freeze': True}


class StubSource(object):
    """The source as the guard reads it. ``wal`` and ``rows`` are callables of the clock (scripted changes), the
    sessions a callable too; slots confirm ``confirm_at`` seconds after the start (None: never)."""

    def __init__(self, clock, wal=None, rows=None, sessions=None, slots=None, confirm_at=0.0, settings=None):
        self.clock = clock
        self.wal = wal or (lambda now: '0/3000000')
        self.rows = rows or (lambda now: {'shop': 10, 'hr': 5, 'postgres': 0})
        self.session_list = sessions or (lambda now: [])
        self.slot_dbs = ['shop', 'hr'] if slots is None else slots
        self.confirm_at = confirm_at
        self.settings = dict(settings or {})
        self.statements = []

    def wal_lsn(self):
        return self.wal(self.clock.now)

    def server_time(self):
        return 't%g' % self.clock.now

    def row_changes(self):
        return self.rows(self.clock.now)

    def sessions(self, databases, seconds, frozen_at=None):
        return [s for s in self.session_list(self.clock.now) if s['database'] in databases]

    def slots(self, databases):
        confirmed = self.confirm_at is not None and self.clock.now >= self.confirm_at
        return [{'slot': 'pgflex_x_%s' % db, 'database': db, 'active': True,
                 'confirmed_lsn': self.wal_lsn() if confirmed else '0/1000000'} for db in self.slot_dbs if db in databases]

    def read_only_settings(self, databases):
        return dict((db, self.settings.get(db)) for db in databases)

    def set_read_only(self, database, previous='on'):
        self.statements.append(('read_only', database, previous))
        if previous is None:
            self.settings.pop(database, None)
        else:
            self.settings[database] = previous

    def terminate(self, pid):
        self.statements.append(('terminate', pid))
