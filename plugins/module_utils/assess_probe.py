# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what the readiness assessment needs from the source and target servers over PostgreSQL.

Only catalog reads in read-only transactions: nothing is created or changed. Connection settings come from
pg_endpoint.Endpoint (the same options as pg_flexible_migration_verify). Errors become {'error': text} (password
masked), so one unreachable server is a finding, not a failed task.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import verify

MAINTENANCE_DATABASE = 'postgres'
SETTINGS_QUERY = ("SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN "
                  "('server_version_num', 'wal_level', 'max_replication_slots', 'max_wal_senders')")
USER_QUERY = ("SELECT rolname, rolsuper, rolreplication, rolcreaterole, rolcreatedb FROM pg_catalog.pg_roles "
              "WHERE rolname = current_user")
# Membership (direct or inherited) of the roles the prerequisites name; roles that do not exist are left out.
MEMBERSHIP_QUERY = ("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('azure_pg_admin', 'pg_read_all_settings', "
                    "'pg_read_all_stats', 'pg_stat_scan_tables') AND pg_catalog.pg_has_role(current_user, oid, 'MEMBER') "
                    "ORDER BY 1")
DATABASES_QUERY = (
    "SELECT datname, pg_catalog.pg_encoding_to_char(encoding), datcollate, "
    "CASE WHEN pg_catalog.has_database_privilege(datname, 'CONNECT') THEN pg_catalog.pg_database_size(datname) END "
    "FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1")
SLOTS_QUERY = 'SELECT (SELECT count(*) FROM pg_catalog.pg_replication_slots), (SELECT count(*) FROM pg_catalog.pg_stat_replication)'
TARGET_COLLATIONS_QUERY = ("SELECT collcollate FROM pg_catalog.pg_collation WHERE collcollate IS NOT NULL "
                           "UNION SELECT datcollate FROM pg_catalog.pg_database")
USER_TABLES = ("FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
               "AND n.nspname NOT LIKE 'pg\\_toast%' AND c.relpersistence <> 't' "
               "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
               "AND d.objid = c.oid AND d.deptype = 'e') ")
TABLE_NAME = "n.nspname || '.' || c.relname "
DATABASE_QUERIES = {
    'extensions': 'SELECT extname FROM pg_catalog.pg_extension ORDER BY 1',
    'user_collations': ("SELECT n.nspname || '.' || c.collname FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n "
                        "ON n.oid = c.collnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"),
    # Leaf tables whose UPDATE/DELETE logical replication cannot carry: no primary key and default identity, or none.
    'no_identity': ('SELECT ' + TABLE_NAME + USER_TABLES + "AND c.relkind = 'r' AND (c.relreplident = 'n' OR "
                    "(c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid "
                    'AND i.indisprimary))) ORDER BY 1'),
    'unlogged': 'SELECT ' + TABLE_NAME + USER_TABLES + "AND c.relpersistence = 'u' ORDER BY 1",
    'unreadable': 'SELECT ' + TABLE_NAME + USER_TABLES + "AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT') ORDER BY 1",
}
LARGE_OBJECTS_QUERY = 'SELECT count(*) FROM pg_catalog.pg_largeobject_metadata'


def _connect(endpoint, dbname, connect):
    connect = connect or verify.psycopg.connect
    kwargs = endpoint.connect_kwargs(dbname)
    kwargs['application_name'] = 'pgflex.migration assess'
    conn = connect(**kwargs)
    conn.read_only = True
    return conn


def _rows(conn, query):
    return [row[0] for row in conn.execute(query).fetchall()]


def _user(conn):
    name, superuser, replication, createrole, createdb = conn.execute(USER_QUERY).fetchone()
    return {'name': name, 'superuser': superuser, 'replication': replication, 'createrole': createrole,
            'createdb': createdb, 'member_of': _rows(conn, MEMBERSHIP_QUERY)}


def error_text(endpoint, exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return endpoint.scrub(text)


def read_database(endpoint, dbname, connect=None):
    """The per-database facts: extensions, user collations, tables without identity, unlogged, unreadable, LOBs."""
    with _connect(endpoint, dbname, connect) as conn:
        facts = dict((key, _rows(conn, query)) for key, query in DATABASE_QUERIES.items())
        facts['large_objects'] = conn.execute(LARGE_OBJECTS_QUERY).fetchone()[0]
    return facts


def read_source(endpoint, databases=None, connect=None):
    """The source's version, replication settings, user and databases (all user databases unless named).

    Returns {'error': text} when the source cannot be read at all; a database that cannot be read has its own error.
    """
    try:
        with _connect(endpoint, MAINTENANCE_DATABASE, connect) as conn:
            settings = dict(conn.execute(SETTINGS_QUERY).fetchall())
            used_slots, used_senders = conn.execute(SLOTS_QUERY).fetchone()
            user = _user(conn)
            listed = conn.execute(DATABASES_QUERY).fetchall()
    except verify.psycopg.Error as exc:
        return {'error': error_text(endpoint, exc)}
    facts = {
        'version_num': int(settings['server_version_num']), 'wal_level': settings['wal_level'],
        'max_replication_slots': int(settings['max_replication_slots']), 'used_replication_slots': used_slots,
        'max_wal_senders': int(settings['max_wal_senders']), 'used_wal_senders': used_senders,
        'user': user, 'databases': {},
    }
    wanted = databases if databases else [row[0] for row in listed if row[0] not in ('postgres', 'azure_maintenance', 'azure_sys')]
    for name, encoding, collate, size in listed:
        if name not in wanted:
            continue
        entry = {'encoding': encoding, 'collate': collate, 'size_bytes': size}
        try:
            entry.update(read_database(endpoint, name, connect))
        except verify.psycopg.Error as exc:
            entry['error'] = error_text(endpoint, exc)
        facts['databases'][name] = entry
    facts['database_names'] = list(wanted)
    return facts


def read_target(endpoint, connect=None):
    """The target user's attributes and memberships, the collations offered and the existing databases."""
    try:
        with _connect(endpoint, MAINTENANCE_DATABASE, connect) as conn:
            return {'user': _user(conn), 'collations': set(_rows(conn, TARGET_COLLATIONS_QUERY)),
                    'databases': _rows(conn, 'SELECT datname FROM pg_catalog.pg_database')}
    except verify.psycopg.Error as exc:
        return {'error': error_text(endpoint, exc)}
