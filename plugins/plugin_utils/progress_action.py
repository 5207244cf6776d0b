# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side shared by the modules that print progress lines while they work.

A module reports only when it ends. On the controller, its action runs it once in a thread and prints a line from
the small progress file the module rewrites as it goes (``progress_file``, an internal option).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


class ProgressAction(ActionBase):
    """Runs the module ``MODULE`` (set by the subclass), with or without progress lines.

    The subclass's ``_run_task(args, task_vars)`` returns the task's result from the module's run or runs.
    """

    MODULE = None

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ProgressAction, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.5
        result.update(self._run_task(dict(self._task.args), task_vars))
        return result

    def _run_task(self, args, task_vars):
        """The task's result: each action (pg_flexible_migration, pg_flexible_migration_verify) says how it runs."""
        raise NotImplementedError('%s must define _run_task' % type(self).__name__)

    def _print_line(self, host, line):
        """One progress line, led by the host (when known) and the module's short name."""
        name = self.MODULE.rsplit('.', 1)[-1]
        display.display('[%s] %s %s' % (host, name, line) if host else '%s %s' % (name, line))

    def _runs_on_controller(self):
        """The module's progress file can be read right here (no other user, no other host)."""
        return getattr(self._connection, 'transport', None) in ('local', 'ansible.builtin.local') and not self._play_context.become

    def _run_module(self, args, task_vars):
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        try:
            return self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars, wrap_async=wrap_async)
        finally:
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)

    def _run_with_lines(self, args, task_vars, next_line_in, show):
        """One module run with a progress file; ``show(path)`` every ``next_line_in()`` seconds until it ends."""
        workdir = tempfile.mkdtemp(prefix='pgflex-progress-')
        path = os.path.join(workdir, 'progress.json')
        outcome = {}

        def run_module():
            try:
                outcome['result'] = self._run_module(dict(args, progress_file=path), task_vars)
            except BaseException as exc:  # pylint: disable=broad-except
                outcome['error'] = exc  # raised again in the worker's own thread below

        runner = threading.Thread(target=run_module, name=self.MODULE, daemon=True)
        try:
            runner.start()
            while True:
                runner.join(next_line_in())
                if not runner.is_alive():
                    break
                show(path)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if 'error' in outcome:
            raise outcome['error']
        return outcome['result']
