# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live progress for pg_flexible_migration: a progress line every progress_interval while the module waits.

A module only reports when it ends, so a wait of hours would be one silent task. With wait=true:

- on the controller (connection local: Azure tasks run on localhost or delegate to it) the module
  runs once, in a thread of this worker, and rewrites a small status file after every read; this
  action prints a line from that file every progress_interval. One process, one sign-in, the
  module's own deadline.
- through any other connection the module runs again and again, each run waiting at most until
  the next line is due (its wait_timeout is the chunk's budget); the module is idempotent, so a run
  resumes where the one before stopped.

Either way the task returns one result for the whole wait. Check mode (nothing to wait for) and
async (one long run) run the module once, as without this action.
"""

from __future__ import annotations

import time

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.pgflex.migration.plugins.module_utils import status_file
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.migration_flow import timeout_text
from ansible_collections.pgflex.migration.plugins.module_utils.times import utc_now
from ansible_collections.pgflex.migration.plugins.module_utils.wait_options import wait_default
from ansible_collections.pgflex.migration.plugins.plugin_utils.chunked_wait import ChunkedWait, MergedResult, retryable_failure
from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_action import ProgressAction
from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_line import hidden_line, progress_line

MODULE = 'pgflex.migration.pg_flexible_migration'


def chunk_settings(args):
    """(wait_timeout, progress_interval) when the task waits in chunks, else None (the module checks bad values)."""
    try:
        if not boolean(args.get('wait', False), strict=True):
            return None
        numbers = dict((option, int(args.get(option, wait_default(option))))
                       for option in ('wait_timeout', 'progress_interval', 'poll_interval'))
    except (TypeError, ValueError):
        return None
    if number_problems(numbers):
        return None  # one module run with the task's own values reports them
    return numbers['wait_timeout'], numbers['progress_interval']


class ActionModule(ProgressAction):

    MODULE = MODULE

    def _run_task(self, args, task_vars):
        settings = chunk_settings(args)
        if settings is None or self._task.check_mode or self._task.async_val:
            return self._run_module(args, task_vars)
        if self._runs_on_controller():
            return self._wait_in_one_run(args, task_vars, *settings)
        return self._wait_in_chunks(args, task_vars, *settings)

    def _wait_in_chunks(self, args, task_vars, wait_timeout, interval):
        clock = ChunkedWait(wait_timeout, interval, time.monotonic)
        merged = MergedResult()
        host = (task_vars or {}).get('inventory_hostname', '')
        while True:
            budget = clock.start_chunk()
            # A chunk's wait_timeout may be shorter than poll_interval; the module refuses a poll longer than its wait.
            poll = min(int(args.get('poll_interval', wait_default('poll_interval'))), budget) or 1
            chunk = self._run_module(dict(args, wait_timeout=budget, poll_interval=poll), task_vars)
            asked = chunk.pop('retry_after', None)  # the service's Retry-After outlasted the run: the task's concern now
            timed_out = bool(chunk.get('failed') and chunk.get('timed_out'))
            retry = chunk.get('failed') and not timed_out and retryable_failure(chunk)
            clock.end_chunk(waited_all=timed_out and not asked, failed=retry)
            clock.hold(asked)
            merged.add(chunk)
            if retry:
                merged.note(utc_now(), 'module run failed, next run tries again: %s' % chunk.get('msg'))
            if chunk.get('failed') and not (timed_out or retry):
                break  # the migration failed, asks a question, or the input is wrong: the module said why
            if not chunk.get('failed'):
                break  # the condition waited for holds
            if clock.out_of_time():
                self._show(host, args, chunk, clock)
                if retry and not clock.starved:  # the API kept failing until the deadline: its error says more
                    return self._result(merged, clock)
                return self._timed_out(merged, clock, args, wait_timeout, chunk, chunk.get('msg') if retry else None)
            # No run before the pause the service asked for is over; lines keep coming meanwhile.
            while clock.hold_left() > clock.line_due_in():
                time.sleep(clock.line_due_in())
                self._show(host, args, chunk, clock)
            # A chunk that came back early (start-up took part of the interval): keep the lines an interval apart.
            time.sleep(min(clock.line_due_in(), clock.left()))
            self._show(host, args, chunk, clock)
        self._show(host, args, chunk, clock)
        return self._result(merged, clock)

    @staticmethod
    def _result(merged, clock):
        result = merged.result(clock.elapsed(), clock.chunks)
        if clock.hold_left():
            result['retry_after'] = round(clock.hold_left(), 1)
        return result

    def _wait_in_one_run(self, args, task_vars, wait_timeout, interval):
        clock = ChunkedWait(wait_timeout, interval, time.monotonic)
        host = (task_vars or {}).get('inventory_hostname', '')
        result = self._run_with_lines(args, task_vars, clock.line_due_in,
                                      lambda path: self._show(host, args, {'migration': status_file.read(path) or {}}, clock))
        clock.chunks = 1
        self._show(host, args, result, clock)
        result['chunks'] = 1  # duration stays the module's: wait_timeout counts from its start
        return result

    def _show(self, host, args, chunk, clock):
        if self._task.no_log:
            line = hidden_line(clock.elapsed(), clock.left())
        else:
            migration = chunk.get('migration') or {}
            online = str(migration.get('migration_mode') or '').lower() == 'online'
            line = progress_line(args.get('name'), migration.get('status'), clock.elapsed(), clock.left(), online)
        self._print_line(host, line)
        clock.line_printed()

    @staticmethod
    def _timed_out(merged, clock, args, wait_timeout, chunk, last_error=None):
        result = ActionModule._result(merged, clock)
        status = (result.get('migration') or {}).get('status') or {}
        early = clock.held_past_deadline()  # the service's Retry-After reached past the end: the wait ended early
        msg = timeout_text(args.get('name'), wait_timeout, chunk.get('wait_target') or args.get('wait_for') or wait_default('wait_for'),
                           status.get('state'), status.get('substate'), last_error=last_error,
                           asked=clock.asked if early else None, waited=clock.elapsed())
        result.update(failed=True, timed_out=True, wait_target=chunk.get('wait_target'), msg=msg)
        return result
