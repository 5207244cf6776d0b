# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin's chunk loop, with a fake clock and a scripted module (no executor, no Azure)."""
from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest

from ansible_collections.pgflex.migration.plugins.action import pg_flexible_migration as action
from ansible_collections.pgflex.migration.plugins.plugin_utils import progress_action
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock

OVERHEAD = 0.6  # seconds a module run takes besides its wait


def status(state, substate=None, tables=None):
    databases = [{'name': 'hr', 'tables_completed': tables[0], 'tables_total': tables[1]}] if tables else []
    return {'state': state, 'substate': substate, 'databases': databases}


def waiting(state='InProgress', substate='MigratingData', tables=(1, 4), changed=False, actions=()):
    return {'failed': True, 'timed_out': True, 'wait_target': 'completed', 'changed': changed, 'actions': list(actions),
            'msg': 'Timed out after 0s ...', 'migration': {'name': 'm1', 'status': status(state, substate, tables)},
            'progress': [{'time': 't', 'state': state, 'substate': substate, 'databases': {}}]}


def done():
    return {'changed': False, 'actions': [], 'migration': {'name': 'm1', 'status': status('Succeeded', 'Completed', (4, 4))},
            'progress': [{'time': 't', 'state': 'Succeeded', 'substate': 'Completed', 'databases': {}}]}


class Harness(object):
    """An ActionModule whose module runs come from a script; each run takes its wait_timeout plus OVERHEAD."""

    def __init__(self, monkeypatch, args, script, check_mode=False, no_log=False, async_val=0):
        self.clock = FakeClock(1000.0)
        self.script = list(script)
        self.calls = []
        self.starts = []  # the clock when each module run started
        self.lines = []
        monkeypatch.setattr(action.time, 'monotonic', self.clock)
        monkeypatch.setattr(action.time, 'sleep', self.clock.sleep)
        monkeypatch.setattr(progress_action.display, 'display', lambda msg, **kwargs: self.lines.append(msg))
        task = MagicMock()
        task.args = args
        task.check_mode = check_mode
        task.no_log = no_log
        task.async_val = async_val
        self.plugin = action.ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
        self.plugin._execute_module = self._execute
        self.plugin._remove_tmp_path = lambda path: None

    def _execute(self, module_name=None, module_args=None, task_vars=None, wrap_async=False):
        assert module_name == 'pgflex.migration.pg_flexible_migration'
        self.calls.append(dict(module_args))
        self.starts.append(self.clock.now)
        result = dict(self.script.pop(0) if len(self.script) > 1 else self.script[0])
        took = result.pop('_took', None)  # a run that ended before its wait_timeout (the service asked for a pause)
        if took is not None:
            self.clock.sleep(took)
        elif result.get('timed_out'):
            self.clock.sleep(module_args.get('wait_timeout', 0))
        self.clock.sleep(OVERHEAD)
        return result

    def run(self):
        return self.plugin.run(task_vars={'inventory_hostname': 'ctl'})


ARGS = {'name': 'm1', 'resource_group': 'rg', 'server_name': 's', 'wait': True, 'wait_timeout': 600, 'progress_interval': 10,
        'poll_interval': 5}


def test_chunks_until_done_with_one_merged_result_and_a_line_each(monkeypatch):
    harness = Harness(monkeypatch, dict(ARGS), [waiting(changed=True, actions=['create']), waiting(tables=(2, 4)), done()])
    result = harness.run()
    assert result['chunks'] == 3 and len(harness.calls) == 3
    assert result['changed'] is True and result['actions'] == ['create'] and 'failed' not in result
    assert [call["wait_timeout"] for call in harness.calls] == [10, 8, 9]
    assert harness.calls[0]['progress_interval'] == 10 and harness.calls[0]['poll_interval'] == 5
    assert len(harness.lines) == 3
    assert harness.lines[1].startswith('[ctl] pg_flexible_migration m1: InProgress / MigratingData; hr 2/4 tables; elapsed 0:00:2')
    assert harness.lines[2].startswith('[ctl] pg_flexible_migration m1: Succeeded / Completed; hr 4/4 tables')
    # lines about an interval apart
    assert 20 <= result['duration'] <= 21


def test_wait_timeout_bounds_the_whole_task(monkeypatch):
    harness = Harness(monkeypatch, dict(ARGS, wait_timeout=45), [waiting()])
    result = harness.run()
    assert result['failed'] is True and result['timed_out'] is True
    assert result['msg'].startswith('Timed out after 45s waiting for migration m1 to complete (last state InProgress / MigratingData)')
    assert 're-run the play' in result['msg']
    assert 45 - OVERHEAD <= result['duration'] <= 45 + 5  # within one poll interval of the deadline
    assert sum(call['wait_timeout'] for call in harness.calls) <= 45


def test_a_real_failure_stops_at_once(monkeypatch):
    question = {'failed': True, 'msg': 'Migration m1 is waiting for a user action', 'changed': False, 'actions': [],
                'migration': {'status': status('WaitingForUserAction', 'WaitingForTargetDBOverwriteConfirmation')}}
    harness = Harness(monkeypatch, dict(ARGS), [waiting(), question])
    result = harness.run()
    assert result['failed'] is True and result['msg'].startswith('Migration m1 is waiting') and result['chunks'] == 2


def test_a_throttled_chunk_is_retried_by_the_next(monkeypatch):
    throttled = {'failed': True, 'msg': 'GET failed: too many requests', 'error': {'status': 429}, 'changed': False}
    harness = Harness(monkeypatch, dict(ARGS), [throttled, done()])
    result = harness.run()
    assert 'failed' not in result and result['chunks'] == 2
    assert any('next run tries again' in entry.get('note', '') for entry in result['progress'])


def test_no_log_hides_the_details_of_the_lines(monkeypatch):
    harness = Harness(monkeypatch, dict(ARGS), [waiting(), done()], no_log=True)
    harness.run()
    assert harness.lines and all('m1' not in line and 'hr' not in line and 'hidden by no_log' in line for line in harness.lines)


@pytest.mark.parametrize('kwargs, args', [
    ({'check_mode': True}, ARGS),
    ({'async_val': 3600}, ARGS),
    ({}, dict(ARGS, wait=False)),
    ({}, dict(ARGS, progress_interval=0)),  # the module names the bad value
    ({}, dict(ARGS, wait_timeout='soon')),
])
def test_one_plain_module_run_when_there_is_nothing_to_chunk(monkeypatch, kwargs, args):
    harness = Harness(monkeypatch, dict(args), [done()], **kwargs)
    result = harness.run()
    assert harness.calls == [args] and 'chunks' not in result and harness.lines == []


def test_an_outage_until_the_deadline_reports_the_api_error(monkeypatch):
    outage = {'failed': True, 'msg': 'GET migration failed: unavailable (HTTP 503)', 'error': {'status': 503}, 'changed': False}
    harness = Harness(monkeypatch, dict(ARGS, wait_timeout=8, progress_interval=60), [outage])
    result = harness.run()
    assert result['failed'] is True and 'HTTP 503' in result['msg'] and result['duration'] <= 8 + 5


def test_on_the_controller_one_module_run_feeds_the_lines_through_its_status_file(monkeypatch):
    # Real threads and a real clock here: the module run writes a status, the action prints it, then the end.
    import json  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel
    lines, calls = [], []
    monkeypatch.setattr(progress_action.display, 'display', lambda msg, **kwargs: lines.append(msg))
    task = MagicMock()
    task.args = dict(ARGS, progress_interval=1)
    task.check_mode = False
    task.no_log = False
    task.async_val = 0
    connection = MagicMock()
    connection.transport = 'local'
    play_context = MagicMock()
    play_context.become = False
    plugin = action.ActionModule(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)

    def execute(module_name=None, module_args=None, task_vars=None, wrap_async=False):
        calls.append(dict(module_args))
        with open(module_args['progress_file'], 'w') as stream:
            json.dump({'name': 'm1', 'migration_mode': 'Offline', 'status': status('InProgress', 'MigratingData', (2, 4))}, stream)
        time.sleep(2.6)
        return done()

    plugin._execute_module = execute
    plugin._remove_tmp_path = lambda path: None
    result = plugin.run(task_vars={'inventory_hostname': 'ctl'})
    assert len(calls) == 1 and calls[0]['wait_timeout'] == 600 and calls[0]['progress_file']
    assert result['chunks'] == 1 and 'failed' not in result
    assert any('m1: InProgress / MigratingData; hr 2/4 tables' in line for line in lines[:-1])
    assert 'Succeeded / Completed' in lines[-1]
    assert not os.path.exists(calls[0]['progress_file'])  # the status file goes with the task


# ---- the service's Retry-After carries across chunks ---------------------------------------------------------

def throttled_chunk(asked, took=3):
    """A run whose status read was throttled with a Retry-After longer than its wait: it ended early, timed out."""
    return dict(waiting(), _took=took, retry_after=asked)


def test_no_chunk_starts_before_the_retry_after_has_passed(monkeypatch):
    harness = Harness(monkeypatch, dict(ARGS), [throttled_chunk(35), done()])
    result = harness.run()
    assert 'failed' not in result and len(harness.calls) == 2
    first_ended = harness.starts[0] + 3 + OVERHEAD
    assert harness.starts[1] >= first_ended + 35
    assert len(harness.lines) >= 4  # lines every progress_interval while the pause lasts
    assert 'retry_after' not in result


def test_a_retry_after_past_the_deadline_ends_the_task_at_once_saying_so(monkeypatch):
    harness = Harness(monkeypatch, dict(ARGS, wait_timeout=20, poll_interval=3), [throttled_chunk(100), done()])
    result = harness.run()
    assert len(harness.calls) == 1 and harness.clock.now < 1000 + 10
    assert result['failed'] is True and result['timed_out'] is True
    assert 'the service asked to wait 100 s before the next request (Retry-After), past the end of wait_timeout' in result['msg']
    assert 95 < result['retry_after'] <= 100
    assert not result['msg'].startswith('Timed out after 20s')  # the time it waited, not the wait_timeout


def test_a_throttled_run_that_failed_outright_also_holds_the_next_one(monkeypatch):
    throttled = {'failed': True, 'msg': 'GET migration failed: throttled (HTTP 429)', 'retry_after': 15,
                 'error': {'status': 429, 'code': 'TooManyRequests'}, '_took': 1}
    harness = Harness(monkeypatch, dict(ARGS), [throttled, done()])
    result = harness.run()
    assert 'failed' not in result
    assert harness.starts[1] >= harness.starts[0] + 1 + OVERHEAD + 15
