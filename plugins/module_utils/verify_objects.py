# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What else must match besides table rows: sequences, large objects and the inventory of schema objects.

``read_objects(cur)`` reads one side (in its snapshot; sequence values are not transactional and are read as they
are); ``compare_objects`` is pure and returns the problems, each one sentence like a table mismatch.
``read_sequences`` and ``behind`` are also what pg_flexible_migration_finalize reads and judges sequences with.
Objects that belong to an extension and system schemas are left out (the extension creates them on the target).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

try:
    import psycopg
    from psycopg import sql
except ImportError:  # pragma: no cover - the module reports the missing library
    psycopg = None
    sql = None

from ansible_collections.pgflex.migration.plugins.module_utils.verify_sql import server_version

USER_SCHEMA = ("{ns}.nspname NOT IN ('pg_catalog', 'information_schema') AND {ns}.nspname NOT LIKE 'pg\\_toast%' "
               "AND {ns}.nspname NOT LIKE 'pg\\_temp%'")
NOT_FROM_EXTENSION = ("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '{catalog}'::pg_catalog.regclass "
                      "AND d.objid = {oid} AND d.deptype = 'e')")


def _relations(relkinds):
    """(schema, name) of the user's relations of the given pg_class kinds that no extension owns."""
    return ("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind %s AND " % relkinds + USER_SCHEMA.format(ns='n') + " AND "
            + NOT_FROM_EXTENSION.format(catalog='pg_catalog.pg_class', oid='c.oid'))


# kind -> query of (schema, name); names are unique per schema, except constraints and triggers (per table).
INVENTORY = {
    'index': _relations("IN ('i', 'I')"),
    'view': _relations("= 'v'"),
    'materialized view': _relations("= 'm'"),
    'constraint': (
        "SELECT n.nspname, c.relname || '.' || k.conname FROM pg_catalog.pg_constraint k "
        "JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        # Not the NOT NULL constraints PostgreSQL 18 records here too: a source before 18 has none.
        "WHERE k.contype <> 'n' AND " + USER_SCHEMA.format(ns='n') + " AND "
        + NOT_FROM_EXTENSION.format(catalog='pg_catalog.pg_class', oid='c.oid')),
    'function': (
        # The signature tells overloads apart; printed with the schema only when not on the search path, so drop it.
        "SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' "
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        "WHERE " + USER_SCHEMA.format(ns='n') + " AND "
        + NOT_FROM_EXTENSION.format(catalog='pg_catalog.pg_proc', oid='p.oid')),
    'trigger': (
        "SELECT n.nspname, c.relname || '.' || t.tgname FROM pg_catalog.pg_trigger t "
        "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND " + USER_SCHEMA.format(ns='n') + " AND "
        + NOT_FROM_EXTENSION.format(catalog='pg_catalog.pg_class', oid='c.oid')),
    'extension': "SELECT n.nspname, e.extname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace",
}

SEQUENCES = _relations("= 'S'") + " ORDER BY 1, 2"

# Count and order-independent sums of md5(oid || md5(content)) of every large object; lo_get (9.4+) reads one object
# at a time, so memory holds the biggest object (at most 1 GB, PostgreSQL's limit of one value).
LARGE_OBJECTS = (
    "SELECT pg_catalog.count(*), "
    "COALESCE(pg_catalog.sum(pg_catalog.substring(b, 1, 64)::bigint), 0), "
    "COALESCE(pg_catalog.sum(pg_catalog.substring(b, 65, 64)::bigint), 0) "
    "FROM (SELECT ('x' || pg_catalog.md5(m.oid::text || ':' || pg_catalog.md5(pg_catalog.lo_get(m.oid))))::bit(128) AS b "
    "FROM pg_catalog.pg_largeobject_metadata m) h")


def read_objects(cur):
    """{'inventory': {kind: set of 'schema.name'}, 'sequences': {'schema.name': (last_value, increment)},
    'large_objects': (count, sum_hi, sum_lo) or an error text}."""
    inventory = {}
    for kind, query in INVENTORY.items():
        cur.execute(query)
        inventory[kind] = set('%s.%s' % row for row in cur.fetchall())
    return {'inventory': inventory, 'sequences': read_sequences(cur), 'large_objects': _large_objects(cur)}


def read_sequences(cur):
    """{'schema.name': (last value handed out or None when never called, increment)} of the user's sequences."""
    version = server_version(cur)
    cur.execute(SEQUENCES)
    return dict(('%s.%s' % (schema, name), _sequence_state(cur, schema, name, version)) for schema, name in cur.fetchall())


def _sequence_state(cur, schema, name, version):
    """(last value handed out or None when never called, increment)."""
    ident = sql.Identifier(schema, name)
    if version >= 100000:
        cur.execute(sql.SQL('SELECT s.last_value, s.is_called, p.seqincrement FROM {} s, pg_catalog.pg_sequence p '
                            'WHERE p.seqrelid = {}::pg_catalog.regclass').format(ident, sql.Literal(ident.as_string(cur))))
    else:
        cur.execute(sql.SQL('SELECT last_value, is_called, increment_by FROM {}').format(ident))
    last_value, is_called, increment = cur.fetchone()
    return (int(last_value) if is_called else None, int(increment))


def _large_objects(cur):
    cur.execute('SAVEPOINT pgflex_large_objects')
    try:
        cur.execute(LARGE_OBJECTS)
        row = cur.fetchone()
    except psycopg.Error as exc:  # a permission problem is reported, not fatal
        cur.execute('ROLLBACK TO SAVEPOINT pgflex_large_objects')
        return ' '.join(str(exc).split()) or type(exc).__name__
    cur.execute('RELEASE SAVEPOINT pgflex_large_objects')
    return (int(row[0]), int(row[1]), int(row[2]))


def compare_objects(database, source, target):
    """Pure: (problems, summary) for two read_objects results."""
    where = 'database "%s"' % database
    problems = []
    missing = {}
    extra = {}
    for kind in INVENTORY:
        on_source = source['inventory'].get(kind, set())
        on_target = target['inventory'].get(kind, set())
        for name in sorted(on_source - on_target):
            problems.append('%s %s "%s" is missing on the target' % (where, kind, name))
            missing.setdefault(kind, []).append(name)
        for name in sorted(on_target - on_source):
            problems.append('%s %s "%s" exists on the target but not on the source' % (where, kind, name))
            extra.setdefault(kind, []).append(name)
    late = []
    for name, (source_value, increment) in sorted(source['sequences'].items()):
        if name not in target['sequences']:
            problems.append('%s sequence "%s" is missing on the target' % (where, name))
            missing.setdefault('sequence', []).append(name)
            continue
        target_value = target['sequences'][name][0]
        if behind(source_value, target_value, increment):
            problems.append('%s sequence "%s" is at %s on the target, behind the source (%s): the next value could '
                            'repeat a key; set it with setval()' % (where, name, sequence_value_text(target_value), source_value))
            late.append(name)
    lo_problems, notes = _large_object_problems(where, source['large_objects'], target['large_objects'])
    problems.extend(lo_problems)
    return problems, {'missing_in_target': missing, 'extra_in_target': extra, 'sequences_behind': late,
                      'large_objects': {'source': _lo_count(source['large_objects']),
                                        'target': _lo_count(target['large_objects'])},
                      'notes': notes}


def behind(source_value, target_value, increment):
    """Whether a target sequence at target_value could hand out a value the source already handed out."""
    if source_value is None:
        return False  # never used on the source: any target value is fine
    if target_value is None:
        return True
    return target_value < source_value if increment > 0 else target_value > source_value


def sequence_value_text(value):
    """A sequence's last value as a sentence shows it (None: never called)."""
    return 'its start (never called)' if value is None else value


def _lo_count(state):
    return state[0] if isinstance(state, tuple) else None


def _large_object_problems(where, source, target):
    """(problems, notes): a side whose large objects cannot be read (no SELECT on them) is a note, not a mismatch."""
    for side, state in (('source', source), ('target', target)):
        if not isinstance(state, tuple):
            return [], ['%s large objects were not compared: reading them on the %s failed (the user needs SELECT on '
                        'every large object): %s' % (where, side, state)]
    if source[0] != target[0]:
        return ['%s has %d large objects on the source but %d on the target' % (where, source[0], target[0])], []
    if source != target:
        return ['%s has the same number of large objects (%d) but different content' % (where, source[0])], []
    return [], []
