# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare the tables of a source and a target PostgreSQL database after a migration.

Internal to the pgflex.migration collection; not a public API. Nothing here knows Ansible: the
verification module turns options into ``pg_endpoint.Endpoint`` objects and results into its return value.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import verify_chunks, verify_objects, verify_sql, verify_workers

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


def missing_psycopg():
    """fail_json's arguments when psycopg cannot be imported where the module runs, else None (one message for the
    modules that connect with PostgreSQL: verify, assess, finalize)."""
    if HAS_PSYCOPG:
        return None
    from ansible.module_utils.basic import missing_required_lib  # pylint: disable=import-outside-toplevel
    return dict(msg=missing_required_lib('psycopg (psycopg[binary]>=3.1)'), exception=str(PSYCOPG_IMPORT_ERROR))


# Row text depends on these settings; pinning them on both sides makes checksums comparable
# between servers configured differently.
SESSION_SETTINGS = (
    ("DateStyle", "ISO, MDY"),
    ("IntervalStyle", "postgres"),
    ("TimeZone", "UTC"),
    ("extra_float_digits", "3"),
    ("bytea_output", "hex"),
)

# Rows per chunk of a keyed table: big enough that per-query overhead is small, small enough that one chunk's
# rows (materialised by the server to find the chunk's last key) stay near work_mem.
DEFAULT_CHUNK_ROWS = 100000
# Tables compared at once (connections per side).
DEFAULT_PARALLEL = 2

# SQLSTATE 3D000: the database does not exist.
INVALID_CATALOG_NAME = '3D000'


class VerifyError(Exception):
    """A verification that could not run (connection refused, bad password, ...)."""


class DatabaseMissing(Exception):
    """The database does not exist on that side."""


def qualified(schema, table):
    return '%s.%s' % (schema, table)


def verify_database(source_endpoint, target_endpoint, database, checksum=False, connect=None,
                    chunk_rows=DEFAULT_CHUNK_ROWS, parallel=DEFAULT_PARALLEL, progress=None, objects=False, digest=None):
    """Read both sides of one database, each in one snapshot, and compare them.

    With ``checksum``, the row hash is chosen from both sides (``verify_sql.choose_digest``; ``digest`` forces
    one by name) and named in the result (key 'digest', None without ``checksum``).

    With ``objects``, sequences, large objects and the inventory of schema objects are compared too
    (result key 'objects').

    ``parallel`` connections per side compare that many tables at once; all connections of a side share the
    leader's exported snapshot. ``progress``, when given, is a ``verify_workers.Progress``.
    """
    source = SideSession(source_endpoint, database, connect or psycopg.connect)
    target = SideSession(target_endpoint, database, connect or psycopg.connect)
    source_objects = target_objects = None
    try:
        source_tables = source.open()
        target_tables = target.open()
        if objects and source.exists and target.exists:
            source_objects = source.read_objects()
            target_objects = target.read_objects()
        row_digest = None
        if checksum:
            row_digest = verify_sql.choose_digest([side.hash_probe() for side in (source, target) if side.exists], digest)
        jobs = verify_workers.plan(source_tables, target_tables)
        workers = max(1, min(parallel, len(jobs)))
        source.add_workers(workers - 1)
        target.add_workers(workers - 1)
        if progress is not None:
            progress.start_database(database, len(jobs), sum(table.estimated_rows for table in source_tables))
        outcome = verify_workers.run(jobs, source, target, workers, row_digest, chunk_rows, progress)
    finally:
        source.close()
        target.close()
    result = compare_snapshots(database, outcome.source if source.exists else None,
                               outcome.target if target.exists else None, checksum=checksum, details=outcome.details)
    result['digest'] = row_digest.name if row_digest else None
    if source_objects is not None:
        problems, result['objects'] = verify_objects.compare_objects(database, source_objects, target_objects)
        result['mismatches'].extend(problems)
        result['ok'] = not result['mismatches']
    return result


class SideSession(object):
    """The connections to one side of one database, all reading the same snapshot.

    The leader begins a read-only REPEATABLE READ transaction; with more connections it exports its snapshot
    (pg_export_snapshot, PostgreSQL 9.2+) and every other connection imports it, so all see the same data.
    Database errors become VerifyError, scrubbed of the password.
    """

    def __init__(self, endpoint, dbname, connect):
        self.endpoint = endpoint
        self.dbname = dbname
        self.connect = connect
        self.connections = []
        self.exists = True
        self._snapshot = None

    def open(self):
        """The leader's tables ([] when the database does not exist on this side)."""
        try:
            leader = self._connect()
        except DatabaseMissing:
            self.exists = False
            return []
        with self.errors('reading'):
            _begin(leader)
            with leader.cursor() as cur:
                return verify_sql.list_tables(cur)

    def hash_probe(self):
        with self.errors('reading'):
            with self.connections[0].cursor() as cur:
                return verify_sql.hash_probe(cur)

    def read_objects(self):
        with self.errors('reading the objects of'):
            with self.connections[0].cursor() as cur:
                return verify_objects.read_objects(cur)

    def open_plain(self):
        """One connection in autocommit, outside any snapshot, for work that writes (pg_flexible_migration_finalize);
        DatabaseMissing when the database does not exist on this side."""
        conn = self._connect()
        conn.autocommit = True
        return conn

    def add_workers(self, count):
        if not self.exists or count < 1:
            return
        with self.errors('sharing the snapshot of'):
            self._snapshot = self.connections[0].execute('SELECT pg_catalog.pg_export_snapshot()').fetchone()[0]
        for _worker in range(count):
            conn = self._connect()
            with self.errors('sharing the snapshot of'):
                _begin(conn, self._snapshot)

    def connection(self, index):
        return self.connections[index] if self.exists else None

    def close(self):
        for conn in reversed(self.connections):
            try:
                conn.close()
            except Exception:  # pragma: no cover - closing is best effort
                pass
        self.connections = []

    def _connect(self):
        try:
            conn = self.connect(**self.endpoint.connect_kwargs(self.dbname))
        except psycopg.Error as exc:
            if _is_missing_database(exc, self.dbname):
                raise DatabaseMissing(self.dbname)
            raise VerifyError('cannot connect to the %s %s:%s database "%s": %s' % (
                self.endpoint.role, self.endpoint.host, self.endpoint.port, self.dbname, self.endpoint.scrub(_one_line(exc))))
        self.connections.append(conn)
        return conn

    def errors(self, doing):
        return _ScrubbedErrors(self, doing)


class _ScrubbedErrors(object):
    """Turns a database error into VerifyError naming the side and the database, without the password."""

    def __init__(self, side, doing):
        self.side = side
        self.doing = doing

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback):
        if exc is not None and psycopg is not None and isinstance(exc, psycopg.Error):
            raise VerifyError('%s the %s database "%s" failed: %s' % (
                self.doing, self.side.endpoint.role, self.side.dbname, self.side.endpoint.scrub(_one_line(exc))))
        return False


def _begin(conn, snapshot=None):
    conn.autocommit = True
    conn.execute('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    if snapshot:
        conn.execute(sql.SQL('SET TRANSACTION SNAPSHOT {}').format(sql.Literal(snapshot)))
    for name, value in SESSION_SETTINGS:
        conn.execute('SELECT pg_catalog.set_config(%s, %s, true)', (name, value))
    # One backend per table in flight (``parallel`` sets how many): no parallel workers started per chunk, which cost
    # more than they give on a busy server. The setting exists from PostgreSQL 9.6, hence the lookup.
    conn.execute("SELECT pg_catalog.set_config(name, '0', true) FROM pg_catalog.pg_settings"
                 " WHERE name = 'max_parallel_workers_per_gather'")


def _is_missing_database(exc, dbname):
    # Connection errors carry no SQLSTATE in psycopg; the server's FATAL text is stable.
    if getattr(exc, 'sqlstate', None) == INVALID_CATALOG_NAME:
        return True
    return 'database "%s" does not exist' % dbname in str(exc)


def _one_line(exc):
    text = ' '.join(str(exc).split())
    return text or type(exc).__name__


def compare_snapshots(database, source, target, checksum=False, details=None):
    """Pure comparison of two snapshots (None for a database missing on that side).

    ``details`` (optional) holds per table what a keyed comparison found: 'key', 'chunks', 'differing_ranges'.

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
        detail = (details or {}).get(name)
        if checksum:
            entry['source_checksum'] = src['checksum'] if src else None
            entry['target_checksum'] = tgt['checksum'] if tgt else None
            if detail is not None:
                entry['key'] = detail['key']
                entry['chunks'] = detail['chunks']
                entry['differing_ranges'] = detail['differing_ranges']
        problem = _table_problem(database, name, src, tgt, checksum, detail)
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


def _table_problem(database, name, src, tgt, checksum, detail=None):
    where = 'database "%s" table "%s"' % (database, name)
    if src is None:
        return '%s exists on the target but not on the source' % where
    if tgt is None:
        return '%s is missing on the target' % where
    if src['rows'] != tgt['rows']:
        problem = '%s has %d rows on the source but %d on the target' % (where, src['rows'], tgt['rows'])
    elif checksum and src['checksum'] != tgt['checksum']:
        problem = '%s has the same row count (%d) but different content (checksum %s on the source, %s on the target)' % (
            where, src['rows'], src['checksum'], tgt['checksum'])
    else:
        return None
    return problem + _ranges_text(detail)


def _ranges_text(detail):
    """': rows with id 7..9 differ (...); ...' for a keyed table whose differences were narrowed."""
    if not detail or not detail.get('differing_ranges'):
        return ''
    texts = [verify_chunks.range_problem(detail['key'], found) for found in detail['differing_ranges']]
    if detail.get('more_ranges'):
        texts.append('more ranges differ (the first %d are shown)' % len(texts))
    return ': ' + '; '.join(texts)


def summarize(results):
    """One line a person reads: databases, tables and rows compared, and the verdict."""
    tables = sum(r['table_count'] for r in results)
    rows = sum(r['source_rows'] for r in results)
    bad = [r['database'] for r in results if not r['ok']]
    verdict = 'all match' if not bad else 'MISMATCH in %s' % ', '.join(bad)
    return '%d database(s), %d table(s), %d source row(s) compared: %s' % (len(results), tables, rows, verdict)
