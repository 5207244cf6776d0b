# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What people check by hand once a migration is done: target sequences against the source's last values (set
where behind), statistics on the target (ANALYZE of the tables that have none), and the source's login roles whose
password on the target is unset or unusable.

The pure parts (judging sequences, tables and roles) take what was read; the readers take a cursor. Connections come
from verify.SideSession (one connection handling for verify, assess and finalize).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import verify, verify_objects

try:
    import psycopg
    from psycopg import sql
except ImportError:  # pragma: no cover - the module reports the missing library
    psycopg = None
    sql = None

ANALYZE_CHOICES = ('missing', 'all', 'none')

# ---- sequences ---------------------------------------------------------------------------------------


def sequence_plan(source, target):
    """Pure: one entry per source sequence (read_sequences results of both sides), in name order.

    state: ok (the target is not behind), behind (the target could hand out a value the source already did),
    missing_on_target. target_after is what setval would make it (the source's last value) for one behind.
    """
    entries = []
    for name, (source_value, increment) in sorted(source.items()):
        entry = {'sequence': name, 'source_value': source_value, 'target_before': None, 'target_after': None}
        if name not in target:
            entry['state'] = 'missing_on_target'
        else:
            entry['target_before'] = entry['target_after'] = target[name][0]
            if verify_objects.behind(source_value, target[name][0], increment):
                entry['state'] = 'behind'
                entry['target_after'] = source_value
            else:
                entry['state'] = 'ok'
        entries.append(entry)
    return entries


# Never moves a sequence back: a value handed out on the target between the read and this call stays behind it.
SETVAL = ('SELECT pg_catalog.setval({seq}::pg_catalog.regclass, CASE WHEN {increment} > 0 '
          'THEN GREATEST({value}, (SELECT last_value FROM {ident})) ELSE LEAST({value}, (SELECT last_value FROM {ident})) END, true)')


def set_sequence(cur, name, value, increment):
    """setval of the target sequence 'schema.name' to at least value (at most, descending); the value it now has."""
    schema, _dot, relname = name.partition('.')
    ident = sql.Identifier(schema, relname)
    cur.execute(sql.SQL(SETVAL).format(seq=sql.Literal(ident.as_string(cur)), ident=ident,
                                       value=sql.Literal(value), increment=sql.Literal(increment)))
    return int(cur.fetchone()[0])


# ---- statistics -----------------------------------------------------------------------------------------

# The user's tables and materialized views (partitioned tables through their partitions), their last ANALYZE and
# last autovacuum analyse, and whether pg_stats holds column statistics for them (it shows only columns the user
# may read; an empty table has none even once analysed).
TABLE_STATISTICS = (
    "SELECT n.nspname, c.relname, s.last_analyze, s.last_autoanalyze, "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = c.relname) "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid "
    "WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND " + verify_objects.USER_SCHEMA.format(ns='n') + " AND "
    + verify_objects.NOT_FROM_EXTENSION.format(catalog='pg_catalog.pg_class', oid='c.oid') + " ORDER BY 1, 2")


def read_statistics(cur):
    """{'schema.table': {'last_analyze', 'last_autoanalyze' (timestamps or None), 'column_statistics': bool}}."""
    cur.execute('SELECT pg_catalog.pg_stat_clear_snapshot()')  # read the counters as they are now
    cur.execute(TABLE_STATISTICS)
    return dict(('%s.%s' % (schema, name), {'last_analyze': last, 'last_autoanalyze': auto, 'column_statistics': bool(has)})
                for schema, name, last, auto, has in cur.fetchall())


def never_analyzed(tables):
    """Pure: the tables no ANALYZE (manual or autovacuum's) has ever processed, in name order."""
    return sorted(name for name, seen in tables.items() if seen['last_analyze'] is None and seen['last_autoanalyze'] is None)


def tables_to_analyze(tables, mode):
    """Pure: which tables ANALYZE processes in mode 'missing' (never analysed), 'all' or 'none'."""
    if mode == 'all':
        return sorted(tables)
    return never_analyzed(tables) if mode == 'missing' else []


def analyze_table(cur, name):
    schema, _dot, relname = name.partition('.')
    cur.execute(sql.SQL('ANALYZE {}').format(sql.Identifier(schema, relname)))


def statistics_outcome(mode, before, after, asked, ran):
    """Pure: what ANALYZE did, with the proof read back from the target (after: read_statistics once it ran, or
    before when it did not run). A table asked for whose last_analyze did not move was skipped by PostgreSQL (it
    analyses only tables the user owns, or may maintain)."""
    analyzed = [name for name in asked if ran and after.get(name, {}).get('last_analyze') not in (None, before[name]['last_analyze'])]
    return {
        'mode': mode,
        'tables': len(after),
        'never_analyzed_before': never_analyzed(before),
        'to_analyze': list(asked),
        'analyzed': analyzed,
        'not_analyzed': [name for name in asked if ran and name not in analyzed],
        'never_analyzed_after': never_analyzed(after),
        'with_column_statistics': sum(1 for seen in after.values() if seen['column_statistics']),
    }


# ---- login roles ------------------------------------------------------------------------------------------

# Roles every PostgreSQL (pg_*) or Azure server (azure_*) has of its own: not the user's to migrate.
SOURCE_LOGIN_ROLES = ("SELECT rolname FROM pg_catalog.pg_roles WHERE rolcanlogin AND rolname !~ '^(pg_|azure_)' "
                      "ORDER BY 1")
TARGET_ROLES = 'SELECT rolname, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = ANY(%s)'
# Readable by superusers only (not the Azure administrator: Microsoft revokes pg_authid from non-superusers).
TARGET_PASSWORDS = 'SELECT rolname, rolpassword FROM pg_catalog.pg_authid WHERE rolname = ANY(%s)'

ROLE_ACTIONS = {
    'unset': 'it has no password on the target: set one as the server administrator (ALTER ROLE {role} PASSWORD ...), '
             'or give it Microsoft Entra authentication',
    'md5': 'its password is an md5 hash and the target stores scram-sha-256, so it cannot sign in: set its password '
           'again on the target (ALTER ROLE {role} PASSWORD ...), or set the server parameter password_encryption to md5',
    'unknown': 'the target does not let this user read passwords (pg_authid needs a superuser): sign in as the role to '
               'check, and if it cannot, set its password as the server administrator (ALTER ROLE {role} PASSWORD ...)',
}


def password_state(stored, password_encryption):
    """Pure: 'unset', 'md5' (an md5 hash on a server storing scram-sha-256), 'set', or 'unknown' (not readable)."""
    if stored is False:
        return 'unknown'
    if stored is None or stored == '':
        return 'unset'
    if stored.startswith('md5') and password_encryption == 'scram-sha-256':
        return 'md5'
    return 'set'


def read_source_login_roles(cur):
    cur.execute(SOURCE_LOGIN_ROLES)
    return [row[0] for row in cur.fetchall()]


def read_target_roles(cur, names):
    """({name: can_login}, {name: stored password or None} or None when not readable, password_encryption)."""
    cur.execute(TARGET_ROLES, (list(names),))
    present = dict((name, bool(login)) for name, login in cur.fetchall())
    cur.execute("SELECT pg_catalog.current_setting('password_encryption')")
    encryption = cur.fetchone()[0]
    try:
        cur.execute(TARGET_PASSWORDS, (list(names),))
        passwords = dict(cur.fetchall())
    except psycopg.Error:  # permission denied: the limitation is stated in the result
        passwords = None
    return present, passwords, encryption


def role_outcome(source_roles, present, passwords, encryption, target_user):
    """Pure: the source's login roles on the target that need a password, and those missing on the target.

    target_user, the user this run signed in to the target with, has a working password by definition."""
    needs = []
    for name in source_roles:
        if name not in present or name == target_user:
            continue
        state = password_state(False if passwords is None else passwords.get(name), encryption)
        if state == 'set':
            continue
        needs.append({'role': name, 'can_login_on_target': present[name], 'password': state,
                      'action': ROLE_ACTIONS[state].format(role=_quoted(name))})
    return {
        'source_login_roles': len(source_roles),
        'passwords_readable': passwords is not None,
        'password_encryption': encryption,
        'needs_password': needs,
        'missing_on_target': [name for name in source_roles if name not in present],
    }


def _quoted(name):
    return '"%s"' % name.replace('"', '""')


# ---- the whole run, as a person reads it ------------------------------------------------------------------


def problems(databases, roles):
    """Sentences for what is left to do (each a warning of the module)."""
    found = []
    for result in databases:
        where = 'database "%s"' % result['database']
        for entry in result.get('sequences') or []:
            if entry['state'] == 'missing_on_target':
                found.append('%s sequence "%s" is missing on the target' % (where, entry['sequence']))
            elif entry['state'] == 'behind':
                found.append('%s sequence "%s" is at %s on the target, behind the source (%s); not fixed (fix_sequences '
                             'is false)' % (where, entry['sequence'], verify_objects.sequence_value_text(entry['target_before']),
                                            entry['source_value']))
        statistics = result.get('statistics') or {}
        if statistics.get('not_analyzed'):
            found.append('%s: ANALYZE skipped %d table(s) (%s): the target user may analyse only tables it owns (or, on '
                         'PostgreSQL 17 and later, with pg_maintain); analyse them as their owner'
                         % (where, len(statistics['not_analyzed']), ', '.join(statistics['not_analyzed'])))
    for entry in (roles or {}).get('needs_password') or []:
        found.append('login role "%s": %s' % (entry['role'], entry['action']))
    return found


def summarize(databases, roles, check_mode=False):
    """One line: sequences set, tables analysed, roles to attend to."""
    verb = 'would be ' if check_mode else ''
    sequences = [e for r in databases for e in r.get('sequences') or []]
    fixed = sum(1 for e in sequences if e['state'] in ('fixed', 'would_fix'))
    behind = sum(1 for e in sequences if e['state'] in ('behind', 'missing_on_target'))
    statistics = [r.get('statistics') or {} for r in databases]
    analyzed = sum(len(s.get('to_analyze' if check_mode else 'analyzed') or []) for s in statistics)
    parts = ['%d database(s): %d sequence(s) checked, %d %sset forward' % (len(databases), len(sequences), fixed, verb)]
    if behind:
        parts.append('%d still behind or missing' % behind)
    parts.append('%d table(s) %sanalysed' % (analyzed, verb))
    if roles is not None:
        parts.append('%d login role(s) need a password on the target' % len(roles['needs_password']))
    return ', '.join(parts)


# ---- reading and writing both sides ------------------------------------------------------------------------


def finalize_database(source_endpoint, target_endpoint, database, fix_sequences=True, analyze='missing',
                      check_mode=False, roles=False, connect=None):
    """Sequences and statistics of one database (and, with roles, the login roles: they are server-wide, so the
    caller asks for them once). Returns (result, roles result or None); verify.VerifyError when a side cannot be
    read or written, verify.DatabaseMissing when the database is missing on a side."""
    source = verify.SideSession(source_endpoint, database, connect or psycopg.connect)
    target = verify.SideSession(target_endpoint, database, connect or psycopg.connect)
    try:
        source_conn = source.open_plain()
        target_conn = target.open_plain()
        with source.errors('reading the sequences of'):
            with source_conn.cursor() as cur:
                source_sequences = verify_objects.read_sequences(cur)
                source_roles = read_source_login_roles(cur) if roles else None
        with target.errors('finishing'):
            with target_conn.cursor() as cur:
                sequences = _sequences(cur, source_sequences, fix_sequences, check_mode)
                statistics = _statistics(cur, analyze, check_mode)
                role_result = None
                if roles:
                    present, passwords, encryption = read_target_roles(cur, source_roles)
                    role_result = role_outcome(source_roles, present, passwords, encryption, target_endpoint.user)
    finally:
        source.close()
        target.close()
    return {'database': database, 'sequences': sequences, 'statistics': statistics}, role_result


def _sequences(cur, source_sequences, fix, check_mode):
    entries = sequence_plan(source_sequences, verify_objects.read_sequences(cur))
    for entry in entries:
        if entry['state'] != 'behind' or not fix:
            continue
        if check_mode:
            entry['state'] = 'would_fix'
        else:
            entry['target_after'] = set_sequence(cur, entry['sequence'], entry['source_value'],
                                                 source_sequences[entry['sequence']][1])
            entry['state'] = 'fixed'
    return entries


def _statistics(cur, mode, check_mode):
    before = read_statistics(cur)
    asked = tables_to_analyze(before, mode)
    ran = bool(asked) and not check_mode
    if ran:
        for name in asked:
            analyze_table(cur, name)
    return statistics_outcome(mode, before, read_statistics(cur) if ran else before, asked, ran)


def diff(databases, check_mode=False):
    """before/after text: each sequence set forward and each database's ANALYZE (what check mode would do)."""
    before, after = [], []
    for result in databases:
        database = result['database']
        for entry in result['sequences']:
            if entry['state'] in ('fixed', 'would_fix'):
                value = verify_objects.sequence_value_text(entry['target_before'])
                before.append('%s: sequence %s last value %s' % (database, entry['sequence'], value))
                after.append('%s: SELECT setval(%s, %s)' % (database, entry['sequence'], entry['target_after']))
        statistics = result['statistics']
        tables = statistics['to_analyze'] if check_mode else statistics['analyzed']
        if tables:
            before.append('%s: %d table(s) never analysed' % (database, len(statistics['never_analyzed_before'])))
            after.append('%s: ANALYZE %s' % (database, ', '.join(tables)))
    return {'before': '\n'.join(before) + ('\n' if before else ''), 'after': '\n'.join(after) + ('\n' if after else '')}
