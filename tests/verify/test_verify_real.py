"""Chunked verification against two real PostgreSQL clusters: equal data verifies, and each kind of difference is
caught and its keys named. Chunks are tiny (7 rows) so chunking, bisection and parallel workers all run. The tests
marked with the ``digest`` fixture run with both row hashes: hashtextextended (chosen by itself here) and md5
(forced, as for a source before PostgreSQL 11)."""

import contextlib

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import pg_endpoint, verify

psycopg = pytest.importorskip('psycopg')

SEED = [
    'CREATE TABLE orders (id int PRIMARY KEY, note text, amount numeric(10,2), at timestamptz)',
    "INSERT INTO orders SELECT g, 'note ' || g, g * 1.25, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'"
    ' FROM generate_series(1, 100) g',
    'CREATE TABLE lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line))',
    "INSERT INTO lines SELECT o, l, 'sku-' || o || '-' || l FROM generate_series(1, 12) o, generate_series(1, 5) l",
    'CREATE TABLE log (msg text, n int)',
    "INSERT INTO log SELECT 'same', 1 FROM generate_series(1, 3)",
    "INSERT INTO log SELECT 'line ' || g, g FROM generate_series(1, 30) g",
    'CREATE TABLE codes (code text NOT NULL UNIQUE, v int, maybe int UNIQUE)',
    "INSERT INTO codes SELECT 'c' || lpad(g::text, 3, '0'), g, NULL FROM generate_series(1, 20) g",
    'CREATE SCHEMA "Odd Schema"',
    'CREATE TABLE "Odd Schema".types (id bigint PRIMARY KEY, b bytea, j json, jb jsonb, arr int[], txt text[],'
    ' ts timestamp, tz timestamptz, f float8, r real, i interval, u uuid, d date, nothing text)',
    "INSERT INTO \"Odd Schema\".types SELECT g, decode(md5(g::text), 'hex'), json_build_object('k', g, 'z', 'x y'),"
    " jsonb_build_object('k', g), ARRAY[g, NULL, g + 1], ARRAY['a,b', NULL, '\"q\"'], '2024-02-29 12:34:56.789'::timestamp"
    " + g * interval '1 day', '2024-02-29 12:34:56.789+05:30'::timestamptz, g / 7.0, g / 3.0, g * interval '1 min 1.5 s',"
    " md5(g::text)::uuid, date '2000-01-01' + g, NULL FROM generate_series(1, 25) g",
    # What else must match: sequences, large objects (fixed oids, as pg_dump keeps them), schema objects.
    'CREATE SEQUENCE order_numbers', "SELECT pg_catalog.setval('order_numbers', 500)",
    'CREATE SEQUENCE countdown INCREMENT -1 MINVALUE -1000 MAXVALUE 0 START 0', "SELECT nextval('countdown')",
    "SELECT lo_from_bytea(424242, 'blob one')", "SELECT lo_from_bytea(424243, 'blob two')",
    'CREATE INDEX orders_note ON orders (note)',
    'CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100',
    'CREATE MATERIALIZED VIEW order_totals AS SELECT count(*) AS n FROM orders',
    'CREATE FUNCTION note_of(int) RETURNS text LANGUAGE sql AS $$ SELECT note FROM orders WHERE id = $1 $$',
    'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
    'CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE PROCEDURE touch()',
    'ALTER TABLE lines ADD CONSTRAINT sku_set CHECK (sku <> \'\')',
]

TABLES = {'public.orders', 'public.lines', 'public.log', 'public.codes', 'Odd Schema.types'}


def run_sql(cluster, *statements, dbname='shop'):
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope='module')
def pair(cluster_pair):
    for cluster in cluster_pair:
        run_sql(cluster, 'DROP DATABASE IF EXISTS shop', 'CREATE DATABASE shop', dbname='postgres')
        run_sql(cluster, *SEED)
    source, target = cluster_pair
    # The target prints values differently by default; the module pins its session settings on both sides.
    run_sql(target, "ALTER DATABASE shop SET timezone TO 'Asia/Kolkata'", "ALTER DATABASE shop SET datestyle TO 'SQL, DMY'",
            'ALTER DATABASE shop SET extra_float_digits TO 0', "ALTER DATABASE shop SET bytea_output TO 'escape'",
            "ALTER DATABASE shop SET intervalstyle TO 'iso_8601'", dbname='postgres')
    return cluster_pair


@pytest.fixture(params=['hashtextextended', 'md5'])
def digest(request):
    return request.param


def endpoint(cluster, role):
    return pg_endpoint.Endpoint(role, cluster.host, port=cluster.port, user=cluster.user, password=cluster.password,
                                ssl_mode='disable')


def check(pair, **options):
    source, target = pair
    options.setdefault('chunk_rows', 7)
    options.setdefault('parallel', 2)
    options.setdefault('objects', True)
    return verify.verify_database(endpoint(source, 'source'), endpoint(target, 'target'), 'shop', checksum=True, **options)


def tables_of(result):
    return dict((t['table'], t) for t in result['tables'])


@contextlib.contextmanager
def on_target(pair, change, undo):
    run_sql(pair[1], change)
    try:
        yield
    finally:
        run_sql(pair[1], undo)


def test_equal_data_verifies_in_chunks_with_every_type(pair, digest):
    result = check(pair, digest=digest)
    assert result['ok'] is True, result['mismatches']
    assert result['digest'] == digest
    tables = tables_of(result)
    assert set(tables) == TABLES
    orders = tables['public.orders']
    assert orders['key'] == ['id'] and orders['source_rows'] == 100
    assert orders['chunks'] == 15  # 14 full chunks of 7 and the open end (2 rows)
    assert orders['source_checksum'] == orders['target_checksum'] and len(orders['source_checksum']) == 32
    assert tables['public.lines']['key'] == ['order_id', 'line']
    assert tables['public.codes']['key'] == ['code']  # the nullable unique column is no key
    assert tables['public.log']['key'] is None and tables['public.log']['chunks'] == 1
    assert tables['Odd Schema.types']['ok'] is True
    assert result['objects']['large_objects'] == {'source': 2, 'target': 2}


def test_the_digest_is_hashtextextended_when_both_sides_have_it(pair):
    assert check(pair, objects=False)['digest'] == 'hashtextextended'  # both clusters are PostgreSQL 11+
    source, target = pair
    without = verify.verify_database(endpoint(source, 'source'), endpoint(target, 'target'), 'shop', objects=False)
    assert without['digest'] is None and without['ok'] is True  # counts only


def test_the_snapshot_starts_no_parallel_workers(pair):
    session = verify.SideSession(endpoint(pair[0], 'source'), 'shop', psycopg.connect)
    try:
        session.open()
        assert session.connection(0).execute('SHOW max_parallel_workers_per_gather').fetchone()[0] == '0'
    finally:
        session.close()


def test_a_changed_row_is_named(pair, digest):
    with on_target(pair, "UPDATE orders SET note = 'changed' WHERE id = 40", "UPDATE orders SET note = 'note 40' WHERE id = 40"):
        result = check(pair, digest=digest)
    assert result['ok'] is False
    (problem,) = result['mismatches']
    assert problem.startswith('database "shop" table "public.orders" has the same row count (100) but different content')
    assert 'changed: id 40' in problem
    (found,) = tables_of(result)['public.orders']['differing_ranges']
    assert found['changed'] == [['40']] and found['narrowed'] is True
    assert 'rows with id %s..%s differ' % (found['first'][0], found['last'][0]) in problem


def test_a_deleted_row_is_named(pair, digest):
    with on_target(pair, 'DELETE FROM orders WHERE id = 41',
                   "INSERT INTO orders VALUES (41, 'note 41', 51.25, '2024-01-02 17:00:00+00')"):
        result = check(pair, digest=digest)
    (problem,) = result['mismatches']
    assert 'table "public.orders" has 100 rows on the source but 99 on the target' in problem
    assert 'missing on the target: id 41' in problem
    (found,) = tables_of(result)['public.orders']['differing_ranges']
    assert found['source_rows'] == found['target_rows'] + 1 <= 8


@pytest.mark.parametrize('key', [0, 1000, 50])
def test_an_extra_row_is_named_wherever_its_key_falls(pair, key, digest):
    if key == 50:
        change, undo = 'UPDATE orders SET id = 1050 WHERE id = 50', 'UPDATE orders SET id = 50 WHERE id = 1050'
        # One row moved: missing at 50, extra at 1050 (past the source's last key, in the open last range).
        result_keys = {'missing_in_target': [['50']], 'extra_in_target': [['1050']]}
    else:
        change, undo = "INSERT INTO orders VALUES (%d, 'x', 1, now())" % key, 'DELETE FROM orders WHERE id = %d' % key
        result_keys = {'extra_in_target': [[str(key)]]}
    with on_target(pair, change, undo):
        result = check(pair, digest=digest)
    ranges = tables_of(result)['public.orders']['differing_ranges']
    for field, keys in result_keys.items():
        assert [k for found in ranges for k in found[field]] == keys
    assert len(result['mismatches']) == 1


def test_many_extra_rows_in_one_range_are_narrowed_by_the_target_keys(pair):
    # 55 rows only on the target between two source keys: the source cannot split that range, the target can.
    with on_target(pair, "INSERT INTO lines SELECT 5, g, 'x' FROM generate_series(6, 60) g",
                   'DELETE FROM lines WHERE order_id = 5 AND line > 5'):
        result = check(pair, chunk_rows=1000)
    lines = tables_of(result)['public.lines']
    assert lines['target_rows'] == 60 + 55
    ranges = lines['differing_ranges']
    assert all(found['narrowed'] and found['target_rows'] <= 8 and not found['missing_in_target'] for found in ranges)
    extra = [key for found in ranges for key in found['extra_in_target']]
    assert extra == [['5', str(line)] for line in range(6, 61)]
    assert 'extra on the target: (order_id, line) (5, 6), (5, 7)' in result['mismatches'][0]


def test_a_composite_key_difference_is_named(pair):
    with on_target(pair, "UPDATE lines SET sku = 'x' WHERE order_id = 3 AND line = 2",
                   "UPDATE lines SET sku = 'sku-3-2' WHERE order_id = 3 AND line = 2"):
        result = check(pair)
    (problem,) = result['mismatches']
    assert 'changed: (order_id, line) (3, 2)' in problem


def test_a_table_without_key_is_checked_whole(pair, digest):
    with on_target(pair, "UPDATE log SET n = 2 WHERE msg = 'line 7'", "UPDATE log SET n = 7 WHERE msg = 'line 7'"):
        result = check(pair, digest=digest)
    (problem,) = result['mismatches']
    assert problem.startswith('database "shop" table "public.log" has the same row count (33) but different content')
    assert tables_of(result)['public.log']['differing_ranges'] == []


def test_a_duplicate_swapped_for_another_row_is_caught_without_key(pair, digest):
    with on_target(pair, "UPDATE log SET msg = 'line 1' WHERE ctid = (SELECT min(ctid) FROM log WHERE msg = 'same')",
                   "UPDATE log SET msg = 'same' WHERE ctid = (SELECT min(ctid) FROM log WHERE msg = 'line 1' AND n = 1)"):
        result = check(pair, digest=digest)
    assert [t['table'] for t in result['tables'] if not t['ok']] == ['public.log']


def test_ranges_reported_per_table_are_capped(pair):
    with on_target(pair, 'UPDATE orders SET note = note || \'!\' WHERE id % 5 = 0',
                   "UPDATE orders SET note = 'note ' || id WHERE id % 5 = 0"):
        result = check(pair)
    orders = tables_of(result)['public.orders']
    assert len(orders['differing_ranges']) == 10
    assert result['mismatches'][0].endswith('more ranges differ (the first 10 are shown)')


def test_parallel_workers_give_the_same_result(pair):
    with on_target(pair, 'DELETE FROM lines WHERE order_id = 7 AND line = 5',
                   "INSERT INTO lines VALUES (7, 5, 'sku-7-5')"):
        one = check(pair, parallel=1)
        four = check(pair, parallel=4)
    assert one == four
    assert one['ok'] is False and 'missing on the target: (order_id, line) (7, 5)' in one['mismatches'][0]


@pytest.mark.parametrize('change, undo, problem', [
    ("SELECT pg_catalog.setval('order_numbers', 499)", "SELECT pg_catalog.setval('order_numbers', 500)",
     'sequence "public.order_numbers" is at 499 on the target, behind the source (500)'),
    ("SELECT pg_catalog.setval('countdown', 0, false)", "SELECT pg_catalog.setval('countdown', 0)",
     'sequence "public.countdown" is at its start (never called) on the target, behind the source (0)'),
    ('SELECT lo_unlink(424243)', "SELECT lo_from_bytea(424243, 'blob two')",
     'has 2 large objects on the source but 1 on the target'),
    ("SELECT lo_put(424243, 0, 'B')", "SELECT lo_put(424243, 0, 'b')",
     'has the same number of large objects (2) but different content'),
    ('DROP INDEX orders_note', 'CREATE INDEX orders_note ON orders (note)', 'index "public.orders_note" is missing on the target'),
    ('DROP VIEW big_orders', 'CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100',
     'view "public.big_orders" is missing on the target'),
    ('DROP MATERIALIZED VIEW order_totals', 'CREATE MATERIALIZED VIEW order_totals AS SELECT count(*) AS n FROM orders',
     'materialized view "public.order_totals" is missing on the target'),
    ('DROP FUNCTION note_of(int)', 'CREATE FUNCTION note_of(int) RETURNS text LANGUAGE sql AS $$ SELECT note FROM orders WHERE id = $1 $$',
     'function "public.note_of(integer)" is missing on the target'),
    ('DROP TRIGGER orders_touch ON orders', 'CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE PROCEDURE touch()',
     'trigger "public.orders.orders_touch" is missing on the target'),
    ('ALTER TABLE lines DROP CONSTRAINT sku_set', "ALTER TABLE lines ADD CONSTRAINT sku_set CHECK (sku <> '')",
     'constraint "public.lines.sku_set" is missing on the target'),
    ('CREATE EXTENSION pg_trgm', 'DROP EXTENSION pg_trgm', 'extension "public.pg_trgm" exists on the target but not on the source'),
])
def test_other_objects_that_differ_are_named(pair, change, undo, problem):
    with on_target(pair, change, undo):
        result = check(pair)
    (mismatch,) = result['mismatches']
    assert mismatch.startswith('database "shop" ' + problem)


def test_a_key_that_differs_on_the_target_compares_the_table_whole(pair):
    source, target = pair
    run_sql(source, 'CREATE TABLE clash (k text PRIMARY KEY)', "INSERT INTO clash VALUES ('1'), ('2')")
    run_sql(target, 'CREATE TABLE clash (k int PRIMARY KEY)', 'INSERT INTO clash VALUES (1), (2)')
    try:
        result = check(pair, chunk_rows=1, objects=False)
    finally:
        for cluster in pair:
            run_sql(cluster, 'DROP TABLE clash')
    clash = tables_of(result)['public.clash']
    assert clash['key'] is None and clash['ok'] is True  # same text, so the same rows


def test_a_target_without_the_key_is_compared_whole_and_the_index_named(pair):
    with on_target(pair, 'ALTER TABLE lines DROP CONSTRAINT lines_pkey', 'ALTER TABLE lines ADD PRIMARY KEY (order_id, line)'):
        result = check(pair)
    assert tables_of(result)['public.lines']['key'] is None
    assert result['mismatches'] == ['database "shop" index "public.lines_pkey" is missing on the target',
                                    'database "shop" constraint "public.lines.lines_pkey" is missing on the target']
