# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification progress in a small JSON file the pg_flexible_migration_verify action reads for its lines.

The module rewrites the file (write aside, then rename) at most once a second while it works. It holds counts and
the database's name only, never a secret. Writing is best effort: a verification never fails because the file
cannot be written.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.pgflex.migration.plugins.module_utils.status_file import read as read_progress, write_json

# Seconds between two writes: lines are printed every progress_interval (1 s or more), so fresher is wasted work.
WRITE_EVERY = 1.0


class FileReporter(object):
    """``report(progress)`` for verify_workers.Progress: writes progress.as_dict() to ``path``, throttled."""

    def __init__(self, path, clock=time.monotonic):
        self.path = path
        self._clock = clock
        self._last = None
        self._lock = threading.Lock()

    def __call__(self, progress, force=False):
        now = self._clock()
        with self._lock:
            if not force and self._last is not None and now - self._last < WRITE_EVERY:
                return
            self._last = now
            write(self.path, progress.as_dict())


# One atomic writer and one reader for every progress file (module_utils/status_file.py).
write = write_json
read = read_progress
