# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting in chunks: how long the next module run may wait, and one result out of all the runs.

The action plugin of pg_flexible_migration runs the module again and again, each run waiting at
most until the next progress line is due, and prints a line in between. This file holds the
arithmetic and the merging, without Ansible's executor, so it is unit-tested with a fake clock.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.errors import retryable_status

# The shortest wait a chunk is given: a wait_timeout of 0 would make the module read once instead of waiting.
MIN_CHUNK_SECONDS = 1

# Result keys of a chunk that describe the whole task and are rebuilt from all chunks.
MERGED_KEYS = ('changed', 'actions', 'progress', 'duration', 'diff', 'warnings', 'deprecations')


def _same_observation(one, other):
    keys = ('state', 'substate', 'databases', 'note')
    return all(one.get(key) == other.get(key) for key in keys)


class ChunkedWait(object):
    """The clock side of a chunked wait.

    ``wait_timeout`` bounds the whole task; ``interval`` is the progress interval. ``clock`` is
    time.monotonic (a fake in tests). The module's own start-up, sign-in and first read (its
    overhead) are measured per chunk and taken off the next chunk's wait, so lines come about
    every ``interval`` however slow the machine is.
    """

    def __init__(self, wait_timeout, interval, clock):
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + wait_timeout
        self.interval = interval
        self.next_line = self.started + interval
        self.overheads = []
        self.chunks = 0
        self.not_before = None  # clock() value before which the service asked for no request (Retry-After)
        self.asked = None  # the last pause the service asked for, in seconds
        self._chunk_started = None
        self._chunk_budget = 0
        # The shortest wait a chunk is given; doubled after a run that used its whole budget and read nothing (its
        # start-up and sign-in did not fit on a loaded machine), so the next run can read.
        self.floor = MIN_CHUNK_SECONDS
        self.starved = False  # the last run failed after using its whole budget: time, not the API, ended it

    def elapsed(self):
        return self.clock() - self.started

    def left(self):
        return max(self.deadline - self.clock(), 0.0)

    def overhead(self):
        """Median of the last overheads seen (0 before the first chunk)."""
        recent = sorted(self.overheads[-5:])
        return recent[len(recent) // 2] if recent else 0.0

    def budget(self):
        """Whole seconds the next module run may wait (its wait_timeout), at least ``floor``
        (out_of_time says when not even that is left)."""
        now = self.clock()
        until = min(self.next_line, self.deadline) - now - self.overhead()
        return max(int(until), self.floor)

    def start_chunk(self):
        self.chunks += 1
        self._chunk_started = self.clock()
        self._chunk_budget = self.budget()
        return self._chunk_budget

    def end_chunk(self, waited_all, failed=False):
        """After a module run; ``waited_all``: it used its whole budget (a wait that timed out); ``failed``: it
        failed on the API or the sign-in (the next run tries again)."""
        took = self.clock() - self._chunk_started
        if waited_all:
            self.overheads.append(max(took - self._chunk_budget, 0.0))
        self.starved = bool(failed and not waited_all and took >= self._chunk_budget)
        if self.starved:
            self.floor = min(self.floor * 2, max(int(self.interval), MIN_CHUNK_SECONDS))

    def hold(self, seconds):
        """The service asked for no request during ``seconds`` (a chunk's ``retry_after``): no chunk starts before."""
        if seconds:
            self.asked = float(seconds)
            self.not_before = self.clock() + self.asked

    def hold_left(self):
        """Seconds until the next chunk may start because of the service's Retry-After (0 when none)."""
        return max(self.not_before - self.clock(), 0.0) if self.not_before is not None else 0.0

    def held_past_deadline(self):
        """The Retry-After leaves no time for another chunk before the deadline."""
        return self.not_before is not None and self.not_before + self.overhead() + self.floor > self.deadline

    def line_due_in(self):
        """Seconds until the next line is due (the action sleeps that long if a chunk came back early)."""
        return max(self.next_line - self.clock(), 0.0)

    def line_printed(self):
        self.next_line = max(self.next_line + self.interval, self.clock())

    def out_of_time(self):
        """No time left for another chunk: its start-up and the shortest wait do not fit before the deadline
        (or not after the pause the service asked for)."""
        return self.clock() + self.overhead() + self.floor > self.deadline or self.held_past_deadline()


def retryable_failure(result):
    """A chunk that failed on a throttled, failing or unreachable API: the next chunk tries again."""
    error = result.get('error')
    if not isinstance(error, dict):
        return False
    return retryable_status(error.get('status'))


class MergedResult(object):
    """One task result from the results of all chunks."""

    def __init__(self):
        self.last = {}
        self.migration = None  # the last migration a run read (a run that failed reads none)
        self.changed = False
        self.actions = []
        self.progress = []
        self.warnings = []
        self.deprecations = []
        self.diff_before = None
        self.diff_after = None
        self.safe_cutover = None  # the run that cut over says it; the runs after it wait only

    def add(self, result):
        self.last = result
        self.migration = result.get('migration') or self.migration
        if result.get('safe_cutover') is not None:
            self.safe_cutover = result['safe_cutover']
        self.changed = self.changed or bool(result.get('changed'))
        for action in result.get('actions') or []:
            if action not in self.actions:
                self.actions.append(action)
        for entry in result.get('progress') or []:
            if not (self.progress and _same_observation(self.progress[-1], entry)):
                self.progress.append(entry)
        for warning in result.get('warnings') or []:
            if warning not in self.warnings:
                self.warnings.append(warning)
        self.deprecations.extend(d for d in result.get('deprecations') or [] if d not in self.deprecations)
        diff = result.get('diff')
        if isinstance(diff, dict):
            if self.diff_before is None:
                self.diff_before = diff.get('before')
            self.diff_after = diff.get('after')

    def note(self, time_text, text):
        self.progress.append({'time': time_text, 'note': text})

    def result(self, duration, chunks):
        merged = dict((key, value) for key, value in self.last.items() if key not in MERGED_KEYS)
        merged.update(changed=self.changed, actions=self.actions, progress=self.progress, duration=round(duration, 3),
                      chunks=chunks)
        if self.migration and not merged.get('migration'):
            merged['migration'] = self.migration
        if self.warnings:
            merged['warnings'] = self.warnings
        if self.safe_cutover is not None:
            merged.setdefault('safe_cutover', self.safe_cutover)
        if self.deprecations:
            merged['deprecations'] = self.deprecations
        if self.diff_before is not None or self.diff_after is not None:
            merged['diff'] = {'before': self.diff_before or {}, 'after': self.diff_after or {}}
        return merged
