# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration's safe cutover: its options, its connection to the source, and what it adds to the result.

The guard itself (what is checked, frozen, waited for) is cutover_guard.Guard. The source connection is the one
verify and assess use (pg_endpoint.connection_spec / endpoint_from_params): pg_flexible_migration already has
source_username and source_password (the same user and password), and source_host / source_port default to the
host and port of the migration's source_server (host:port@user) or its source_fqdn. psycopg is imported only by a
task that asks for a safe cutover: every other run of pg_flexible_migration would pay about 0.1 s of CPU for it.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import cutover_guard
from ansible_collections.pgflex.migration.plugins.module_utils.drift import settings_view
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.pg_endpoint import connection_spec, endpoint_from_params
from ansible_collections.pgflex.migration.plugins.module_utils.request import ENDPOINT_RE

APPLICATION_NAME = 'pgflex.migration safe cutover'  # how the guard's own session shows in pg_stat_activity
CONNECT_TIMEOUT = 10
MAINTENANCE_DATABASE = 'postgres'  # the guard's session lives here, not in a migrated database


def argument_spec():
    """The options the safe cutover adds to pg_flexible_migration."""
    spec = connection_spec('source', required=False)
    for option in ('source_username', 'source_password'):  # the module's own: the same user and password
        del spec[option]
    spec['source_port'] = dict(type='int')  # default: the port of source_server
    spec.update(
        safe_cutover=dict(type='str', choices=list(cutover_guard.MODES), default='disabled'),
        cutover_settle_seconds=dict(type='int', default=cutover_guard.DEFAULT_SETTLE_SECONDS),
        freeze_sessions=dict(type='str', choices=list(cutover_guard.SESSION_CHOICES), default='report'),
    )
    return spec


def _psycopg():
    """psycopg and psycopg.sql (ImportError when psycopg cannot be imported where the module runs)."""
    import psycopg  # pylint: disable=import-outside-toplevel
    from psycopg import sql  # pylint: disable=import-outside-toplevel
    return psycopg, sql


def enabled(params):
    return (params.get('safe_cutover') or 'disabled') != 'disabled'


def input_problems(params):
    """Problems with the safe cutover's options (checked before any API call)."""
    problems = number_problems(params, ['cutover_settle_seconds', 'source_port'])
    mode = params.get('safe_cutover') or 'disabled'
    if mode == 'disabled':
        return problems
    if params.get('state') == 'cancelled':
        problems.append('safe_cutover applies to a cutover, not to state=cancelled; leave it out to cancel')
    elif not params.get('cutover'):
        problems.append('safe_cutover=%s applies with cutover only; set cutover: true (or a list of databases), or '
                        'leave safe_cutover out' % mode)
    if params.get('freeze_sessions') == 'terminate' and mode != 'freeze':
        problems.append('freeze_sessions=terminate applies with safe_cutover: freeze only; set safe_cutover: freeze '
                        'or leave freeze_sessions out')
    try:
        _psycopg()
    except ImportError:
        problems.append('safe_cutover connects to the source with the Python package psycopg (version 3), which is '
                        'not installed where the module runs; install it (pip install "psycopg[binary]") or set '
                        'safe_cutover: disabled')
    return problems


def source_endpoint(params, migration):
    """(Endpoint, None) of the source, or (None, problem) when its host cannot be told."""
    view = settings_view(migration)
    source = params.get('source_server') or view.get('source_server') or ''
    found = ENDPOINT_RE.match(source)
    host = params.get('source_host') or params.get('source_fqdn') or view.get('source_fqdn') or (
        found.group('host').strip('[]') if found else None)
    if not host:
        return None, ('safe_cutover connects to the source from where the module runs, and its source_server (%s) '
                      'names no host: set source_host (and source_port, source_username)' % (source or 'not known'))
    port = params.get('source_port') or (int(found.group('port')) if found else 5432)
    user = params.get('source_username') or (found.group('user') if found else None)
    options = dict(params, source_port=port, source_username=user, connect_timeout=CONNECT_TIMEOUT)
    return endpoint_from_params(options, 'source', host=host), None


def plan_text(params, databases):
    """What the safe cutover would do (check mode)."""
    mode = params['safe_cutover']
    freeze = ''
    if mode == 'freeze':
        freeze = 'set %s read-only and %s the sessions opened before, then ' % (
            ', '.join(databases), 'end' if params['freeze_sessions'] == 'terminate' else 'refuse on')
    return ('safe cutover (%s): would %swait until the source stands still for %ss and the target confirmed its final '
            'position' % (mode, freeze, params['cutover_settle_seconds']))


class SafeCutover(object):
    """The guard around one cutover request: ``before`` (fails the task when it refuses), then ``after``."""

    def __init__(self, task, migration, databases):
        self.task = task
        self.migration = migration
        self.databases = databases
        self.conn = self.endpoint = self.guard = None  # set by before(), once it connects to the source

    def before(self):
        task, params = self.task, self.task.params
        if task.mod.check_mode:
            task.actions.append(plan_text(params, self.databases))
            task.extra['safe_cutover'] = {'mode': params['safe_cutover'], 'databases': self.databases, 'planned': True}
            return self
        self.endpoint, problem = source_endpoint(params, self.migration)
        if problem:
            task.fail('Invalid input: %s. Nothing was changed.' % problem, self.migration)
        psycopg, sql = _psycopg()  # importable: input_problems checked it
        try:
            kwargs = self.endpoint.connect_kwargs(MAINTENANCE_DATABASE)
            kwargs['application_name'] = APPLICATION_NAME
            self.conn = psycopg.connect(autocommit=True, **kwargs)
        except psycopg.Error as exc:
            task.fail('safe_cutover could not connect to the source %s:%s as %s: %s. Check source_host, source_port, '
                      'source_username and source_password. Nothing was changed.'
                      % (self.endpoint.host, self.endpoint.port, self.endpoint.user, self._text(exc)), self.migration)
        self.guard = cutover_guard.Guard(
            cutover_guard.SourceReader(self.conn, sql), params['safe_cutover'], self.databases,
            params['cutover_settle_seconds'], params['freeze_sessions'], deadline=task.deadline, clock=task.clock,
            sleep=task.sleep)
        task.extra['safe_cutover'] = self.guard.record
        try:
            self.guard.run()
        except cutover_guard.GuardRefused as exc:
            self._fail(str(exc))
        except psycopg.Error as exc:
            self._fail('safe_cutover stopped: the source answered %s. Nothing was cut over.%s'
                       % (self._text(exc), ' The freeze was undone.' if params['safe_cutover'] == 'freeze' else ''))
        record = self.guard.record
        task.actions.append('safe cutover (%s): source stood still at %s, confirmed by %s' % (
            record['mode'], record['final_lsn'], ', '.join('%s (%s)' % (s['slot'], s['database']) for s in record['slots'])))
        return self

    def after(self, sent):
        """The cutover was sent (``sent``) or not: a freeze stays only when it was."""
        if self.guard is not None and not sent:
            self.guard.undo()
        self.close()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # closing a broken connection must not hide the task's result
                pass
            self.conn = None

    def _text(self, exc):
        text = str(exc).strip()
        return self.endpoint.scrub(text.splitlines()[0] if text else type(exc).__name__)

    def _fail(self, message):
        problems = self.guard.record.get('undo_problems')
        if problems:
            message += (' Undoing the freeze failed for %s: run ALTER DATABASE <name> RESET default_transaction_read_only '
                        'on the source.' % '; '.join(problems))
        self.close()
        self.task.fail(self.endpoint.scrub(message), self.migration)
