"""pg_flexible_migration_finalize's work against two real PostgreSQL clusters: a sequence behind on the target is
set forward (never back), tables without statistics are analysed and the proof read back, login roles without a
password on the target are listed; check mode changes nothing."""

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import finalize, pg_endpoint

psycopg = pytest.importorskip('psycopg')

SEED = [
    'CREATE TABLE orders (id serial PRIMARY KEY, note text)',
    "INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 50) g",
    'CREATE TABLE empty_one (id int)',
    'CREATE SEQUENCE countdown INCREMENT -1 MINVALUE -1000 MAXVALUE 0 START 0',
    "SELECT nextval('countdown')", "SELECT nextval('countdown')",
    'CREATE SEQUENCE unused',
]
ROLES = ['DROP ROLE IF EXISTS fin_app', 'DROP ROLE IF EXISTS fin_group', 'CREATE ROLE fin_app LOGIN', 'CREATE ROLE fin_group']


def run_sql(cluster, *statements, dbname='fin'):
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def endpoint(cluster, side):
    info = psycopg.conninfo.conninfo_to_dict(cluster.conninfo('fin'))
    return pg_endpoint.Endpoint(side, info.get('host'), port=int(info.get('port') or 5432), user=info.get('user'),
                                password=info.get('password'), ssl_mode='disable')


@pytest.fixture
def pair(cluster_pair):
    for cluster in cluster_pair:
        run_sql(cluster, 'DROP DATABASE IF EXISTS fin', 'CREATE DATABASE fin', *ROLES, dbname='postgres')
        run_sql(cluster, *SEED)
    source, target = cluster_pair
    # The source moved on after the copy: the target's sequences are behind (one of them never called there).
    run_sql(source, "SELECT setval('orders_id_seq', 120)", "SELECT nextval('countdown')")
    run_sql(target, "SELECT setval('orders_id_seq', 50)", "SELECT setval('countdown', 0, false)")
    return endpoint(source, 'source'), endpoint(target, 'target'), target


def by_name(result):
    return dict((entry['sequence'], entry) for entry in result['sequences'])


def test_check_mode_changes_nothing_and_says_what_it_would_do(pair):
    source, target, _cluster = pair
    result, _roles = finalize.finalize_database(source, target, 'fin', check_mode=True)
    sequences = by_name(result)
    assert sequences['public.orders_id_seq'] == {'sequence': 'public.orders_id_seq', 'state': 'would_fix', 'source_value': 120,
                                                 'target_before': 50, 'target_after': 120}
    assert result['statistics']['to_analyze'] == ['public.empty_one', 'public.orders']
    assert result['statistics']['analyzed'] == []
    again, _roles = finalize.finalize_database(source, target, 'fin', check_mode=True)
    assert by_name(again)['public.orders_id_seq']['target_before'] == 50
    assert 'ANALYZE public.empty_one, public.orders' in finalize.diff([result], check_mode=True)['after']


def test_sets_sequences_forward_analyses_and_proves_it_then_changes_nothing(pair):
    source, target, _cluster = pair
    result, roles = finalize.finalize_database(source, target, 'fin', roles=True)
    sequences = by_name(result)
    assert sequences['public.orders_id_seq']['state'] == 'fixed'
    assert sequences['public.orders_id_seq']['target_after'] == 120
    assert sequences['public.countdown']['state'] == 'fixed'
    assert sequences['public.countdown']['target_after'] == -2
    assert sequences['public.unused']['state'] == 'ok'
    statistics = result['statistics']
    assert statistics['analyzed'] == ['public.empty_one', 'public.orders']
    assert statistics['never_analyzed_after'] == []
    assert statistics['with_column_statistics'] == 1  # the empty table has none, even analysed
    # The test clusters' user is a superuser: passwords are readable, and fin_app has none.
    assert roles['passwords_readable'] is True
    assert [entry['role'] for entry in roles['needs_password']] == ['fin_app']
    assert roles['needs_password'][0]['password'] == 'unset'

    again, _roles = finalize.finalize_database(source, target, 'fin')
    assert set(entry['state'] for entry in again['sequences']) == {'ok'}
    assert again['statistics']['to_analyze'] == []
    assert finalize.diff([again])['after'] == ''


def test_report_only_leaves_sequences_behind(pair):
    source, target, _cluster = pair
    result, _roles = finalize.finalize_database(source, target, 'fin', fix_sequences=False, analyze='none')
    assert by_name(result)['public.orders_id_seq']['state'] == 'behind'
    assert result['statistics']['analyzed'] == [] and result['statistics']['to_analyze'] == []
    assert any('not fixed (fix_sequences is false)' in problem for problem in finalize.problems([result], None))
