# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a migration until a target condition or a terminal state, within a deadline.

Keeps a progress trail (each change of state, substate or per-database table counts, with a
timestamp) that a person can read afterwards in AWX. Clock, sleep and wall time are injectable
so the timing logic is tested with a fake clock.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import time
from collections import namedtuple

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.errors import retryable_status
from ansible_collections.pgflex.migration.plugins.module_utils.errors import seconds_text
from ansible_collections.pgflex.migration.plugins.module_utils.spellings import matching_choice
from ansible_collections.pgflex.migration.plugins.module_utils.times import utc_now
from ansible_collections.pgflex.migration.plugins.module_utils.response import (
    awaiting_user, database_progress, databases_waiting_for_cutover, db_details, db_entry, is_terminal, state_of, substate_of,
    validation_status,
)

# Seconds the last read before the deadline gets to be answered (a read made at the deadline has none left).
LAST_READ_SECONDS = 1.0

WaitResult = namedtuple('WaitResult', ['migration', 'outcome', 'elapsed', 'last_error', 'asked'])
# outcome: 'reached' (the condition holds), 'terminal' (ended otherwise), 'timeout', 'gone' (404),
# 'abandoned' (nobody waits for the answer any more: the controller is gone)
# asked: with 'timeout', the seconds of a Retry-After that reached past the deadline and so ended the wait early


# ---- target conditions -----------------------------------------------------------------

def completed(migration):
    return states.state(state_of(migration)).outcome == states.SUCCEEDED


def validated(migration):
    return states.validation_finished(validation_status(migration)) or completed(migration)


def cutover_ready(migration):
    return states.answer_option(substate_of(migration)) == 'cutover'


def user_action(migration):
    """Waiting on the user, or on something the user can answer (the data migration window included)."""
    return states.state(state_of(migration)).waits_for_user or states.answer_option(substate_of(migration)) is not None


def cutover_lag_within(seconds):
    """Condition: ready for cutover, and every database waiting for it reports a latency of at most ``seconds``."""
    def condition(migration):
        if not cutover_ready(migration):
            return False
        details = db_details(migration)
        waiting = databases_waiting_for_cutover(migration)
        latencies = [database_progress(db, details[db])['latency'] for db in waiting]
        return all(isinstance(lag, int) and lag <= seconds for lag in latencies)
    return condition


def cancelled(databases=None):
    """Condition: the whole migration is cancelled, or each of ``databases`` is."""
    wanted = list(databases or [])

    def condition(migration):
        if states.state(state_of(migration)).outcome == states.CANCELLED:
            return True
        if not wanted:
            return False
        return all(db_entry(migration, db).outcome == states.CANCELLED for db in wanted)
    return condition


# name: a wait_for choice (choice=True) or a target the task sets itself.
# description: what the migration is waited for to do ("... waiting for migration X to <description>").
# condition: the condition, or with takes_argument its factory (cancelled(databases), cutover_lag_within(seconds)).
# stops_on_question: a migration waiting on an unanswered question will not move: the wait stops and says so.
# through_cutover_question: ... except the cutover question, during which the migration keeps replicating.
WaitTarget = namedtuple('WaitTarget', ['name', 'description', 'condition', 'takes_argument', 'choice', 'stops_on_question',
                                       'through_cutover_question'])

WAIT_TARGETS = (
    WaitTarget('completed', 'complete', completed, False, True, True, False),
    WaitTarget('validated', 'finish validation', validated, False, True, True, False),
    WaitTarget('cutover_ready', 'be ready for cutover', cutover_ready, False, True, True, False),
    WaitTarget('user_action', 'wait for a user action', user_action, False, True, True, False),
    # state=cancelled: the cancel goes on whatever the migration asked before.
    WaitTarget('cancelled', 'be cancelled', cancelled, True, False, False, False),
    # wait_for=cutover_ready with max_latency.
    WaitTarget('cutover_lag', 'replicate within max_latency', cutover_lag_within, True, False, True, True),
)
_TARGETS = dict((entry.name, entry) for entry in WAIT_TARGETS)

WAIT_FOR_CHOICES = [entry.name for entry in WAIT_TARGETS if entry.choice]
DEFAULT_WAIT_FOR = WAIT_FOR_CHOICES[0]


def wait_target(name):
    """The table entry of a target; a spelling variant ('Completed', 'cutover-ready') finds its entry."""
    return _TARGETS.get(name) or _TARGETS.get(matching_choice(name, list(_TARGETS)))


def description(name):
    entry = wait_target(name)
    return entry.description if entry else name


def target_condition(name, argument=None):
    """The condition of a target (given its argument when it takes one)."""
    entry = _TARGETS[name]
    return entry.condition(argument) if entry.takes_argument else entry.condition


def stop_rule(name, goal, released=()):
    """When the wait for target ``name`` stops (its condition ``goal`` holds, or a question blocks it).

    ``released``: databases this task just cut over (the service may take a poll to show it).
    """
    entry = _TARGETS[name]

    def stop(migration):
        if goal(migration):
            return True
        if not entry.stops_on_question:
            return False
        if entry.through_cutover_question and cutover_ready(migration):
            return False  # still replicating: the latency may drop
        return awaiting_user(migration, released)
    return stop


# ---- failed reads ------------------------------------------------------------------------------

def retryable_error(exc):
    return retryable_status(getattr(exc, 'status', None))


# ---- the trail -------------------------------------------------------------------------------

TRAIL_COUNTERS = ('tables_completed', 'tables_loading', 'tables_queued', 'tables_errored')


def trail_databases(migration):
    """{db: {state, tables_completed, ..., tables_total}} for the trail: counters the service left out count as 0."""
    trail = {}
    for name, entry in sorted(db_details(migration).items()):
        if not isinstance(entry, dict):
            continue
        progress = database_progress(name, entry)
        counts = dict((key, progress[key] if isinstance(progress[key], int) else 0) for key in TRAIL_COUNTERS)
        trail[name] = dict(counts, state=progress['state'], tables_total=sum(counts.values()))
        if progress['latency'] is not None:
            trail[name]['latency'] = progress['latency']
    return trail


class Progress:
    """The trail of distinct observations; repeated identical polls add nothing."""

    def __init__(self, now=utc_now):
        self._now = now
        self.entries = []

    def observe(self, migration):
        entry = {'state': state_of(migration) or None, 'substate': substate_of(migration) or None,
                 'databases': trail_databases(migration)}
        last = self.entries[-1] if self.entries else None
        if last is None or any(last.get(key) != entry[key] for key in entry):
            entry['time'] = self._now()
            self.entries.append(entry)

    def note(self, text):
        self.entries.append({'time': self._now(), 'note': text})


class Waiter:
    """Polls ``fetch()`` (returns the migration REST JSON or None) until ``condition`` holds."""

    def __init__(self, fetch, deadline, poll_interval, progress=None, retryable=None,
                 clock=time.monotonic, sleep=time.sleep, abandoned=None):
        """``deadline``: the absolute ``clock()`` value the wait ends by (the task's one deadline).

        ``abandoned``: called after each sleep; a true value ends the wait (controller.ControllerWatch.gone).
        """
        self._fetch = fetch
        self._deadline = float(deadline)
        self._poll_interval = float(poll_interval)
        self.progress = progress or Progress()
        self._retryable = retryable or (lambda exc: False)
        self._clock = clock
        self._sleep = sleep
        self._abandoned = abandoned or (lambda: None)

    def wait(self, condition, migration=None):
        started = self._clock()
        deadline = self._deadline
        last_error = None
        not_before = None  # clock() value before which the service asked for no request (Retry-After)
        if migration is None:
            migration = self._fetch()
        while True:
            if migration is None:
                return WaitResult(None, 'gone', self._clock() - started, last_error, None)
            self.progress.observe(migration)
            if condition(migration):
                return WaitResult(migration, 'reached', self._clock() - started, last_error, None)
            if is_terminal(migration):
                return WaitResult(migration, 'terminal', self._clock() - started, last_error, None)
            now = self._clock()
            # The last read starts early enough to be answered before the deadline, not at it (no time left then).
            last_start = deadline - LAST_READ_SECONDS
            if now >= last_start:
                return WaitResult(migration, 'timeout', now - started, last_error, None)
            next_poll = now + min(self._poll_interval, last_start - now)
            if self._pause(max(next_poll, not_before or next_poll)):
                return WaitResult(migration, 'abandoned', self._clock() - started, last_error, None)
            try:
                migration = self._fetch()
            except Exception as exc:  # pylint: disable=broad-except
                if not self._retryable(exc):
                    raise
                # Throttling or a 5xx during a long wait: keep polling until the deadline, but no sooner than the
                # service asked (a Retry-After longer than the client could wait within one call).
                last_error = exc
                asked = getattr(exc, 'retry_after', None)
                not_before = self._clock() + asked if asked else None
                if not_before is not None and not_before > last_start:
                    # Polling sooner would only be throttled again (and spend the caller's quota): end now, saying why.
                    self.progress.note('polling failed: %s; the service asked to wait %s s (Retry-After), past the end of '
                                       'the wait, so the wait ends now' % (exc, seconds_text(asked)))
                    return WaitResult(migration, 'timeout', self._clock() - started, last_error, asked)
                later = ' in %s s as the service asked (Retry-After)' % seconds_text(asked) if asked else ''
                self.progress.note('polling failed, will retry%s: %s' % (later, exc))

    def _pause(self, until):
        """Sleep until ``until``, at most a poll interval at a time; True when the controller went away meanwhile."""
        left = until - self._clock()
        while left > 0:
            step = min(left, self._poll_interval)
            self._sleep(step)
            left -= step
            if self._abandoned():
                return True
        return False
