# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare the tables of a source and a target PostgreSQL database after a migration.

Internal to the pgflex.migration collection; not a public API. Nothing here knows Ansible: the
verification module turns options into ``Endpoint`` objects and results into its return value.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

try:
    import psycopg
    from psycopg import sql
    HAS_PSYCOPG = True
    PSYCOPG_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    psycopg = None
    sql = None
    HAS_PSYCOPG = False
    PSYCOPG_IMPORT_ERROR = exc

# libpq spells the verify modes with a hyphen; the collection's options use underscores like
# the migration service's SslMode (VerifyCA, VerifyFull).
SSL_MODES = ('disable', 'allow', 'prefer', 'require', 'verify_ca', 'verify_full')

# Leaf tables only (relkind 'r', which includes partitions): every row is counted exactly once,
# and the query works on every source version the service accepts (9.5+). Tables that belong to
# an extension are skipped: the extension creates them on the target itself.
TABLES_QUERY = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""

# Row text depends on these settings; pinning them on both sides makes checksums comparable
# between servers configured differently.
SESSION_SETTINGS = (
    ("DateStyle", "ISO, MDY"),
    ("IntervalStyle", "postgres"),
    ("TimeZone", "UTC"),
    ("extra_float_digits", "3"),
    ("bytea_output", "hex"),
)

# SQLSTATE 3D000: the database does not exist.
INVALID_CATALOG_NAME = '3D000'


class VerifyError(Exception):
    """A verification that could not run (connection refused, bad password, ...)."""


class Endpoint(object):
    """Where and how to connect to one side (source or target)."""

    def __init__(self, role, host, port=5432, user=None, password=None, ssl_mode='prefer',
                 ssl_root_cert=None, connect_timeout=10):
        self.role = role
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.ssl_mode = ssl_mode
        self.ssl_root_cert = ssl_root_cert
        self.connect_timeout = connect_timeout

    def connect_kwargs(self, dbname):
        kwargs = {
            'host': self.host,
            'port': self.port,
            'dbname': dbname,
            'sslmode': (self.ssl_mode or 'prefer').replace('_', '-'),
            'connect_timeout': self.connect_timeout,
            'application_name': 'pgflex.migration verify',
        }
        if self.user:
            kwargs['user'] = self.user
        if self.password:
            kwargs['password'] = self.password
        if self.ssl_root_cert:
            kwargs['sslrootcert'] = self.ssl_root_cert
        return kwargs

    def scrub(self, text):
        """The text with this endpoint's password masked, whatever produced it."""
        text = str(text)
        if self.password:
            text = text.replace(self.password, '********')
        return text


class DatabaseMissing(Exception):
    """The database does not exist on that side."""


def qualified(schema, table):
    return '%s.%s' % (schema, table)


def snapshot_database(endpoint, dbname, checksum=False, connect=None):
    """{'schema.table': {'rows': int, 'checksum': str or None}} for every user table of dbname.

    Reads in one read-only REPEATABLE READ transaction so counts are a consistent snapshot.
    Raises DatabaseMissing or VerifyError (message already scrubbed of the password).
    """
    connect = connect or psycopg.connect
    try:
        conn = connect(**endpoint.connect_kwargs(dbname))
    except psycopg.Error as exc:
        if _is_missing_database(exc, dbname):
            raise DatabaseMissing(dbname)
        raise VerifyError('cannot connect to the %s %s:%s database "%s": %s' % (
            endpoint.role, endpoint.host, endpoint.port, dbname, endpoint.scrub(_one_line(exc))))
    try:
        return _read_tables(conn, checksum)
    except psycopg.Error as exc:
        raise VerifyError('reading the %s database "%s" failed: %s' % (endpoint.role, dbname, endpoint.scrub(_one_line(exc))))
    finally:
        conn.close()


def _read_tables(conn, checksum):
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    result = {}
    with conn.transaction():
        with conn.cursor() as cur:
            for name, value in SESSION_SETTINGS:
                cur.execute('SELECT pg_catalog.set_config(%s, %s, true)', (name, value))
            cur.execute(TABLES_QUERY)
            tables = cur.fetchall()
            for schema, table in tables:
                cur.execute(_table_query(schema, table, checksum))
                rows, digest = cur.fetchone()
                result[qualified(schema, table)] = {'rows': rows, 'checksum': digest}
    return result


def _table_query(schema, table, checksum):
    ident = sql.Identifier(schema, table)
    if not checksum:
        return sql.SQL('SELECT pg_catalog.count(*), NULL::text FROM {}').format(ident)
    # Hash each row, then hash the sorted row hashes: independent of physical row order and
    # needs no primary key.
    return sql.SQL(
        'SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(h, \'\' ORDER BY h)) '
        'FROM (SELECT pg_catalog.md5(t::text) AS h FROM {} t) s').format(ident)


def _is_missing_database(exc, dbname):
    # Connection errors carry no SQLSTATE in psycopg; the server's FATAL text is stable.
    if getattr(exc, 'sqlstate', None) == INVALID_CATALOG_NAME:
        return True
    return 'database "%s" does not exist' % dbname in str(exc)


def _one_line(exc):
    text = ' '.join(str(exc).split())
    return text or type(exc).__name__


def compare_snapshots(database, source, target, checksum=False):
    """Pure comparison of two snapshots (None for a database missing on that side).

    Returns {'database', 'ok', 'tables': [...], 'missing_in_target', 'extra_in_target',
    'source_rows', 'target_rows', 'mismatches': [human readable strings]}.
    """
    mismatches = []
    if source is None:
        mismatches.append('database "%s" does not exist on the source' % database)
    if target is None:
        mismatches.append('database "%s" does not exist on the target' % database)
    source = source or {}
    target = target or {}

    tables = []
    for name in sorted(set(source) | set(target)):
        src = source.get(name)
        tgt = target.get(name)
        entry = {
            'table': name,
            'source_rows': src['rows'] if src else None,
            'target_rows': tgt['rows'] if tgt else None,
        }
        if checksum:
            entry['source_checksum'] = src['checksum'] if src else None
            entry['target_checksum'] = tgt['checksum'] if tgt else None
        problem = _table_problem(database, name, src, tgt, checksum)
        entry['ok'] = problem is None
        if problem:
            mismatches.append(problem)
        tables.append(entry)

    return {
        'database': database,
        'ok': not mismatches,
        'tables': tables,
        'table_count': len(tables),
        'missing_in_target': sorted(set(source) - set(target)),
        'extra_in_target': sorted(set(target) - set(source)),
        'source_rows': sum(t['rows'] for t in source.values()),
        'target_rows': sum(t['rows'] for t in target.values()),
        'mismatches': mismatches,
    }


def _table_problem(database, name, src, tgt, checksum):
    where = 'database "%s" table "%s"' % (database, name)
    if src is None:
        return '%s exists on the target but not on the source' % where
    if tgt is None:
        return '%s is missing on the target' % where
    if src['rows'] != tgt['rows']:
        return '%s has %d rows on the source but %d on the target' % (where, src['rows'], tgt['rows'])
    if checksum and src['checksum'] != tgt['checksum']:
        return '%s has the same row count (%d) but different content (checksum %s on the source, %s on the target)' % (
            where, src['rows'], src['checksum'], tgt['checksum'])
    return None


def verify_database(source_endpoint, target_endpoint, database, checksum=False, connect=None):
    """Snapshot both sides of one database (in parallel) and compare them."""
    def side(endpoint):
        try:
            return snapshot_database(endpoint, database, checksum=checksum, connect=connect)
        except DatabaseMissing:
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        source_future = pool.submit(side, source_endpoint)
        target_future = pool.submit(side, target_endpoint)
        source = source_future.result()
        target = target_future.result()
    return compare_snapshots(database, source, target, checksum=checksum)


def summarize(results):
    """One line a person reads: databases, tables and rows compared, and the verdict."""
    tables = sum(r['table_count'] for r in results)
    rows = sum(r['source_rows'] for r in results)
    bad = [r['database'] for r in results if not r['ok']]
    verdict = 'all match' if not bad else 'MISMATCH in %s' % ', '.join(bad)
    return '%d database(s), %d table(s), %d source row(s) compared: %s' % (len(results), tables, rows, verdict)
