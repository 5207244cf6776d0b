# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side shared by the collection's actions: each runs the module of its name (``MODULE``) as the
task asks, or does part of its work in the worker when the task runs on the controller (_runs_on_controller()).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ModuleAction(ActionBase):
    """Runs the module ``MODULE`` (set by the subclass), or does its work here.

    A subclass's ``_run_task(args, task_vars)`` returns the task's result (by default, the module's run).
    """

    MODULE = None

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ModuleAction, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.5
        result.update(self._run_task(dict(self._task.args), task_vars))
        return result

    def _run_task(self, args, task_vars):
        """The task's result: the module's run, unless the action (pg_flexible_migration, ..._verify, ..._report)
        says otherwise."""
        return self._run_module(args, task_vars)

    def _runs_on_controller(self):
        """The task runs right here: this worker's files are the module's (no other user, no other host)."""
        return getattr(self._connection, 'transport', None) in ('local', 'ansible.builtin.local') and not self._play_context.become

    def _run_module(self, args, task_vars):
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        try:
            return self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars, wrap_async=wrap_async)
        finally:
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
