# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live progress for pg_flexible_migration_verify: a line every progress_interval while the module compares.

A module only reports when it ends, so comparing terabytes would be one silent task. On the controller
(connection local, as with delegate_to: localhost, the usual way to run it) the module runs in a thread of this
worker and rewrites a small progress file; this action prints a line from that file every progress_interval.
Through any other connection, and in async tasks, the module runs once without lines (a verification cannot be
cut in chunks the way a wait can: its snapshot lives only as long as its connections).
"""

from __future__ import annotations

import time

from ansible_collections.pgflex.migration.plugins.module_utils import verify_progress
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems
from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_action import ProgressAction
from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_line import clock_text
from ansible_collections.pgflex.migration.plugins.plugin_utils.verify_progress_line import verify_line

MODULE = 'pgflex.migration.pg_flexible_migration_verify'
DEFAULT_INTERVAL = 60


def line_interval(args):
    """progress_interval when it is a valid number, else None (one module run reports the bad value)."""
    try:
        interval = int(args.get('progress_interval', DEFAULT_INTERVAL))
    except (TypeError, ValueError):
        return None
    if number_problems({'progress_interval': interval}):
        return None
    return interval


class ActionModule(ProgressAction):

    MODULE = MODULE

    def _run_task(self, args, task_vars):
        args.pop('progress_file', None)  # the action's own channel, never the task's
        interval = line_interval(args)
        if interval is None or self._task.async_val or not self._runs_on_controller():
            return self._run_module(args, task_vars)
        return self._run_with_progress(args, task_vars, interval)

    def _run_with_progress(self, args, task_vars, interval):
        host = (task_vars or {}).get('inventory_hostname', '')
        started = time.monotonic()
        return self._run_with_lines(args, task_vars, lambda: interval,
                                    lambda path: self._show(host, verify_progress.read(path), time.monotonic() - started))

    def _show(self, host, progress, elapsed):
        line = verify_line(progress, elapsed)
        if self._task.no_log:
            line = 'progress hidden by no_log; elapsed %s' % clock_text(elapsed)
        self._print_line(host, line)
