# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long the copy of a migration's data has left, estimated from what the service reports.

The service reports, per database, the tables completed, loading, queued and errored, and when the
database started. A database still copying is assumed to go on at the rate it has had so far
(tables completed per second since it started), and the databases are copied side by side, so the
slowest sets the time. Tables differ in size, so the estimate is rough: docs/pg_flexible_migration.md
("Time left") says how rough.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.times import parse_time


def _whole(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def copying(database):
    """A database whose tables are being copied: a state the table knows, not ended, not waiting for its cutover and
    not being cancelled."""
    entry = states.database_state(database.get('state'))
    return entry.meaning is not None and not entry.terminal and entry.phase is None


def database_seconds_left(database, now):
    """Estimated seconds until ``database`` (a status database entry) has copied every table; None when unknown."""
    total, done = _whole(database.get('tables_total')), _whole(database.get('tables_completed'))
    started = parse_time(database.get('started_on'))
    if total is None or done is None or started is None or done <= 0:
        return None
    if done >= total:
        return 0
    spent = (now - started).total_seconds()
    if spent <= 0:
        return None
    return int(round(spent * (total - done) / done))


def seconds_left(databases, now=None):
    """Estimated seconds until every database still copying has copied its tables (the slowest one sets it).

    None when nothing is being copied, or when a database copying has no table done yet (no rate to go by).
    """
    now = now or datetime.now(timezone.utc)
    busy = [db for db in databases or [] if isinstance(db, dict) and copying(db) and _whole(db.get('tables_total'))]
    estimates = [database_seconds_left(db, now) for db in busy]
    if not estimates or None in estimates:
        return None
    return max(estimates)
