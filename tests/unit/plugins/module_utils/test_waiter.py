# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import response, waiter
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock


def migration(state, substate=None, dbs=None, validation=None):
    details = {}
    if substate:
        details['currentSubState'] = substate
    if dbs is not None:
        details['dbDetails'] = dbs
    if validation:
        details['validationDetails'] = {'status': validation}
    return {'properties': {'currentStatus': {'state': state, 'currentSubStateDetails': details}}}


def db(state, done, loading=0, queued=0):
    return {'migrationState': state, 'fullLoadCompletedTables': done, 'fullLoadLoadingTables': loading,
            'fullLoadQueuedTables': queued, 'fullLoadErroredTables': 0}


class Sequence:
    """fetch() returning the given items in turn (exceptions are raised), then the last forever."""

    def __init__(self, *items):
        self.items = list(items)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        item = self.items.pop(0) if len(self.items) > 1 else self.items[0]
        if isinstance(item, Exception):
            raise item
        return item


def make(fetch, clock, timeout=100, interval=10, retryable=None):
    return waiter.Waiter(fetch, clock() + timeout, interval, progress=waiter.Progress(now=clock.stamp), retryable=retryable,
                         clock=clock, sleep=clock.sleep)


def test_reaches_completed():
    clock = FakeClock()
    fetch = Sequence(
        migration('InProgress', 'PerformingPreRequisiteSteps'),
        migration('InProgress', 'MigratingData', {'app': db('InProgress', 1, loading=1, queued=2)}),
        migration('Succeeded', 'Completed', {'app': db('Succeeded', 4)}),
    )
    result = make(fetch, clock).wait(waiter.completed)
    assert result.outcome == 'reached'
    assert result.elapsed == 20
    assert fetch.calls == 3


def test_trail_records_state_substate_and_table_counts():
    clock = FakeClock()
    fetch = Sequence(
        migration('InProgress', 'MigratingData', {'app': db('InProgress', 1, loading=1, queued=2)}),
        migration('InProgress', 'MigratingData', {'app': db('InProgress', 1, loading=1, queued=2)}),
        migration('Succeeded', 'Completed', {'app': db('Succeeded', 4)}),
    )
    w = make(fetch, clock)
    w.wait(waiter.completed)
    entries = w.progress.entries
    assert [(e['time'], e['state'], e['substate']) for e in entries] == [
        ('t=0', 'InProgress', 'MigratingData'), ('t=20', 'Succeeded', 'Completed')]
    assert entries[0]['databases']['app']['tables_completed'] == 1
    assert entries[0]['databases']['app']['tables_total'] == 4
    assert entries[1]['databases']['app'] == {'state': 'Succeeded', 'tables_completed': 4, 'tables_loading': 0,
                                              'tables_queued': 0, 'tables_errored': 0, 'tables_total': 4}


def test_terminal_state_stops_waiting():
    clock = FakeClock()
    result = make(Sequence(migration('InProgress'), migration('Failed', 'Completed')), clock).wait(waiter.completed)
    assert result.outcome == 'terminal'
    assert result.migration['properties']['currentStatus']['state'] == 'Failed'


def test_timeout_never_sleeps_past_the_deadline():
    # The last read is made a second before the deadline, so that it still has time to be answered.
    clock = FakeClock()
    result = make(Sequence(migration('InProgress')), clock, timeout=25, interval=10).wait(waiter.completed)
    assert result.outcome == 'timeout'
    assert clock.sleeps == [10, 10, 4]
    assert clock.now == 24


def test_no_read_is_started_with_less_than_a_second_left():
    clock = FakeClock()
    fetch = Sequence(migration('InProgress'))
    result = make(fetch, clock, timeout=0.5, interval=10).wait(waiter.completed)
    assert result.outcome == 'timeout'
    assert fetch.calls == 1 and clock.sleeps == []


def test_initial_migration_is_used_without_fetching():
    clock = FakeClock()
    fetch = Sequence(migration('Succeeded'))
    result = make(fetch, clock).wait(waiter.completed, migration=migration('Succeeded'))
    assert result.outcome == 'reached'
    assert fetch.calls == 0


class Throttled(Exception):
    status = 429


def test_retryable_errors_keep_polling_and_are_noted():
    clock = FakeClock()
    fetch = Sequence(migration('InProgress'), Throttled('too many requests'), migration('Succeeded'))
    w = make(fetch, clock, retryable=lambda exc: getattr(exc, 'status', None) == 429)
    result = w.wait(waiter.completed)
    assert result.outcome == 'reached'
    assert isinstance(result.last_error, Throttled)
    assert any('too many requests' in e.get('note', '') for e in w.progress.entries)


def test_retryable_errors_until_the_deadline_give_a_timeout():
    clock = FakeClock()
    fetch = Sequence(migration('InProgress'), Throttled('slow down'))
    result = make(fetch, clock, timeout=30, retryable=lambda exc: True).wait(waiter.completed)
    assert result.outcome == 'timeout'
    assert 29 <= clock.now <= 30


def test_other_errors_propagate():
    clock = FakeClock()
    with pytest.raises(ValueError):
        make(Sequence(migration('InProgress'), ValueError('boom')), clock).wait(waiter.completed)


def test_gone():
    clock = FakeClock()
    assert make(Sequence(None), clock).wait(waiter.completed).outcome == 'gone'


@pytest.mark.parametrize('name, doc, expected', [
    ('validated', migration('InProgress', 'MigratingData', validation='Succeeded'), True),
    ('validated', migration('InProgress', 'ValidationInProgress'), False),
    ('validated', migration('Succeeded', 'Completed'), True),
    ('cutover_ready', migration('WaitingForUserAction', 'WaitingForCutoverTrigger'), True),
    ('cutover_ready', migration('InProgress', 'MigratingData'), False),
    ('user_action', migration('WaitingForUserAction', 'WaitingForTargetDBOverwriteConfirmation'), True),
    ('completed', migration('Canceled'), False),
])
def test_conditions(name, doc, expected):
    assert waiter.target_condition(name)(doc) is expected


def test_cancelled_condition_per_database():
    condition = waiter.cancelled(['a'])
    assert not condition(migration('InProgress', dbs={'a': db('Canceling', 0), 'b': db('InProgress', 0)}))
    assert condition(migration('InProgress', dbs={'a': db('Canceled', 0), 'b': db('InProgress', 0)}))
    assert waiter.cancelled()(migration('Canceled'))
    assert not waiter.cancelled()(migration('InProgress'))


def with_props(doc, **props):
    doc['properties'].update(props)
    return doc


def test_awaiting_user_until_answered():
    waiting = migration('WaitingForUserAction', 'WaitingForTargetDBOverwriteConfirmation')
    assert response.awaiting_user(waiting)
    assert not response.awaiting_user(with_props(waiting, overwriteDbsInTarget='True'))
    assert not response.awaiting_user(migration('InProgress', 'MigratingData'))


def test_awaiting_cutover_until_requested_for_every_waiting_database():
    ready = migration('WaitingForUserAction', 'WaitingForCutoverTrigger',
                      {'a': db('WaitingForCutoverTrigger', 1), 'b': db('WaitingForCutoverTrigger', 1)})
    assert response.awaiting_user(ready) and waiter.user_action(ready)
    assert response.awaiting_user(with_props(ready, triggerCutover='True', dbsToTriggerCutoverOn=['a']))
    assert not response.awaiting_user(with_props(ready, triggerCutover='True', dbsToTriggerCutoverOn=['a', 'b']))
    assert not response.awaiting_user(with_props(migration('InProgress', 'WaitingForCutoverTrigger'), triggerCutover='True'))


def test_databases_just_cut_over_do_not_count_as_waiting():
    ready = migration('WaitingForUserAction', 'WaitingForCutoverTrigger',
                      {'a': db('WaitingForCutoverTrigger', 1), 'b': db('WaitingForCutoverTrigger', 1)})
    assert response.awaiting_user(ready, released=['a'])
    assert not response.awaiting_user(ready, released=['a', 'b'])


def test_window_wait_counts_as_user_action_but_not_as_a_question():
    scheduled = migration('InProgress', 'WaitingForDataMigrationWindow')
    assert waiter.user_action(scheduled)
    assert not response.awaiting_user(scheduled)


def lagging(*latencies):
    dbs = dict(('db%d' % i, dict(db('WaitingForCutoverTrigger', 3), latency=lag)) for i, lag in enumerate(latencies))
    dbs['done'] = dict(db('Succeeded', 3), latency=99)  # cut over already: its last latency does not count
    return migration('WaitingForUserAction', 'WaitingForCutoverTrigger', dbs)


@pytest.mark.parametrize('latencies, expected', [((0, 2), True), ((0, 3), False), ((None,), False), ((), True)])
def test_cutover_lag_within(latencies, expected):
    assert waiter.cutover_lag_within(2)(lagging(*latencies)) is expected


def test_cutover_lag_needs_cutover_readiness():
    copying = migration('InProgress', 'MigratingData', {'app': dict(db('InProgress', 1), latency=0)})
    assert waiter.cutover_lag_within(5)(copying) is False
    stop = waiter.stop_rule('cutover_lag', waiter.cutover_lag_within(5))
    assert stop(lagging(9)) is False  # the cutover question does not stop this wait: the lag may drop


def test_waits_through_the_cutover_question_until_the_lag_drops():
    clock = FakeClock()
    fetch = Sequence(lagging(12), lagging(4), lagging(1))
    result = make(fetch, clock).wait(waiter.cutover_lag_within(2))
    assert result.outcome == 'reached' and fetch.calls == 3


def test_a_wait_nobody_waits_for_any_more_stops_after_the_sleep():
    clock = FakeClock(0.0)
    reads = []

    def fetch():
        reads.append(clock.now)
        return {'properties': {'currentStatus': {'state': 'InProgress'}}}
    gone = iter([None, None, 77])
    result = waiter.Waiter(fetch, 100, 3, clock=clock, sleep=clock.sleep, abandoned=lambda: next(gone)).wait(lambda m: False)
    assert result.outcome == 'abandoned'
    assert reads == [0.0, 3.0, 6.0] and clock.now == 9.0  # within one poll interval of the controller's end


# ---- Retry-After across polls: a poll the client gave up on (the pause asked is longer than it may wait) ----

class AskedToWait(Exception):
    """A throttled status read, the way the client raises it: status 429 and the service's Retry-After."""
    status = 429

    def __init__(self, seconds):
        super(AskedToWait, self).__init__('throttled, retry after %s s' % seconds)
        self.retry_after = seconds


def reads_of(clock, *items):
    """fetch() answering ``items`` in turn (exceptions raised) and recording when each read was made."""
    answers = Sequence(*items)
    times = []

    def fetch():
        times.append(clock.now)
        return answers()
    return fetch, times


def throttled_wait(clock, asked, timeout=100, interval=10, abandoned=None):
    fetch, times = reads_of(clock, migration('InProgress'), AskedToWait(asked), migration('InProgress'),
                            migration('Succeeded'))
    w = waiter.Waiter(fetch, clock() + timeout, interval, progress=waiter.Progress(now=clock.stamp),
                      retryable=lambda exc: True, clock=clock, sleep=clock.sleep, abandoned=abandoned)
    return w, w.wait(waiter.completed), times


def test_retry_after_longer_than_the_poll_interval_delays_the_next_poll():
    clock = FakeClock()
    w, result, times = throttled_wait(clock, asked=35, interval=10)
    assert result.outcome == 'reached'
    # read at 0, throttled at 10 (asked 35 s): the next read at 45, not 20; then the usual interval again
    assert times == [0, 10, 45, 55]
    assert any('will retry in 35 s as the service asked (Retry-After)' in e.get('note', '') for e in w.progress.entries)


def test_retry_after_shorter_than_the_poll_interval_keeps_the_interval():
    clock = FakeClock()
    w, result, times = throttled_wait(clock, asked=4, interval=10)
    assert result.outcome == 'reached'
    assert times == [0, 10, 20, 30]


def test_retry_after_past_the_deadline_ends_the_wait_at_once():
    clock = FakeClock()
    w, result, times = throttled_wait(clock, asked=100, timeout=20, interval=3)
    assert result.outcome == 'timeout'
    assert times == [0, 3]  # no read after the throttled one: it would only be throttled again
    assert clock.now == 3 and result.last_error.retry_after == 100
    assert 'the service asked to wait 100 s (Retry-After), past the end of the wait' in w.progress.entries[-1]['note']


def test_retry_after_that_leaves_the_last_read_its_second_is_waited_for():
    clock = FakeClock()
    w, result, times = throttled_wait(clock, asked=16, timeout=30, interval=10)
    # throttled at 10; 10 + 16 = 26 is before the last read's start (29): the read at 26 is made
    assert times[:3] == [0, 10, 26]


def test_retry_after_that_ends_in_the_last_second_ends_the_wait():
    clock = FakeClock()
    w, result, times = throttled_wait(clock, asked=19.5, timeout=30, interval=10)
    assert result.outcome == 'timeout' and times == [0, 10]  # 29.5 leaves the read less than its second


def test_a_long_retry_after_still_notices_a_gone_controller_within_a_poll_interval():
    clock = FakeClock()
    checks = []

    def abandoned():
        checks.append(clock.now)
        return clock.now >= 25
    w, result, times = throttled_wait(clock, asked=300, timeout=1000, interval=10, abandoned=abandoned)
    assert result.outcome == 'abandoned'
    assert times == [0, 10] and clock.now == 30  # the hold is slept a poll interval at a time
