# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.plugin_utils.chunked_wait import ChunkedWait, MergedResult, retryable_failure
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock


def test_first_chunk_waits_the_interval_then_module_overhead_is_taken_off():
    clock = FakeClock(100.0)
    wait = ChunkedWait(3600, 60, clock)
    assert wait.start_chunk() == 60
    clock.sleep(60.8)  # the module waited 60 s; start-up, sign-in and the first read took 0.8 s
    wait.end_chunk(waited_all=True)
    wait.line_printed()
    assert abs(wait.overhead() - 0.8) < 1e-9
    assert wait.start_chunk() == 58  # due at 220, now 160.8, minus 0.8 overhead: 58.4 -> 58


def test_when_start_up_takes_the_whole_interval_a_chunk_still_waits_a_second():
    # wait_timeout 0 would make the chunk a single read, not a wait.
    clock = FakeClock()
    wait = ChunkedWait(600, 1, clock)
    wait.overheads = [0.9]
    assert wait.start_chunk() == 1


def test_no_chunk_is_started_when_not_one_second_of_waiting_fits():
    clock = FakeClock()
    wait = ChunkedWait(20, 3, clock)
    wait.overheads = [0.5]
    clock.sleep(18.4)
    assert not wait.out_of_time()  # 1.6 s left: one more second of waiting after 0.5 s of start-up
    clock.sleep(0.3)
    assert wait.out_of_time()  # 1.3 s left: start-up and a whole second do not fit


def test_the_last_chunk_ends_at_the_deadline():
    clock = FakeClock()
    wait = ChunkedWait(100, 60, clock)
    clock.sleep(70)
    wait.line_printed()
    assert wait.start_chunk() == 30
    clock.sleep(30.5)
    assert wait.out_of_time()


def test_line_pacing_after_an_early_chunk():
    clock = FakeClock()
    wait = ChunkedWait(600, 10, clock)
    wait.start_chunk()
    clock.sleep(4)  # came back early (the condition did not hold yet but a poll failed, say)
    assert wait.line_due_in() == 6


def test_merged_result_keeps_one_trail_and_any_change():
    merged = MergedResult()
    merged.add({'changed': True, 'actions': ['create'], 'diff': {'before': {}, 'after': {'a': 1}}, 'warnings': ['w'],
                'progress': [{'time': 't1', 'state': 'InProgress', 'substate': None, 'databases': {}}]})
    merged.add({'changed': False, 'actions': [], 'warnings': ['w'], 'failed': True, 'timed_out': True, 'msg': 'x',
                'progress': [{'time': 't2', 'state': 'InProgress', 'substate': None, 'databases': {}},
                             {'time': 't3', 'state': 'InProgress', 'substate': 'MigratingData', 'databases': {}}]})
    merged.add({'changed': False, 'actions': [], 'migration': {'name': 'm'},
                'progress': [{'time': 't4', 'state': 'InProgress', 'substate': 'MigratingData', 'databases': {}},
                             {'time': 't5', 'state': 'Succeeded', 'substate': 'Completed', 'databases': {}}]})
    result = merged.result(12.3456, 3)
    assert result['changed'] is True and result['actions'] == ['create'] and result['chunks'] == 3
    assert [entry['time'] for entry in result['progress']] == ['t1', 't3', 't5']
    assert result['diff'] == {'before': {}, 'after': {'a': 1}}
    assert result['warnings'] == ['w'] and result['duration'] == 12.346
    assert 'failed' not in result and 'msg' not in result and result['migration'] == {'name': 'm'}


def test_retryable_failures():
    assert retryable_failure({'error': {'status': 429}})
    assert retryable_failure({'error': {'status': None}})
    assert not retryable_failure({'error': {'status': 401}})
    assert not retryable_failure({'msg': 'Invalid input'})


def test_a_retry_after_holds_the_next_chunk_and_one_past_the_deadline_ends_the_wait():
    clock = FakeClock()
    wait = ChunkedWait(120, 10, clock)
    wait.hold(None)
    assert wait.hold_left() == 0 and not wait.out_of_time()
    wait.hold(35)
    clock.sleep(5)
    assert wait.hold_left() == 30 and not wait.out_of_time()
    wait.hold(116)  # ends at 121: past the deadline (120), so no chunk fits after it
    assert wait.held_past_deadline() and wait.out_of_time() and wait.asked == 116


def test_a_run_that_failed_after_using_its_whole_budget_gets_a_longer_one_next():
    # On a loaded machine start-up and sign-in can eat a one-second chunk: the run fails without reading anything.
    clock = FakeClock()
    wait = ChunkedWait(20, 3, clock)
    wait.overheads = [2.5]
    assert wait.start_chunk() == 1
    clock.sleep(1.2)
    wait.end_chunk(waited_all=False, failed=True)
    assert wait.starved  # a timeout, not an API error, if no time is left for another run
    assert wait.start_chunk() == 2
    clock.sleep(2.5)
    wait.end_chunk(waited_all=False, failed=True)
    assert wait.start_chunk() == 3  # at most the interval
    clock.sleep(3.1)
    wait.end_chunk(waited_all=False, failed=True)
    assert wait.floor == 3


def test_a_run_that_failed_quickly_keeps_the_shortest_chunk():
    clock = FakeClock()
    wait = ChunkedWait(20, 3, clock)
    wait.overheads = [2.5]
    wait.start_chunk()
    clock.sleep(0.4)  # an answer came (an HTTP 503): time was not the problem
    wait.end_chunk(waited_all=False, failed=True)
    assert wait.floor == 1
    assert not wait.starved


def test_no_chunk_is_started_when_the_raised_floor_does_not_fit():
    clock = FakeClock()
    wait = ChunkedWait(20, 3, clock)
    wait.floor = 2
    clock.sleep(17.5)
    assert not wait.out_of_time()  # 2.5 s left: a two-second run fits
    clock.sleep(1.0)
    assert wait.out_of_time()  # 1.5 s left: a one-second run would fit, but one that short just failed


def test_merged_result_keeps_the_last_migration_read_when_the_last_run_read_none():
    merged = MergedResult()
    merged.add({'migration': {'name': 'm1', 'status': {'state': 'InProgress'}}})
    merged.add({'failed': True, 'msg': 'GET failed', 'error': {'status': None}})
    result = merged.result(5.0, 2)
    assert result['migration']['status']['state'] == 'InProgress'
    assert result['msg'] == 'GET failed'


def test_merged_result_keeps_the_safe_cutover_of_the_run_that_cut_over():
    merged = MergedResult()
    merged.add({'changed': True, 'actions': ['cutover all databases'], 'safe_cutover': {'final_lsn': '0/1'}})
    merged.add({'changed': False, 'actions': ['cutover already requested']})
    assert merged.result(3.0, 2)['safe_cutover'] == {'final_lsn': '0/1'}
