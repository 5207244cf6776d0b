# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The options of a wait (argument spec: WAIT_ARGUMENT_SPEC in module_utils/wait_options.py; the wait_for choices
    # are waiter.WAIT_TARGETS; a unit test keeps the three equal).
    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait until the condition in O(wait_for) (or, with O(state=cancelled), until the cancel is done).
      - A migration that ends V(Failed) or V(ValidationFailed) fails the task with the service's reasons.
      - A migration that stops on a question the task does not answer fails the task and names the option that
        answers it.
    type: bool
    default: false
  wait_for:
    description:
      - V(completed) waits until the migration succeeded.
      - V(validated) waits until validation finished (and fails the task if it failed).
      - V(cutover_ready) waits until an online migration waits for cutover.
      - V(user_action) waits until the migration waits for any user action, cutover included.
    type: str
    choices: [completed, validated, cutover_ready, user_action]
    default: completed
  max_latency:
    description:
      - With O(wait_for=cutover_ready), also hold until every database waiting for its cutover reports a replication
        latency (the service's C(latency), in seconds) of at most this value, so a cutover that follows is short.
      - The migration keeps replicating meanwhile; O(wait_timeout) bounds the hold.
      - Between 0 and 86400 (a day).
    type: int
  wait_timeout:
    description:
      - Seconds the task may take at most with O(wait=true), including retries of throttled or failed API calls
        and slow answers (no single request may outlive it).
      - It bounds the whole task, across the module runs of O(progress_interval).
      - V(0) reads the status once (within O(api_timeout)) and fails as timed out unless the condition already holds.
      - On timeout the task fails with the last state; running it again resumes waiting.
      - A wait that ends with less than a day left on the service's clock (the 72-hour cutover window of an online
        migration, or its 7-day limit) warns, naming the deadline and what to do.
      - Between 0 and 604800 (7 days); the service ends a migration 7 days after it starts, so no wait outlasts it.
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two status reads while waiting.
      - Between 1 and 3600, and not above O(wait_timeout) (unless that is V(0)).
    type: int
    default: 15
  progress_interval:
    description:
      - With O(wait=true), seconds between two progress lines in the task output (and so in AWX / Automation
        Controller job output), between 1 and 3600.
      - Each line shows the migration's name, state / substate, per database the tables done / total (and, for
        online migrations, latency and applied changes when the service reports them), the estimated time the copy
        still needs (C(copy about ... left), from the tables done so far), the time left on the service's clock
        (C(service clock ... left), its 7-day limit or the 72-hour cutover window), the time elapsed and the time
        left before O(wait_timeout).
      - On the controller (connection C(local), the usual way to run Azure tasks, C(delegate_to=localhost)
        included) the module runs once and the task prints a line every O(progress_interval) from the status the
        module writes to O(progress_file). Through other connections the task runs the module in chunks that wait
        at most this long each and prints a line after each chunk; every chunk is a new module run that signs in
        once. Either way the result is one result for the whole wait.
      - With C(async), or with C(no_log) (which hides the details of the lines), see the notes.
    type: int
    default: 60
  progress_file:
    description:
      - While waiting, the module rewrites this file on the host it runs on with the latest status it read
        (JSON with the migration's name, mode and the normalised C(status); no secrets).
      - The task's action plugin sets it to show live progress from one module run; there is normally no need to
        set it. Writing it is best effort and never fails the task.
    type: path
'''
