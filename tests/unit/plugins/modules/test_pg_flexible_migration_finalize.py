# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration_finalize: the pure judging of sequences, statistics and roles, the roles' reader on a target
that hides passwords (a stubbed cursor), and the module's input checks, changed, check mode and diff with a stubbed
database step. The SQL itself runs against real clusters in tests/verify/test_finalize_real.py."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import finalize
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_finalize as module_under_test
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, patch_exit_and_fail, run_main

psycopg = pytest.importorskip('psycopg')

SECRET = 'Marker-Secret-41c2'
BASE_ARGS = dict(databases=['shop'], source_host='src', source_username='mig', source_password=SECRET,
                 target_host='tgt', target_username='admin', target_password=SECRET)
T1 = datetime.datetime(2026, 12, 7, 10, 0, 0)
T2 = datetime.datetime(2026, 12, 7, 11, 0, 0)


# ---- pure judging ----------------------------------------------------------------------------------------

def test_sequence_plan_in_both_directions_and_missing():
    source = {'public.up': (120, 1), 'public.down': (-5, -1), 'public.fresh': (None, 1), 'public.ahead': (7, 1),
              'public.gone': (3, 1)}
    target = {'public.up': (50, 1), 'public.down': (-2, -1), 'public.fresh': (None, 1), 'public.ahead': (9, 1)}
    plan = dict((entry['sequence'], entry) for entry in finalize.sequence_plan(source, target))
    assert plan['public.up'] == {'sequence': 'public.up', 'state': 'behind', 'source_value': 120, 'target_before': 50,
                                 'target_after': 120}
    assert plan['public.down']['state'] == 'behind'
    assert plan['public.fresh']['state'] == 'ok'
    assert plan['public.ahead'] == {'sequence': 'public.ahead', 'state': 'ok', 'source_value': 7, 'target_before': 9,
                                    'target_after': 9}
    assert plan['public.gone']['state'] == 'missing_on_target'


def test_tables_to_analyze_per_mode():
    tables = {'a.never': {'last_analyze': None, 'last_autoanalyze': None, 'column_statistics': False},
              'a.auto': {'last_analyze': None, 'last_autoanalyze': T1, 'column_statistics': True}}
    assert finalize.tables_to_analyze(tables, 'missing') == ['a.never']
    assert finalize.tables_to_analyze(tables, 'all') == ['a.auto', 'a.never']
    assert finalize.tables_to_analyze(tables, 'none') == []


def test_statistics_outcome_proves_from_last_analyze_and_names_skipped_tables():
    before = {'a.mine': {'last_analyze': None, 'last_autoanalyze': None, 'column_statistics': False},
              'a.theirs': {'last_analyze': None, 'last_autoanalyze': None, 'column_statistics': False}}
    after = {'a.mine': {'last_analyze': T2, 'last_autoanalyze': None, 'column_statistics': True},
             'a.theirs': {'last_analyze': None, 'last_autoanalyze': None, 'column_statistics': False}}
    outcome = finalize.statistics_outcome('missing', before, after, ['a.mine', 'a.theirs'], True)
    assert outcome['analyzed'] == ['a.mine']
    assert outcome['not_analyzed'] == ['a.theirs']
    assert outcome['never_analyzed_after'] == ['a.theirs']
    assert outcome['with_column_statistics'] == 1
    problems = finalize.problems([{'database': 'shop', 'sequences': [], 'statistics': outcome}], None)
    assert problems == ['database "shop": ANALYZE skipped 1 table(s) (a.theirs): the target user may analyse only tables '
                        'it owns (or, on PostgreSQL 17 and later, with pg_maintain); analyse them as their owner']


@pytest.mark.parametrize('stored, encryption, state', [
    (None, 'scram-sha-256', 'unset'),
    ('md5d41d8cd98f00b204e9800998ecf8427e', 'scram-sha-256', 'md5'),
    ('md5d41d8cd98f00b204e9800998ecf8427e', 'md5', 'set'),
    ('SCRAM-SHA-256$4096:abc', 'scram-sha-256', 'set'),
    (False, 'scram-sha-256', 'unknown'),
])
def test_password_state(stored, encryption, state):
    assert finalize.password_state(stored, encryption) == state


def test_role_outcome_skips_the_connecting_user_and_lists_missing_roles():
    outcome = finalize.role_outcome(['admin', 'app', 'ok_user', 'report'], {'admin': True, 'app': True, 'ok_user': True},
                                    {'admin': None, 'app': None, 'ok_user': 'SCRAM-SHA-256$x'}, 'scram-sha-256', 'admin')
    assert [entry['role'] for entry in outcome['needs_password']] == ['app']
    assert outcome['needs_password'][0]['action'].startswith('it has no password on the target')
    assert 'ALTER ROLE "app" PASSWORD' in outcome['needs_password'][0]['action']
    assert outcome['missing_on_target'] == ['report']


class HidingCursor(object):
    """A target whose user is not a superuser: pg_authid is not readable (as on Azure)."""

    def __init__(self):
        self.rows = []

    def execute(self, query, params=None):
        if 'pg_authid' in query:
            raise psycopg.errors.InsufficientPrivilege('permission denied for table pg_authid')
        if 'pg_roles' in query:
            self.rows = [(name, True) for name in params[0] if name != 'nobody']
        else:
            self.rows = [('scram-sha-256',)]

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0]


def test_unreadable_passwords_list_every_present_login_role_as_unknown():
    present, passwords, encryption = finalize.read_target_roles(HidingCursor(), ['admin', 'app', 'nobody'])
    assert passwords is None
    outcome = finalize.role_outcome(['admin', 'app', 'nobody'], present, passwords, encryption, 'admin')
    assert outcome['passwords_readable'] is False
    assert outcome['needs_password'] == [{'role': 'app', 'can_login_on_target': True, 'password': 'unknown',
                                          'action': finalize.ROLE_ACTIONS['unknown'].format(role='"app"')}]
    assert outcome['missing_on_target'] == ['nobody']


# ---- the module with a stubbed database step -------------------------------------------------------------

def database_result(state='fixed', analyzed=('sales.orders',), check_mode=False):
    to_analyze = list(analyzed)
    return {'database': 'shop',
            'sequences': [{'sequence': 'sales.orders_id_seq', 'state': state, 'source_value': 120, 'target_before': 50,
                           'target_after': 120}],
            'statistics': {'mode': 'missing', 'tables': 1, 'never_analyzed_before': to_analyze, 'to_analyze': to_analyze,
                           'analyzed': [] if check_mode else to_analyze, 'not_analyzed': [],
                           'never_analyzed_after': to_analyze if check_mode else [], 'with_column_statistics': 1}}


@pytest.fixture
def call(monkeypatch):
    """call(args, result, roles) -> (exit code, module result, as JSON, calls of the database step)."""
    patch_exit_and_fail(monkeypatch)

    def run(args, result=None, roles=None):
        calls = []

        def step(source, target, database, **options):
            calls.append(dict(options, database=database, source=source, target=target))
            return result or database_result(), roles
        monkeypatch.setattr(finalize, 'finalize_database', step)
        kind, outcome = run_main(module_under_test.main, args)
        return (0 if kind is Exit else 1), outcome, json.dumps(outcome, default=str), calls
    return run


def test_fixes_are_changed_with_a_diff_and_no_secret(call):
    code, result, text, calls = call(dict(BASE_ARGS, _ansible_diff=True))
    assert code == 0 and result['changed'] is True
    assert calls[0]['fix_sequences'] is True and calls[0]['analyze'] == 'missing' and calls[0]['check_mode'] is False
    assert calls[0]['roles'] is True
    assert result['diff']['before'] == 'shop: sequence sales.orders_id_seq last value 50\nshop: 1 table(s) never analysed\n'
    assert result['diff']['after'] == 'shop: SELECT setval(sales.orders_id_seq, 120)\nshop: ANALYZE sales.orders\n'
    assert result['summary'] == '1 database(s): 1 sequence(s) checked, 1 set forward, 1 table(s) analysed'
    assert SECRET not in text


def test_nothing_to_do_is_not_changed(call):
    code, result, _text, _calls = call(BASE_ARGS, database_result(state='ok', analyzed=()))
    assert code == 0 and result['changed'] is False and result['problems'] == []


def test_check_mode_reports_what_it_would_do(call):
    code, result, _text, calls = call(dict(BASE_ARGS, _ansible_check_mode=True, _ansible_diff=True),
                                      database_result(state='would_fix', check_mode=True))
    assert code == 0 and calls[0]['check_mode'] is True
    assert result['changed'] is True
    assert 'ANALYZE sales.orders' in result['diff']['after']
    assert result['summary'] == ('1 database(s): 1 sequence(s) checked, 1 would be set forward, 1 table(s) would be '
                                 'analysed')


def test_roles_needing_a_password_are_warnings_and_read_once(call):
    roles = finalize.role_outcome(['app'], {'app': True}, None, 'scram-sha-256', 'admin')
    code, result, _text, calls = call(dict(BASE_ARGS, databases=['shop', 'crm']), database_result(state='ok', analyzed=()), roles)
    assert code == 0
    assert [c['roles'] for c in calls] == [True, False]
    assert result['problems'] == ['login role "app": ' + roles['needs_password'][0]['action']]


@pytest.mark.parametrize('args, message', [
    (dict(databases=[]), 'databases must list at least one database name'),
    (dict(databases=['shop', 'shop']), 'Invalid input:'),
    (dict(target_port=70000), 'target_port'),
    (dict(analyze='sometimes'), 'analyze'),
])
def test_bad_input_is_refused_before_connecting(call, args, message):
    code, result, text, calls = call(dict(BASE_ARGS, **args))
    assert code == 1 and message in result['msg'] and calls == []
    assert SECRET not in text
