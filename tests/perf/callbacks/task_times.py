# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback for the benchmarks: the wall time of each task of one action (PGFLEX_TIMED_ACTION) on each host, from the
task's start to that host's result, appended as JSON lines to PGFLEX_TASK_TIMES. Nothing else is printed."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: task_times
type: aggregate
short_description: wall time of one action's tasks (benchmarks only)
description: Appends {action, host, seconds} per result of the action named by PGFLEX_TIMED_ACTION to PGFLEX_TASK_TIMES.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._action = os.environ.get('PGFLEX_TIMED_ACTION', '')
        self._path = os.environ.get('PGFLEX_TASK_TIMES')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()  # pylint: disable=protected-access

    def _record(self, result, *args, **kwargs):  # pylint: disable=unused-argument
        task = result._task  # pylint: disable=protected-access
        if not self._path or not task.action.endswith(self._action) or task._uuid not in self._started:  # pylint: disable=protected-access
            return
        seconds = time.time() - self._started[task._uuid]  # pylint: disable=protected-access
        with open(self._path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps({'action': task.action, 'host': result._host.get_name(), 'seconds': seconds}) + '\n')  # pylint: disable=protected-access

    v2_runner_on_ok = _record
    v2_runner_on_failed = _record
