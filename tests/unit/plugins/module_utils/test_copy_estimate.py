# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.pgflex.migration.plugins.module_utils.copy_estimate import database_seconds_left, seconds_left

NOW = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)


def _db(done, total, started='2026-03-01T08:00:00Z', state='InProgress'):
    return {'state': state, 'started_on': started, 'tables_completed': done, 'tables_total': total}


def test_rate_so_far_carries_on():
    assert database_seconds_left(_db(10, 40), NOW) == 3 * 3600  # 10 tables an hour, 30 to go
    assert database_seconds_left(_db(40, 40), NOW) == 0


def test_slowest_database_sets_the_time_and_finished_ones_do_not_count():
    databases = [_db(10, 40), _db(30, 40), _db(5, 5, state='WaitingForCutoverTrigger'), _db(0, 9, state='Succeeded')]
    assert seconds_left(databases, NOW) == 3 * 3600


def test_unknown_without_a_rate():
    assert seconds_left([_db(0, 40)], NOW) is None  # nothing done yet
    assert seconds_left([_db(10, 40, started=None)], NOW) is None
    assert seconds_left([_db(10, 40, started='2026-03-01T10:00:00Z')], NOW) is None  # started "later" than now
    assert seconds_left([_db(10, 40), _db(0, 3)], NOW) is None  # one database has no rate: no promise
    assert seconds_left([], NOW) is None
    assert seconds_left([_db(None, None)], NOW) is None
