# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.pgflex.migration.plugins.module_utils import service_clocks
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems

START = datetime(2026, 3, 1, 8, 0, 0, tzinfo=timezone.utc)


def _migration(state='InProgress', databases=None, start='2026-03-01T08:00:00.1234567Z'):
    details = {'currentSubState': 'MigratingData', 'dbDetails': databases or {}}
    return {'properties': {'migrationWindowStartTimeInUtc': start,
                           'currentStatus': {'state': state, 'currentSubStateDetails': details}}}


def test_the_published_figures():
    assert service_clocks.MIGRATION_LIFETIME == 168 * 3600 == 604800
    assert service_clocks.CUTOVER_WINDOW == 72 * 3600
    assert service_clocks.WARNING_BEFORE < service_clocks.CUTOVER_WINDOW


def test_lifetime_counts_from_the_window_start():
    clock = service_clocks.clock(_migration(), START + timedelta(days=2))
    assert clock == {'started_on': '2026-03-01T08:00:00Z', 'migration_deadline': '2026-03-08T08:00:00Z', 'cutover_deadline': None,
                     'deadline': '2026-03-08T08:00:00Z', 'limit': 'migration_lifetime', 'seconds_left': 5 * 86400}


def test_cutover_window_counts_from_the_earliest_database_waiting_and_ends_first():
    databases = {'a': {'migrationState': 'WaitingForCutoverTrigger', 'startedOn': '2026-03-02T08:00:00Z'},
                 'b': {'migrationState': 'WaitingForCutoverTrigger', 'startedOn': '2026-03-03T08:00:00Z'},
                 'c': {'migrationState': 'Succeeded', 'startedOn': '2026-03-01T09:00:00Z'}}
    clock = service_clocks.clock(_migration('WaitingForUserAction', databases), START + timedelta(days=4))
    assert clock['cutover_deadline'] == clock['deadline'] == '2026-03-05T08:00:00Z'
    assert clock['limit'] == 'cutover_window' and clock['seconds_left'] == 0


def test_a_window_closing_after_the_lifetime_leaves_the_lifetime_first():
    databases = {'a': {'migrationState': 'WaitingForCutoverTrigger', 'startedOn': '2026-03-06T08:00:00Z'}}
    clock = service_clocks.clock(_migration('WaitingForUserAction', databases), START)
    assert clock['limit'] == 'migration_lifetime' and clock['cutover_deadline'] == '2026-03-09T08:00:00Z'


def test_no_clock_once_ended_or_without_a_start():
    assert service_clocks.clock(_migration('Succeeded'), START) is None
    assert service_clocks.clock(_migration(start=None), START) is None
    assert service_clocks.clock({}, START) is None


def test_warning_only_in_the_last_day_and_says_what_to_do():
    near = {'seconds_left': 3 * 3600 + 5, 'limit': 'cutover_window', 'deadline': '2026-03-05T08:00:00Z'}
    text = service_clocks.warning(near, 'wave1')
    assert "Migration 'wave1' has 03:00:05 left on the service's 72-hour cutover window" in text
    assert 'trigger the cutover' in text and service_clocks.SOURCE_URL in text
    assert "7-day limit" in service_clocks.warning(dict(near, limit='migration_lifetime'), 'wave1')
    assert service_clocks.warning(dict(near, seconds_left=service_clocks.WARNING_BEFORE), 'wave1') is None
    assert service_clocks.warning(None, 'wave1') is None


def test_clock_line_and_durations():
    assert service_clocks.duration_text(3 * 86400 + 3723) == '3d 01:02:03'
    assert service_clocks.duration_text(59) == '00:00:59'
    assert service_clocks.clock_line({'seconds_left': 90061, 'limit': 'cutover_window'}) == \
        'service clock 1d 01:01:01 left (cutover window)'
    assert service_clocks.clock_line(None) == ''


def test_wait_timeout_beyond_the_lifetime_is_refused_with_the_reason():
    assert number_problems({'wait_timeout': service_clocks.MIGRATION_LIFETIME}) == []
    problems = number_problems({'wait_timeout': service_clocks.MIGRATION_LIFETIME + 1})
    assert len(problems) == 1
    assert problems[0].startswith('wait_timeout must be between 0 and 604800 seconds; got 604801: the migration service '
                                  'ends a migration 7 days (604800 s) after it starts')
    assert 'lower wait_timeout' in problems[0]
    assert 'service ends' not in number_problems({'wait_timeout': -1})[0]


def test_a_failed_migration_that_ran_seven_days_is_explained_by_the_clock():
    ended = _migration('Failed')
    ended['properties']['migrationWindowEndTimeInUtc'] = '2026-03-08T08:00:05Z'
    text = service_clocks.outlived_text(ended)
    assert text.startswith("It ran 7d 00:00:04 (from 2026-03-01T08:00:00Z to 2026-03-08T08:00:05Z), which reaches the "
                           "service's 7-day limit on a migration")
    ended['properties']['migrationWindowEndTimeInUtc'] = '2026-03-07T08:00:00Z'
    assert service_clocks.outlived_text(ended) is None
    assert service_clocks.outlived_text(_migration('Succeeded')) is None
