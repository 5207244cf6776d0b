# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What pg_flexible_migration does, step by step: check input, read, decide, change, wait, report.

Every input check runs before the first API call, so bad input changes nothing. Check mode never
sends PUT, PATCH or DELETE. Secrets stay in the request body only: results, diffs and messages
are built from the settings view (drift.settings_view) and the service's answers.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import time

from ansible_collections.pgflex.migration.plugins.module_utils import (
    input_checks, request, safe_cutover, service_clocks, service_errors, states, status_file, waiter,
)
from ansible_collections.pgflex.migration.plugins.module_utils.controller import ControllerWatch
from ansible_collections.pgflex.migration.plugins.module_utils.errors import seconds_text
from ansible_collections.pgflex.migration.plugins.module_utils.drift import describe_differences, differences, settings_view
from ansible_collections.pgflex.migration.plugins.module_utils.naming import attempt_name
from ansible_collections.pgflex.migration.plugins.module_utils.properties_file import PropertiesFileError, load_properties_file
from ansible_collections.pgflex.migration.plugins.module_utils.response import (
    db_details, db_entry, is_terminal, migration_result, state_of, status_summary, substate_of,
)

ROLLBACK_WARNING = ('Cancelling does not roll back: databases the migration had finished stay on the target server%s. '
                    'Check the target before reusing it.')


class Task:
    """One run of the module: its parameters, the client, and what it has found and done."""

    def __init__(self, mod, clock=None, sleep=None):
        self.mod = mod
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.started = self.clock()
        self.params = None
        self.progress = waiter.Progress()
        self.actions = []
        self.diff = None
        self.released = []  # databases this run cut over
        self.deadline = None  # time.monotonic() value the task must end by (with wait)
        self.changed = False  # set once a change was sent (or would be, in check mode)
        self.dropped = None  # state=cancelled: target databases the cancel drops (or would drop)
        self.rotated = None  # update_password=always: the sides whose credentials were (or would be) sent
        self.controller = ControllerWatch()  # recorded at the start: the controller may die before the wait begins
        self.extra = {}  # more result keys (safe_cutover: the guard's positions), on success and failure alike

    # ---- helpers ---------------------------------------------------------------------------

    @property
    def name(self):
        return self.params['name']

    def _where(self):
        return (self.params['resource_group'], self.params['server_name'], self.name)

    def fail(self, msg, migration=None, **more):
        # A failure after a change (e.g. a created migration that then failed) still reports changed.
        extra = dict(more, actions=self.actions, progress=self.progress.entries, changed=self.changed,
                     duration=round(self.clock() - self.started, 3))
        if self.dropped is not None:
            extra.setdefault('dropped_databases', self.dropped)
        for key, value in self.extra.items():
            extra.setdefault(key, value)
        if self.diff is not None and self.mod.diff_mode:
            extra['diff'] = self.diff
        if migration is not None:
            extra['migration'] = migration_result(migration)
        self.mod.fail(msg, **extra)

    def finish(self, migration, message=None):
        if migration is not None and not self.progress.entries:
            self.progress.observe(migration)
        result = {
            'changed': self.changed,
            'actions': self.actions,
            'migration': migration_result(migration) if migration is not None else {},
            'progress': self.progress.entries,
            'duration': round(self.clock() - self.started, 3),
        }
        if message:
            result['msg'] = message
        if self.dropped is not None:
            result['dropped_databases'] = self.dropped
        result.update(self.extra)
        if self.params is not None and self.params.get('update_password') == 'always' and self.params['state'] == 'present':
            result['secrets_rotated'] = self.rotated or []
        if self.diff is not None and self.mod.diff_mode:
            result['diff'] = self.diff
        self.mod.exit(**result)

    def _refuse_unknown(self, option, databases, migration):
        """Fail when ``option`` names databases that the migration does not migrate."""
        known = settings_view(migration).get('databases') or []
        unknown = [db for db in databases if db not in known]
        if unknown:
            self.fail('%s lists %s, which migration %r does not migrate (it migrates %s). Nothing was changed.'
                      % (option, ', '.join(unknown), self.name, ', '.join(known)), migration)

    # ---- input ------------------------------------------------------------------------------

    def prepare(self):
        """Merge the properties file under the options and check everything; no API call yet."""
        params = dict(self.mod.params)
        problem = input_checks.migration_name_problem(params['name'])
        if problem:
            self.fail('Invalid name: %s. Nothing was changed.' % problem)
        params['cutover'], problem = input_checks.cutover_value(params.get('cutover'))
        if problem:
            self.fail('Invalid input: %s. Nothing was changed.' % problem)
        if params.get('properties_file'):
            try:
                file_options, warnings = load_properties_file(params['properties_file'])
            except PropertiesFileError as exc:
                self.fail('%s. Nothing was changed.' % exc)
            for warning in warnings:
                self.mod.warn(warning)
            params = request.merge_options(params, file_options)
        problems = input_checks.action_problems(params) + safe_cutover.input_problems(params)
        if params['state'] == 'present':
            problems = input_checks.setting_problems(params, params.get('subscription_id')) + problems
        if problems:
            self.fail('Invalid input: %s. Nothing was changed.' % '; '.join(problems))
        self.params = params

    # ---- state=present -------------------------------------------------------------------------

    def start_clock(self):
        """The whole task (API retries and slow answers included) ends within wait_timeout, or api_timeout without wait:
        one deadline for client and waiter. wait_timeout 0 waits for nothing: its one read gets api_timeout."""
        waits = self.params['wait'] and not self.mod.check_mode and self.params['wait_timeout'] > 0
        option = 'wait_timeout' if waits else 'api_timeout'
        self.deadline = self.started + self.params[option]
        self.mod.set_deadline(self.deadline, option)

    def present(self):
        client = self.mod.client
        self.start_clock()
        existing = client.get(*self._where())
        if self.params['retry_failed']:
            existing = self._latest_attempt(existing)
        migration = self._create() if existing is None else self._converge(existing)
        if self.params['cutover']:
            migration = self._cutover(migration)
        if self.params['wait'] and not self.mod.check_mode:
            if self.params.get('max_latency') is None:
                migration = self._wait(migration, self.params['wait_for'])
            else:
                migration = self._wait(migration, 'cutover_lag', self.params['max_latency'])
        self.finish(migration)

    def _latest_attempt(self, found):
        """retry_failed: follow name, namer2, namer3, ... while each attempt ended without success; the task then works
        on the first attempt that runs, succeeded or does not exist yet (params['name'] becomes its name)."""
        first, attempt = self.name, 1
        while found is not None and is_terminal(found) and not waiter.completed(found):
            ended, state = self.name, state_of(found)
            attempt += 1
            self.params['name'] = attempt_name(first, attempt)
            problem = input_checks.migration_name_problem(self.name)
            if problem:
                self.fail('Migration %r ended %s, and retry_failed cannot name another attempt: %s. Choose a shorter '
                          'name. Nothing was changed.' % (ended, state, problem), found)
            found = self.mod.client.get(*self._where())
            if found is None:
                self.actions.append('retry: %s ended %s' % (ended, state))
        return found

    def _create(self):
        params = self.params
        problems = input_checks.create_problems(params)
        if problems:
            self.fail('Invalid input: %s. Nothing was changed.' % '; '.join(problems))
        client = self.mod.client
        rg, server, name = self._where()
        # Bad input first (the location needs the server's region), then what the service says about the name.
        location = self._location(params.get('location'), (client.get_server(rg, server) or {}).get('location'))
        self._refuse_unavailable_name(rg, server, name)
        others = [m for m in client.list(rg, server, 'Active') if m.get('name') != name]
        if others:
            other = others[0]
            self.fail(
                "Server %s already has an active migration %r (state %s); the service runs one migration at a time "
                "per target server. Wait for it to finish, or cancel it with state=cancelled, then run this task again. "
                "Nothing was changed." % (server, other.get('name'), status_summary(other)['state']),
                active_migration=migration_result(other))
        body = request.create_body(params, location)
        self.diff = {'before': {}, 'after': settings_view(body)}
        self.actions.append('create')
        self.changed = True
        if self.mod.check_mode:
            shown = request.without_secrets(body)
            shown['name'] = name
            return shown
        return client.create(rg, server, name, body)

    def _refuse_unavailable_name(self, rg, server, name):
        """A name held by a deleted or hidden migration is free for GET but not for PUT: ask the service first, so
        the task fails with its reason rather than a conflict from the create (check mode included)."""
        answer = self.mod.client.check_name(rg, server, name) or {}
        if answer.get('nameAvailable') is False:
            self.fail("Migration name %r cannot be used on server %s: %s (reason %s). A name cannot be reused on a "
                      "server, even after its migration was deleted; choose another name. Nothing was changed."
                      % (name, server, (answer.get('message') or 'the service gives no message').rstrip('.'),
                         answer.get('reason') or 'not given'))

    def _location(self, wanted, server_location):
        """The migration's region: the target server's. A different one is refused here rather than by the service."""
        if wanted is None or server_location is None:
            return wanted or server_location
        if request.normalise_location(wanted) != request.normalise_location(server_location):
            self.fail('Invalid input: location %r is not the region of the target server %s (%s); a migration is '
                      'created in its target server\'s region, so leave location out or set it to %r. Nothing was '
                      'changed.' % (wanted, self.params['server_name'], server_location, server_location))
        return wanted

    def _converge(self, existing):
        """An existing migration: same settings -> nothing to do; answers to pending questions or new tags -> PATCH."""
        updates = self._answers(existing)
        labels = ['answer %s' % ', '.join(sorted(updates))] if updates else []
        tags = self.params.get('tags')
        if tags is not None and dict(tags) != (existing.get('tags') or {}):
            # Tags are the resource's metadata, not the migration: they are updated, never drift.
            updates['tags'] = tags
            labels.append('update tags')
        found = differences(request.settings_body(self.params), existing, ignore=list(updates) + ['tags'])
        if found:
            self.fail(describe_differences(self.name, found) + '. Nothing was changed.', existing)
        before = settings_view(existing)
        rotate = self._sides_to_rotate(existing)
        if not updates and not rotate:
            self.diff = {'before': before, 'after': before}
            return existing
        patch = request.answer_patch(updates)
        after = dict(before, **settings_view(patch))
        if rotate:
            # Secrets stay in the request body; the result, the diff and the actions name only the sides.
            patch.setdefault('properties', {}).update(request.secrets_patch(self.params, rotate)['properties'])
            after['secrets_rotated'] = rotate
            labels.append('rotate %s credentials' % ' and '.join(rotate))
            self.rotated = rotate
        self.diff = {'before': before, 'after': after}
        self.actions.extend(labels)
        self.changed = True
        if self.mod.check_mode:
            return existing
        return self.mod.client.update(*(self._where() + (patch,)))

    def _sides_to_rotate(self, existing):
        """update_password=always: the sides whose password the task gives, sent to a migration still running. The
        service never returns secrets, so the module cannot tell a new password from the old one; on_create (the
        default) uses them only to create."""
        if self.params.get('update_password') != 'always' or is_terminal(existing):
            return []
        return request.rotated_sides(self.params)

    def _answers(self, existing):
        """{option: value} the task gives for the question the migration is waiting on, if any."""
        # The substate says what is asked (the window wait comes with state InProgress).
        option = states.answer_option(substate_of(existing))
        if option == 'cutover':
            return {}  # answered by the cutover step
        value = self.params.get(option) if option else None
        if value in (None, False, []):
            return {}
        current = settings_view(existing).get(option)
        if option == 'databases' and current:
            return {}
        return {option: value} if current != (sorted(value) if option == 'databases' else value) else {}

    # ---- cutover -------------------------------------------------------------------------------

    def _cutover(self, migration):
        """Trigger cutover (whole or per database) on an online migration; returns the migration."""
        wanted = self.params['cutover']
        view = settings_view(migration)
        if view.get('migration_mode') != 'online':
            self.fail("Migration %r is an offline migration: it cuts over by itself when the data is copied, so cutover "
                      "does not apply. Remove the cutover option. Nothing was changed." % self.name, migration)
        if waiter.completed(migration):
            self.actions.append('cutover already done')
            return migration
        if is_terminal(migration):
            self.fail('Migration %r is %s, so it cannot be cut over.' % (self.name, state_of(migration)), migration)
        databases = wanted if isinstance(wanted, list) else None
        if databases:
            self._refuse_unknown('cutover', databases, migration)
        if self._cutover_pending(migration, databases) is None:
            self.actions.append('cutover already requested')
            return migration
        if not waiter.cutover_ready(migration):
            if not self.params['wait'] or self.mod.check_mode:
                self.fail('Migration %r is not ready for cutover yet (%s). Run with wait: true to wait for it, or first with '
                          'wait_for: cutover_ready. Nothing was changed.' % (self.name, status_text(migration)), migration)
            migration = self._wait(migration, 'cutover_ready')
        pending = self._cutover_pending(migration, databases)
        if pending is None:
            self.actions.append('cutover already requested')
            return migration
        released = list(pending or view.get('databases') or [])
        guard = None
        if safe_cutover.enabled(self.params):  # it watches the databases still replicating
            watched = [db for db in released if db_entry(migration, db).outcome != states.SUCCEEDED]
            guard = safe_cutover.SafeCutover(self, migration, watched).before()
        before = dict((self.diff or {}).get('before') or settings_view(migration))
        self.diff = {'before': before, 'after': dict(before, cutover=pending or True)}
        self.actions.append('cutover %s' % (', '.join(pending) if pending else 'all databases'))
        self.changed = True
        if self.mod.check_mode:
            return migration
        self.released = released
        sent = False
        try:
            migration = self.mod.client.update(*(self._where() + (request.cutover_patch(pending),)))
            sent = True
        finally:
            if guard is not None:
                guard.after(sent)  # a freeze stays only when the cutover was requested
        return migration

    @staticmethod
    def _cutover_pending(migration, databases):
        """None when nothing is left to cut over; [] for the whole migration; else the databases still waiting."""
        if states.substate(substate_of(migration)).phase == states.CUT_OVER:
            return None
        if not databases:
            return []
        left = [db for db in databases if db_entry(migration, db).outcome != states.SUCCEEDED]
        return left or None

    # ---- state=cancelled -------------------------------------------------------------------------

    def cancelled(self):
        client = self.mod.client
        self.start_clock()
        existing = client.get(*self._where())
        if existing is None:
            self.fail('There is no migration named %r on server %s in resource group %s, so there is nothing to '
                      'cancel.' % (self.name, self.params['server_name'], self.params['resource_group']))
        databases = self.params.get('cancel_databases')
        self.dropped = []
        if is_terminal(existing):
            if databases:
                self._refuse_unknown('cancel_databases', databases, existing)
            self.actions.append('already %s' % state_of(existing))
            self.finish(existing, 'Migration %r is already %s; nothing to cancel.' % (self.name, state_of(existing)))
        condition = waiter.target_condition('cancelled', databases)
        migration = existing
        if not condition(existing) and states.substate(substate_of(existing)).phase != states.CANCELLING:
            migration = self._cancel(existing, databases)
        if self.params['wait'] and not self.mod.check_mode:
            migration = self._wait(migration, 'cancelled', databases)
        self.finish(migration)

    def _cancel(self, existing, databases):
        before = settings_view(existing)
        before['state'] = state_of(existing)
        if databases:
            self._refuse_unknown('cancel_databases', databases, existing)
            left = [db for db in databases if not _cancel_requested(db_entry(existing, db))]
            if not left:
                self.actions.append('databases already cancelled')
                return existing
            self._allow_drops(existing, left)
            self.diff = {'before': before, 'after': dict(before, cancel_databases=left, dropped_databases=self.dropped)}
            self.actions.append('cancel %s' % ', '.join(left))
            self.changed = True
            self._warn_rollback()
            if self.mod.check_mode:
                return existing
            return self.mod.client.update(*(self._where() + (request.cancel_patch(left),)))
        self._allow_drops(existing, None)
        self.diff = {'before': before, 'after': dict(before, state=states.CANCELLED_STATE, dropped_databases=self.dropped)}
        self.actions.append('cancel')
        self.changed = True
        self._warn_rollback()
        if self.mod.check_mode:
            return existing
        answer = self.mod.client.cancel(*self._where())
        return answer or self.mod.client.get(*self._where()) or existing

    def _allow_drops(self, existing, databases):
        """Say before acting which target databases the cancel drops; without drop_copied_databases, refuse."""
        self.dropped = dropped_on_cancel(existing, databases)
        if self.dropped and not self.params['drop_copied_databases']:
            self.fail(drop_refusal_text(self.name, self.params['server_name'], existing, self.dropped, databases), existing)

    def _warn_rollback(self):
        dropped = ('; the service drops %s, whose copy had started' % ', '.join(self.dropped)) if self.dropped else ''
        self.mod.warn(ROLLBACK_WARNING % dropped)

    # ---- waiting ---------------------------------------------------------------------------------

    def _wait(self, migration, target, argument=None):
        """Poll until ``target`` (a waiter.WAIT_TARGETS name); fail on a terminal state that is not the target, a
        timeout, or a question."""
        params = self.params
        client = self.mod.client
        goal = waiter.target_condition(target, argument)
        stop = waiter.stop_rule(target, goal, self.released)

        def fetch():
            found = client.get(*self._where())
            status_file.write(params.get('progress_file'), found)  # for the action plugin's live progress lines
            return found

        status_file.write(params.get('progress_file'), migration)
        the_waiter = waiter.Waiter(fetch, min(self.deadline, self.started + params['wait_timeout']), params['poll_interval'],
                                   progress=self.progress, retryable=waiter.retryable_error, clock=self.clock, sleep=self.sleep,
                                   abandoned=self.controller.gone)
        outcome = the_waiter.wait(stop, migration=migration)
        final = outcome.migration
        self._warn_service_clock(final)
        if outcome.outcome == 'gone':
            self.fail('Migration %r disappeared while waiting for it.' % self.name)
        if outcome.outcome == 'abandoned':
            self.fail('The ansible-playbook run that started this task is gone, so the module stopped waiting for migration '
                      '%r. The migration goes on in the service: run the playbook again to resume waiting.' % self.name, final)
        if outcome.outcome == 'timeout':
            self.fail(timeout_text(self.name, params['wait_timeout'], target, state_of(final), substate_of(final),
                                   outcome.last_error, outcome.asked, outcome.elapsed), final, timed_out=True, wait_target=target)
        result = states.state(state_of(final)).outcome
        if result == states.FAILED or (result == states.CANCELLED and target != 'cancelled'):
            self.fail(failure_text(self.name, final), final)
        if goal(final) or result == states.SUCCEEDED:
            return final
        self.fail(question_text(self.name, final, target), final)
        return final

    def _warn_service_clock(self, migration):
        """Warn when the service's clock (7-day lifetime, 72-hour cutover window) is about to end the migration."""
        notice = service_clocks.warning(service_clocks.clock(migration), self.name) if migration is not None else None
        if notice:
            self.mod.warn(notice)


def _cancel_requested(database):
    """A database's states-table entry says its cancel is done or under way."""
    return database.outcome == states.CANCELLED or database.phase == states.CANCELLING


def dropped_on_cancel(migration, databases=None):
    """The target databases the service drops when ``databases`` (None: the whole migration) are cancelled.

    The states table says which database states lose their data (states.DatabaseState.dropped_on_cancel); a database
    the service reports no state for has not started copying, so nothing of it is on the target yet.
    """
    names = databases or sorted(set(db_details(migration)) | set(settings_view(migration).get('databases') or []))
    return [db for db in names if db_entry(migration, db).dropped_on_cancel]


def drop_refusal_text(name, server, migration, dropped, databases=None):
    """Why the cancel was not sent: it would drop databases on the target, and the option that allows it."""
    what = ('cancelling databases %s of migration %r' % (', '.join(databases), name)) if databases else (
        'cancelling migration %r' % name)
    found = ', '.join('%s %s' % (db, db_entry(migration, db).name) for db in dropped)
    their, they, them = ('its', 'it is', 'it') if len(dropped) == 1 else ('their', 'they are', 'them')
    return ('Refusing to cancel: %s would make the service drop %s on target server %s, because %s data had '
            'started to be copied and %s not migrated yet (%s). Set drop_copied_databases: true to cancel and '
            'drop %s, or let %s finish first (cut over an online migration). Nothing was changed.'
            % (what, ', '.join(dropped), server, their, they, found, them, them))


def failure_text(name, migration):
    """Why a migration ended badly: the service's error, failed validation checks, per-database messages."""
    summary = status_summary(migration)
    parts = ['Migration %r ended %s' % (name, summary['state'])]
    if summary.get('error'):
        parts.append('error: %s' % summary['error'])
    problems = (summary.get('validation') or {}).get('problems') or []
    if problems:
        parts.append('validation: %s' % ' | '.join(problems))
    messages = [db.get('message') for db in summary.get('databases') or [] if db.get('message')]
    for db in summary.get('databases') or []:
        if db.get('message'):
            parts.append("database '%s' (%s): %s" % (db.get('name'), db.get('state'), db.get('message')))
    text = '; '.join(part.rstrip('.') for part in parts) + '.'
    # The service's error codes, with their meaning and fix (docs/error-codes.md).
    codes = service_errors.explain(summary.get('error'), *(problems + messages))
    # A migration that ran out the service's 7-day clock: say so from its times (the service's wording is not known).
    return ' '.join(part for part in (text, service_clocks.outlived_text(migration), codes) if part)


def status_text(migration):
    """'state X, substate Y', or 'state X' alone when the service reports no substate."""
    return _state_words(state_of(migration), substate_of(migration), 'state %s, substate %s', 'state %s')


def _state_words(state, substate, both, alone):
    return both % (state or 'unknown', substate) if substate else alone % (state or 'unknown')


def timeout_text(name, seconds, target, state, substate, last_error=None, asked=None, waited=None):
    """The wait ran out (the action plugin says it too, for wait_timeout across its chunks).

    ``asked``: the service's Retry-After that reached past the end of wait_timeout, so the wait ended early, after
    ``waited`` seconds.
    """
    early = ''
    if asked:
        early = (': the service asked to wait %s s before the next request (Retry-After), past the end of wait_timeout '
                 '(%ds), so the wait ended early' % (seconds_text(asked), seconds))
        seconds = int(round(waited or 0))
    last = _state_words(state, substate, 'last state %s / %s', 'last state %s')
    return ('Timed out after %ds waiting for migration %s to %s%s (%s%s). It keeps running in Azure: '
            're-run the play or the task (or raise wait_timeout) to resume waiting.'
            % (seconds, name, waiter.description(target), early, last,
               '; last polling error: %s' % last_error if last_error else ''))


def question_text(name, migration, target):
    """The migration waits for the user: say which option answers it."""
    substate = substate_of(migration)
    hint = states.substate(substate).hint or 'use wait_for: user_action to stop here'
    return ('Migration %r is waiting for a user action (%s) and will not %s without it: %s.'
            % (name, substate or state_of(migration), waiter.description(target), hint))


def run(mod, clock=None, sleep=None):
    """The module's main: called by MigrationModule.run, which maps API errors to a clean failure."""
    task = Task(mod, clock, sleep)
    task.prepare()
    if task.params['state'] == 'cancelled':
        task.cancelled()
    else:
        task.present()
