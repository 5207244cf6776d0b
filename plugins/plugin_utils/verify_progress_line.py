# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress line the pg_flexible_migration_verify action prints while the module compares.

Built from the module's progress file (counts and the database's name only), so it never holds a secret.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_line import clock_text


def verify_line(progress, elapsed):
    """'shop: 3/12 tables, 1200000 of about 5000000 rows (24%), 85000 rows/s; elapsed 0:00:14.1, about 0:00:44.6 left'.

    The total is the planner's estimate (pg_class.reltuples) of the source's rows, so the time left is an estimate
    too: rows still to do at the rate so far.
    """
    if not progress or not progress.get('tables_total'):
        return 'listing tables; elapsed %s' % clock_text(elapsed)
    done = progress.get('rows_done') or 0
    total = progress.get('rows_estimated') or 0
    rows = '%d rows' % done
    if total:
        rows = '%d of about %d rows (%d%%)' % (done, total, min(100, 100 * done // total))
    seconds = progress.get('elapsed') or elapsed
    rate = done / seconds if seconds > 0 else 0
    tables = '%d/%d tables' % (progress.get('tables_done') or 0, progress['tables_total'])
    parts = ['%s: %s, %s, %d rows/s' % (progress.get('database'), tables, rows, rate)]
    timing = 'elapsed %s' % clock_text(elapsed)
    if rate > 0 and total > done:
        timing += ', about %s left' % clock_text((total - done) / rate)
    parts.append(timing)
    return '; '.join(parts)
