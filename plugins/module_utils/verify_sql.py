# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL of verification: list the tables with their key, and hash a table's rows, whole or by key range.

Every hash is computed in the server and returned as a digest ``(rows, sum_hi, sum_lo)``: the row count and the
sums (as numeric, so they never overflow) of the two 64-bit halves of each row's md5. A sum needs no sort and no
big value, so memory stays bounded however many rows a range holds. Works on every source the service accepts
(PostgreSQL 9.5+).

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

# One row's hash: md5 of its text (the session settings pin how values print). ROW(t.*) rather than t, so a
# column named like the alias cannot be taken for the row.
ROW_HASH = 'pg_catalog.md5(ROW(t.*)::text)'
# The same hash as 128 bits, parsed once (cheaper than parsing each half from text).
ROW_BITS = "('x' || " + ROW_HASH + ")::bit(128)"
# The digest of a set of row hashes (column row_bits): count and the sums of both 64-bit halves. No sort.
DIGEST = (
    "pg_catalog.count(*), "
    "COALESCE(pg_catalog.sum(pg_catalog.substring(row_bits, 1, 64)::bigint), 0), "
    "COALESCE(pg_catalog.sum(pg_catalog.substring(row_bits, 65, 64)::bigint), 0)"
)


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
    cur.execute("SELECT pg_catalog.current_setting('server_version_num')::int")
    version = cur.fetchone()[0]
    key_columns = 'indnkeyatts' if version >= 110000 else 'indnatts'
    cur.execute(TABLES_QUERY.format(key_columns=key_columns))
    return [TableInfo(*row) for row in cur.fetchall()]


def digest_of(row):
    return (int(row[0]), int(row[1]), int(row[2]))


def count_rows(cur, table):
    cur.execute(sql.SQL('SELECT pg_catalog.count(*) FROM {}').format(sql.Identifier(table.schema, table.name)))
    return cur.fetchone()[0]


def whole_table_digest(cur, table):
    """The order-independent digest of every row, for a table without a key: one scan, no sort."""
    cur.execute(sql.SQL('SELECT ' + DIGEST + ' FROM (SELECT ' + ROW_BITS + ' AS row_bits FROM {} t) h').format(
        sql.Identifier(table.schema, table.name)))
    return digest_of(cur.fetchone())


class TableReader(object):
    """Hash one keyed table by key range on one side (one cursor in that side's snapshot).

    ``key`` and ``key_types`` come from the source, so both sides compare the same typed values; keys travel as
    text and are cast back to the key's type in the query.
    """

    def __init__(self, cur, table, key, key_types):
        self.cur = cur
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
        self.cur.execute(sql.SQL('SELECT ' + DIGEST + ' FROM (SELECT ' + ROW_BITS + ' AS row_bits FROM {table} t{where}) h').format(
            table=self.ident, where=self._where(after, through)))
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
        self.cur.execute(sql.SQL('SELECT {texts}, ' + ROW_HASH + ' FROM {table} t{where} ORDER BY {order} LIMIT {limit}').format(
            texts=texts, table=self.ident, where=self._where(after, through), order=self._order(),
            limit=sql.Literal(int(limit))))
        return [(tuple(row[:-1]), row[-1]) for row in self.cur.fetchall()]
