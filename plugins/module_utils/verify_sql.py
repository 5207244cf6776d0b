# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL of verification: list the tables with their key, and hash a table's rows, whole or by key range.

Every hash is computed in the server and returned as a digest ``(rows, sum_a, sum_b)``: the row count and two sums
(as numeric, so they never overflow) of 64-bit hashes of each row's text. A sum needs no sort and no big value, so
memory stays bounded however many rows a range holds. Two row hashes (``RowDigest``): ``hashtextextended``
(PostgreSQL 11+, cheap) and ``md5`` (every source the service accepts, PostgreSQL 9.5+); ``choose_digest`` picks
one for both sides of a verification.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

try:
    from psycopg import sql
except ImportError:  # pragma: no cover - the module reports the missing library
    sql = None

# Leaf tables only (relkind 'r', which includes partitions): every row is counted exactly once. Tables that belong
# to an extension are skipped: the extension creates them on the target itself. For each table: its columns and
# its key, the primary key or else the unique index (no expression, no predicate) with the fewest columns, all NOT
# NULL; no key when there is none. The planner's row estimate (-1 before any ANALYZE on 14+) is for progress.
# {key_columns} is indnkeyatts (11+: INCLUDE columns are not part of the order) or indnatts.
TABLES_QUERY = """
SELECT n.nspname, c.relname,
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
  key.names, key.types, GREATEST(c.reltuples, 0)::bigint AS estimated_rows
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.ord) AS names,
         pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) AS types
  FROM (SELECT i.indkey::int2[] AS columns, i.{key_columns} AS key_columns
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY u(attnum, ord)
            JOIN pg_catalog.pg_attribute na ON na.attrelid = c.oid AND na.attnum = u.attnum
            WHERE u.ord <= i.{key_columns} AND NOT na.attnotnull)
        ORDER BY i.indisprimary DESC, i.{key_columns}, i.indexrelid
        LIMIT 1) best
  CROSS JOIN LATERAL pg_catalog.unnest(best.columns) WITH ORDINALITY k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
  WHERE k.ord <= best.key_columns
) key ON true
WHERE c.relkind = 'r'
  AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relpages DESC, 1, 2
"""

# One row's text, as the session settings pinned on both sides print it. ROW(t.*) rather than t, so a column named
# like the alias cannot be taken for the row.
ROW_TEXT = 'ROW(t.*)::text'


class RowDigest(object):
    """One way to hash rows: ``row_hash`` is one row's hash (SQL, for the rows of a narrowed range) and ``query``
    the digest ``(rows, sum_a, sum_b)`` of the rows of ``{rows}`` (``table t WHERE ...``)."""

    def __init__(self, name, row_hash, query):
        self.name = name
        self.row_hash = row_hash
        self._query = query

    def query(self, rows):
        return sql.SQL(self._query).format(rows=rows)


# Both digests read their rows in a subquery kept apart (OFFSET 0), so the row's text is built once per row.
# The sums of two 64-bit hashes of each row's text, seeds 0 and 1.
HASHTEXT = RowDigest(
    'hashtextextended',
    'pg_catalog.hashtextextended(' + ROW_TEXT + ', 0)::text',
    'SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(pg_catalog.hashtextextended(row_text, 0)), 0),'
    ' COALESCE(pg_catalog.sum(pg_catalog.hashtextextended(row_text, 1)), 0)'
    ' FROM (SELECT ' + ROW_TEXT + ' AS row_text FROM {rows} OFFSET 0) h')
# The sums of both 64-bit halves of each row's md5, parsed once as 128 bits (cheaper than parsing each half).
MD5 = RowDigest(
    'md5',
    'pg_catalog.md5(' + ROW_TEXT + ')',
    'SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(pg_catalog.substring(row_bits, 1, 64)::bigint), 0),'
    ' COALESCE(pg_catalog.sum(pg_catalog.substring(row_bits, 65, 64)::bigint), 0)'
    " FROM (SELECT ('x' || pg_catalog.md5(" + ROW_TEXT + '))::bit(128) AS row_bits FROM {rows} OFFSET 0) h')
DIGESTS = dict((digest.name, digest) for digest in (HASHTEXT, MD5))
# hashtextextended exists from PostgreSQL 11. Its values are meant to stay the same across versions (hash partitions
# are placed by them) but may differ on a machine of another byte order: each side hashes PROBE_TEXT, and a side
# whose value differs, or a side without the function, makes both sides use md5.
HASHTEXT_VERSION = 110000
PROBE_TEXT = 'pgflex.migration verify'


def server_version(cur):
    """The server's version as a number (server_version_num: 150004 for 15.4)."""
    cur.execute("SELECT pg_catalog.current_setting('server_version_num')::int")
    return cur.fetchone()[0]


def hash_probe(cur):
    """This server's hashtextextended of PROBE_TEXT as text, or None before PostgreSQL 11."""
    if server_version(cur) < HASHTEXT_VERSION:
        return None
    cur.execute('SELECT pg_catalog.hashtextextended(%s, 0)::text', (PROBE_TEXT,))
    return cur.fetchone()[0]


def choose_digest(probes, name=None):
    """The RowDigest both sides use: ``name`` when given (tests force md5), else hashtextextended when every side's
    probe (``hash_probe``; the sides where the database exists) has it and agrees, else md5."""
    if name:
        return DIGESTS[name]
    probes = list(probes)
    if probes and None not in probes and len(set(probes)) == 1:
        return HASHTEXT
    return MD5


class TableInfo(object):
    """One table as listed on one side."""

    def __init__(self, schema, name, columns, key_names, key_types, estimated_rows=0):
        self.schema = schema
        self.estimated_rows = estimated_rows or 0  # the planner's estimate (pg_class.reltuples), for progress
        self.name = name
        self.columns = list(columns or [])
        self.key = list(key_names) if key_names else None
        self.key_types = list(key_types) if key_types else None

    @property
    def qualified(self):
        return '%s.%s' % (self.schema, self.name)


def list_tables(cur):
    """[TableInfo] of the database cur is connected to, biggest first (so parallel workers end together)."""
    key_columns = 'indnkeyatts' if server_version(cur) >= 110000 else 'indnatts'
    cur.execute(TABLES_QUERY.format(key_columns=key_columns))
    return [TableInfo(*row) for row in cur.fetchall()]


def digest_of(row):
    return (int(row[0]), int(row[1]), int(row[2]))


def count_rows(cur, table):
    cur.execute(sql.SQL('SELECT pg_catalog.count(*) FROM {}').format(sql.Identifier(table.schema, table.name)))
    return cur.fetchone()[0]


def whole_table_digest(cur, table, digest):
    """The order-independent digest (a RowDigest) of every row, for a table without a key: one scan, no sort."""
    cur.execute(digest.query(sql.SQL('{} t').format(sql.Identifier(table.schema, table.name))))
    return digest_of(cur.fetchone())


class TableReader(object):
    """Hash one keyed table by key range on one side (one cursor in that side's snapshot).

    ``key`` and ``key_types`` come from the source, so both sides compare the same typed values; keys travel as
    text and are cast back to the key's type in the query. ``digest``: the RowDigest of both sides.
    """

    def __init__(self, cur, table, key, key_types, digest):
        self.cur = cur
        self.digest = digest
        self.ident = sql.Identifier(table.schema, table.name)
        self.columns = [sql.SQL('t.') + sql.Identifier(name) for name in key]
        self.types = key_types

    def _row(self):
        return sql.SQL('ROW({})').format(sql.SQL(', ').join(self.columns))

    def _bound(self, key):
        return sql.SQL('ROW({})').format(sql.SQL(', ').join(
            sql.SQL('{}::{}').format(sql.Literal(value), sql.SQL(key_type)) for value, key_type in zip(key, self.types)))

    def _where(self, after, through):
        parts = []
        if after is not None:
            parts.append(sql.SQL('{} > {}').format(self._row(), self._bound(after)))
        if through is not None:
            parts.append(sql.SQL('{} <= {}').format(self._row(), self._bound(through)))
        if not parts:
            return sql.SQL('')
        return sql.SQL(' WHERE ') + sql.SQL(' AND ').join(parts)

    def _order(self, descending=False):
        suffix = sql.SQL(' DESC' if descending else '')
        return sql.SQL(', ').join(column + suffix for column in self.columns)

    def _texts(self, prefix):
        return sql.SQL(', ').join(
            sql.SQL('{}.{}::text').format(sql.Identifier(prefix), sql.Identifier('k%d' % i)) for i in range(len(self.columns)))

    def hash_range(self, after, through):
        self.cur.execute(self.digest.query(sql.SQL('{table} t{where}').format(table=self.ident, where=self._where(after, through))))
        return digest_of(self.cur.fetchone())

    def key_at(self, after, through, offset):
        """The key at ``offset`` (0-based, in key order) within the range; None past its end. Reads the key's index
        (an index-only scan where the table is vacuumed)."""
        texts = sql.SQL(', ').join(column + sql.SQL('::text') for column in self.columns)
        self.cur.execute(sql.SQL('SELECT {texts} FROM {table} t{where} ORDER BY {order} OFFSET {offset} LIMIT 1').format(
            texts=texts, table=self.ident, where=self._where(after, through), order=self._order(),
            offset=sql.Literal(int(offset))))
        row = self.cur.fetchone()
        return tuple(row) if row else None

    def rows_in(self, after, through, limit):
        """[(key, row hash)] of the first ``limit`` rows of the range, in key order."""
        texts = sql.SQL(', ').join(column + sql.SQL('::text') for column in self.columns)
        self.cur.execute(sql.SQL('SELECT {texts}, ' + self.digest.row_hash + ' FROM {table} t{where} ORDER BY {order} LIMIT {limit}').format(
            texts=texts, table=self.ident, where=self._where(after, through), order=self._order(),
            limit=sql.Literal(int(limit))))
        return [(tuple(row[:-1]), row[-1]) for row in self.cur.fetchall()]
