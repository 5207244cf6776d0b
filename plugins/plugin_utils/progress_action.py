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

from ansible.utils.display import Display

from ansible_collections.pgflex.migration.plugins.plugin_utils.module_action import ModuleAction

display = Display()


class ProgressAction(ModuleAction):
    """Runs the module ``MODULE`` (set by the subclass), with or without progress lines."""

    def _print_line(self, host, line):
        """One progress line, led by the host (when known) and the module's short name."""
        name = self.MODULE.rsplit('.', 1)[-1]
        display.display('[%s] %s %s' % (host, name, line) if host else '%s %s' % (name, line))

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
