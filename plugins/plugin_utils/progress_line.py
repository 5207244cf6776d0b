# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one progress line the pg_flexible_migration action prints after each chunk of waiting.

Built from the module's result (the normalised status), so it never holds anything the module
does not return, and so no secret.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.service_clocks import clock_line, duration_text


def clock_text(seconds):
    """1:02:03.4 (hours unbounded, so a wait of days stays readable)."""
    # Rounded to tenths first, so 3539.96 s reads 0:59:00.0, not 0:58:60.0.
    tenths = int(round(max(float(seconds), 0.0) * 10))
    hours, rest = divmod(tenths / 10.0, 3600)
    minutes, rest = divmod(rest, 60)
    return '%d:%02d:%04.1f' % (hours, minutes, rest)


def _count(value):
    return '?' if value is None else str(value)


def database_text(db, online=False):
    """'orders 3/12 tables' plus, for online migrations, latency and applied changes when the service sends them."""
    text = '%s %s/%s tables' % (db.get('name'), _count(db.get('tables_completed')), _count(db.get('tables_total')))
    if not online:
        return text
    extras = []
    if db.get('latency') is not None:
        extras.append('latency %ss' % db['latency'])
    if db.get('applied_changes') is not None:
        extras.append('%s changes applied' % db['applied_changes'])
    if extras:
        text += ' (%s)' % ', '.join(extras)
    return text


def progress_line(name, status, elapsed, left, online=False):
    """'<name>: <state> / <substate>; <databases>; copy about 0:20:00 left; service clock 6d 23:10:00 left (migration
    lifetime); elapsed 0:05:10.3, 0:54:49.7 left' (the last two: the task's wait_timeout). The copy estimate and the
    service clock are as of the module's last status read, and only there while the service runs the migration."""
    status = status if isinstance(status, dict) else {}
    state = status.get('state') or 'no status read yet'
    if status.get('substate'):
        state += ' / %s' % status['substate']
    parts = ['%s: %s' % (name, state)]
    databases = [db for db in status.get('databases') or [] if isinstance(db, dict)]
    if databases:
        parts.append(', '.join(database_text(db, online) for db in databases))
    if isinstance(status.get('copy_time_left'), int):
        parts.append('copy about %s left' % duration_text(status['copy_time_left']))
    if clock_line(status.get('service_clock')):
        parts.append(clock_line(status.get('service_clock')))
    parts.append('elapsed %s, %s left' % (clock_text(elapsed), clock_text(left)))
    return '; '.join(parts)


def hidden_line(elapsed, left):
    """The line under no_log: time only."""
    return 'progress hidden by no_log; elapsed %s, %s left' % (clock_text(elapsed), clock_text(left))
