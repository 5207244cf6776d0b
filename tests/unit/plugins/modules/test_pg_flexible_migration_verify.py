# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration_verify: the pure comparison, input checks, and real runs against two
throwaway PostgreSQL clusters (skipped when the PostgreSQL helper or psycopg is unavailable)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import pg_endpoint, verify
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_verify as module_under_test
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, patch_exit_and_fail, run_main

TESTS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

MARKER_PASSWORD = 'Marker-Secret-7f3a9'


@pytest.fixture
def call(monkeypatch):
    """call(args) -> (exit code, result, result as JSON text) of one module run."""
    patch_exit_and_fail(monkeypatch)

    def run(args):
        kind, result = run_main(module_under_test.main, args)
        return (0 if kind is Exit else 1), result, json.dumps(result, default=str)
    return run


def snap(**tables):
    return dict((name, {'rows': rows, 'checksum': 'c%d' % rows}) for name, rows in tables.items())


# ---- pure comparison ----------------------------------------------------------------------

def test_identical_snapshots_match():
    result = verify.compare_snapshots('shop', snap(**{'public.a': 3}), snap(**{'public.a': 3}), checksum=True)
    assert result['ok'] is True
    assert result['mismatches'] == []
    assert result['tables'] == [{'table': 'public.a', 'source_rows': 3, 'target_rows': 3,
                                 'source_checksum': 'c3', 'target_checksum': 'c3', 'ok': True}]


def test_row_count_mismatch_names_database_and_table():
    result = verify.compare_snapshots('shop', snap(**{'public.a': 3, 'sales.orders': 10}),
                                      snap(**{'public.a': 3, 'sales.orders': 9}))
    assert result['ok'] is False
    assert result['mismatches'] == ['database "shop" table "sales.orders" has 10 rows on the source but 9 on the target']


def test_missing_and_extra_tables():
    result = verify.compare_snapshots('shop', snap(**{'public.a': 1, 'public.b': 2}), snap(**{'public.a': 1, 'public.c': 0}))
    assert result['missing_in_target'] == ['public.b']
    assert result['extra_in_target'] == ['public.c']
    assert len(result['mismatches']) == 2


def test_checksum_difference_only_counts_when_asked():
    source = {'public.a': {'rows': 2, 'checksum': 'x'}}
    target = {'public.a': {'rows': 2, 'checksum': 'y'}}
    assert verify.compare_snapshots('d', source, target, checksum=False)['ok'] is True
    result = verify.compare_snapshots('d', source, target, checksum=True)
    assert 'different content' in result['mismatches'][0]


def test_missing_target_database():
    result = verify.compare_snapshots('shop', snap(**{'public.a': 1}), None)
    assert result['ok'] is False
    assert result['mismatches'][0] == 'database "shop" does not exist on the target'


def test_summary_line():
    good = verify.compare_snapshots('a', snap(**{'public.t': 5}), snap(**{'public.t': 5}))
    bad = verify.compare_snapshots('b', snap(**{'public.t': 5}), snap(**{'public.t': 4}))
    assert verify.summarize([good]) == '1 database(s), 1 table(s), 5 source row(s) compared: all match'
    assert verify.summarize([good, bad]).endswith('MISMATCH in b')


def test_endpoint_maps_ssl_mode_and_scrubs_password():
    endpoint = pg_endpoint.Endpoint('source', 'h', port=6432, user='u', password=MARKER_PASSWORD, ssl_mode='verify_full')
    kwargs = endpoint.connect_kwargs('db')
    assert kwargs['sslmode'] == 'verify-full'
    assert kwargs['port'] == 6432
    assert endpoint.scrub('oops %s oops' % MARKER_PASSWORD) == 'oops ******** oops'


# ---- input checks (no connection is attempted) -------------------------------------------

BASE_ARGS = {
    'databases': ['db1'],
    'source_host': '127.0.0.1', 'source_username': 'u', 'source_password': MARKER_PASSWORD,
    'target_host': '127.0.0.1', 'target_username': 'u', 'target_password': MARKER_PASSWORD,
}


@pytest.mark.parametrize('override, message', [
    ({'databases': []}, 'databases must list at least one database name'),
    ({'databases': ['a', 'a']}, 'databases lists a more than once'),
    ({'source_port': 70000}, 'source_port must be between 1 and 65535'),
    ({'connect_timeout': 0}, 'connect_timeout must be between 1 and 3600 seconds; got 0'),
    ({'connect_timeout': 10 ** 400}, 'connect_timeout must be between 1 and 3600 seconds; got a 401-digit number'),
    ({'target_port': 0}, 'target_port must be between 1 and 65535; got 0'),
    ({'chunk_rows': 0}, 'chunk_rows must be between 1 and 10000000; got 0'),
    ({'progress_interval': 0}, 'progress_interval must be between 1 and 3600'),
    ({'parallel': 33}, 'parallel must be between 1 and 32; got 33'),
    ({'parallel': -10 ** 30}, 'parallel must be between 1 and 32; got a 31-digit number'),
])
def test_bad_input_is_refused_with_the_option_named(override, message, call):
    args = dict(BASE_ARGS, **override)
    code, result, out = call(args)
    assert code == 1 and result['failed'] is True
    assert message in result['msg']
    assert MARKER_PASSWORD not in out


def test_unreachable_server_is_a_clear_failure_without_secrets(call):
    pytest.importorskip('psycopg')
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed_port = sock.getsockname()[1]
    args = dict(BASE_ARGS, source_port=closed_port, connect_timeout=2)
    code, result, out = call(args)
    assert code == 1
    assert result['msg'].startswith('Verification could not run: cannot connect to the source 127.0.0.1:')
    assert MARKER_PASSWORD not in out


# ---- real clusters ------------------------------------------------------------------------

def run_sql(cluster, *statements, dbname='shop'):
    psycopg = pytest.importorskip('psycopg')
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@contextlib.contextmanager
def altered(cluster, change, undo):
    """The change holds inside the with block; undo restores the seeded data for the tests that follow."""
    run_sql(cluster, change)
    try:
        yield
    finally:
        run_sql(cluster, undo)


@pytest.fixture(scope='module')
def clusters():
    pgcluster = pytest.importorskip('pgcluster')
    pytest.importorskip('psycopg')
    source = pgcluster.PgCluster.start(name='verify-source')
    target = pgcluster.PgCluster.start(name='verify-target')
    try:
        for cluster in (source, target):
            run_sql(cluster, 'CREATE DATABASE shop', dbname='postgres')
            run_sql(cluster,
                    'CREATE SCHEMA sales',
                    'CREATE TABLE sales.orders (id int primary key, note text, at timestamptz, amount float8)',
                    "INSERT INTO sales.orders SELECT g, 'n' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', g / 3.0"
                    " FROM generate_series(1, 500) g",
                    'CREATE TABLE public."Mixed Case" (v int)',
                    'INSERT INTO public."Mixed Case" VALUES (1), (2)')
        yield source, target
    finally:
        source.stop()
        target.stop()


def cluster_args(source, target, **extra):
    args = {
        'databases': ['shop'],
        'source_host': source.host, 'source_port': source.port,
        'source_username': source.user, 'source_password': source.password,
        'target_host': target.host, 'target_port': target.port,
        'target_username': target.user, 'target_password': target.password,
    }
    args.update(extra)
    return args


def test_equal_databases_verify(clusters, call):
    source, target = clusters
    code, result, out = call(cluster_args(source, target, checksum=True, _ansible_check_mode=True))
    assert code == 0, result
    assert result['verified'] is True and result['changed'] is False
    tables = dict((t['table'], t) for t in result['databases'][0]['tables'])
    assert set(tables) == {'public.Mixed Case', 'sales.orders'}
    assert tables['sales.orders']['source_rows'] == 500
    assert len(tables['sales.orders']['source_checksum']) == 32
    assert tables['sales.orders']['key'] == ['id'] and tables['public.Mixed Case']['key'] is None
    assert source.password not in out


def test_altered_target_fails_naming_the_table(clusters, call):
    source, target = clusters
    with altered(target, 'DELETE FROM sales.orders WHERE id = 1',
                 "INSERT INTO sales.orders VALUES (1, 'n1', '2024-01-01 00:01:00+00', 1 / 3.0)"):
        code, result, out = call(cluster_args(source, target))
        assert code == 1
        assert 'table "sales.orders" has 500 rows on the source but 499 on the target' in result['msg']
        assert result['verified'] is False
        assert target.password not in out

        code, result, out = call(cluster_args(source, target, fail_on_mismatch=False))
        assert code == 0 and result['verified'] is False


def test_same_count_different_content_needs_checksum(clusters, call):
    source, target = clusters
    with altered(target, 'UPDATE public."Mixed Case" SET v = 3 WHERE v = 2', 'UPDATE public."Mixed Case" SET v = 2 WHERE v = 3'):
        code, result, out = call(cluster_args(source, target))
        assert code == 0 and result['verified'] is True
        code, result, out = call(cluster_args(source, target, checksum=True))
        assert code == 1
        assert 'table "public.Mixed Case" has the same row count (2) but different content' in result['msg']


def test_database_missing_on_target_is_a_mismatch(clusters, call):
    source, target = clusters
    run_sql(source, 'CREATE DATABASE onlysource', dbname='postgres')
    code, result, out = call(cluster_args(source, target, databases=['shop', 'onlysource']))
    assert code == 1
    assert 'database "onlysource" does not exist on the target' in result['msg']
    assert [d['ok'] for d in result['databases']] == [True, False]


def test_wrong_password_is_reported_without_the_password(clusters, call):
    source, target = clusters
    code, result, out = call(cluster_args(source, target, target_password=MARKER_PASSWORD))
    assert code == 1
    assert 'cannot connect to the target' in result['msg']
    assert 'password authentication failed' in result['msg']
    assert MARKER_PASSWORD not in out


def test_tiny_chunks_name_the_differing_row(clusters, call):
    source, target = clusters
    with altered(target, "UPDATE sales.orders SET note = 'x' WHERE id = 321", "UPDATE sales.orders SET note = 'n321' WHERE id = 321"):
        code, result, out = call(cluster_args(source, target, checksum=True, chunk_rows=50, parallel=3))
    assert code == 1
    assert 'table "sales.orders" has the same row count (500) but different content' in result['msg']
    assert 'rows with id 319..325 differ (source 7 rows, target 7): changed: id 321' in result['msg']
    orders = [t for t in result['databases'][0]['tables'] if t['table'] == 'sales.orders'][0]
    assert orders['chunks'] == 11 and orders['differing_ranges'][0]['changed'] == [['321']]


def test_progress_file_holds_counts_and_no_secret(clusters, call, tmp_path):
    source, target = clusters
    path = str(tmp_path / 'progress.json')
    code, result, out = call(cluster_args(source, target, checksum=True, chunk_rows=100, progress_file=path))
    assert code == 0
    with open(path) as stream:
        text = stream.read()
    progress = json.loads(text)
    assert progress['database'] == 'shop' and progress['tables_total'] == 2
    assert source.password not in text and target.password not in text
