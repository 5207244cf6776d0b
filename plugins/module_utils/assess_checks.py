# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every check of the readiness assessment, as data: one table, one row per check.

Each row says how bad a failed check is, what it reads, the finding's text, what to do, the service's error code
when the migration would fail with one, and where the rule comes from (the seed of the project or a Microsoft
document). docs/assess.md is written from this table; assess_rules.py evaluates it.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from collections import namedtuple

BLOCKER = 'blocker'
WARNING = 'warning'
INFO = 'info'
SEVERITIES = (BLOCKER, WARNING, INFO)

DOCS = 'https://learn.microsoft.com/en-us/azure/postgresql/'
KNOWN_ISSUES = DOCS + 'migrate/migration-service/concepts-known-issues-migration-service'
BEST_PRACTICES = DOCS + 'migrate/migration-service/best-practices-migration-service-postgresql'
ERROR_CODES = DOCS + 'migrate/migration-service/troubleshoot-error-codes'
EXTENSIONS = DOCS + 'extensions/how-to-allow-extensions'
MIGRATION_PARAMETERS = DOCS + 'server-parameters/param-migration'
SEED = 'seed (issue 22 of pgflex.migration)'

# severity: what a failed check is; online_only: a blocker for online migrations, information for offline ones.
Check = namedtuple('Check', 'severity reads finding fix source error_code online_only')


def _check(severity, reads, finding, fix, source, error_code=None, online_only=False):
    return Check(severity, reads, finding, fix, source, error_code, online_only)


CHECKS = {
    # ---- the source server --------------------------------------------------------------------------------
    'source_connection': _check(
        BLOCKER, 'a PostgreSQL connection to the source',
        'Could not connect to the source server: {error}. No source check ran.',
        'Check source_host, source_port, source_username and the password, and that the source accepts connections '
        'from this host (pg_hba.conf, firewall).', KNOWN_ISSUES, '603000'),
    'source_version': _check(
        BLOCKER, 'source: server_version_num',
        'The source runs PostgreSQL {version}; the migration service needs 9.5 or newer.',
        'Upgrade the source server to PostgreSQL 9.5 or newer first.', KNOWN_ISSUES),
    'target_version': _check(
        BLOCKER, 'source: server_version_num; target: the server GET (properties.version)',
        'The target runs PostgreSQL {target} but the source runs {source}; migrating to an older major version is not '
        'supported.', 'Use a target server of major version {source} or newer (upgrade the target\'s major version).',
        KNOWN_ISSUES),
    'wal_level': _check(
        BLOCKER, 'source: wal_level',
        'wal_level is {wal_level} on the source; an online migration needs logical.',
        'Set wal_level = logical on the source and restart it (for a Single Server source, let the migration do it with '
        'setup_logical_replication), or migrate offline.', KNOWN_ISSUES, '603107', online_only=True),
    'wal_level_setup': _check(
        WARNING, 'source: wal_level',
        'wal_level is {wal_level} on the source; with setup_logical_replication the migration sets it to logical and '
        'restarts the source server.',
        'Plan for the restart of the source at the start of the migration, or set wal_level = logical yourself and '
        'restart the source at a time of your choosing.', KNOWN_ISSUES, online_only=True),
    'replication_slots': _check(
        BLOCKER, 'source: max_replication_slots, pg_replication_slots',
        'The source has {free} free replication slot(s) (max_replication_slots {max}, {used} in use); an online migration '
        'of {needed} database(s) needs one per database.',
        'Raise max_replication_slots on the source to at least {wanted} and restart it, or drop unused slots.',
        KNOWN_ISSUES, online_only=True),
    'wal_senders': _check(
        BLOCKER, 'source: max_wal_senders, pg_stat_replication',
        'The source has {free} free WAL sender(s) (max_wal_senders {max}, {used} in use); an online migration of {needed} '
        'database(s) needs one per database.',
        'Raise max_wal_senders on the source to at least {wanted} and restart it.', KNOWN_ISSUES, online_only=True),
    'source_user_replication': _check(
        BLOCKER, 'source: pg_roles (rolreplication, rolsuper) of the source user',
        'The source user {user} has no REPLICATION attribute; an online migration reads changes through logical '
        'replication.', 'ALTER ROLE {user} WITH REPLICATION on the source (as a superuser).', SEED,
        online_only=True),
    'database_count': _check(
        INFO, 'source: pg_database',
        '{count} databases to migrate: the migration role copies them in {batches} migrations of at most {batch} '
        'databases, one after another (one active migration per target server; the API takes at most {api_limit} '
        'databases in one migration).', 'Nothing to do; plan for the batches one after another.', SEED),
    'storage': _check(
        BLOCKER, 'source: pg_database_size of each database; target: the server GET (properties.storage.storageSizeGB)',
        'The databases take {size_gb} GB on the source but the target has only {storage_gb} GB of storage.',
        'Grow the target\'s storage to at least {wanted_gb} GB (1.25 times the source) or turn on storage autogrow.',
        BEST_PRACTICES),
    'storage_headroom': _check(
        WARNING, 'source: pg_database_size of each database; target: the server GET (properties.storage.storageSizeGB)',
        'The databases take {size_gb} GB and the target has {storage_gb} GB: less than the 1.25 times the source that '
        'the copy\'s write-ahead log needs.',
        'Grow the target\'s storage to at least {wanted_gb} GB or turn on storage autogrow.', BEST_PRACTICES),
    'estimate': _check(
        INFO, 'source: pg_database_size of each database',
        'Estimated copy time {duration} for {size_gb} GB (an estimate from Microsoft\'s benchmark on a '
        'Standard_D4ds_v4 target; a bigger target SKU is faster, a test migration gives the real figure).',
        'Nothing to do; plan the migration window with it.', BEST_PRACTICES),
    'recommended_mode': _check(
        INFO, 'the other findings and the estimate', 'Recommended migration mode: {mode} ({why}).',
        'Nothing to do.', SEED),
    # ---- the target server --------------------------------------------------------------------------------
    'target_connection': _check(
        WARNING, 'a PostgreSQL connection to the target',
        'Could not connect to the target server: {error}. The target user, collation and existing-database checks did '
        'not run.', 'Check target_host, target_port, target_username and the password, and the target\'s firewall rules '
        'for this host.', SEED),
    'target_not_read': _check(
        INFO, 'nothing (no target_username)',
        'The target server was not read over PostgreSQL (no target_username); the target user, collation and '
        'existing-database checks did not run.', 'Give target_username and target_password to run them.', SEED),
    'target_admin': _check(
        BLOCKER, 'target: pg_has_role(user, azure_pg_admin), rolsuper',
        'The target user {user} is not a member of azure_pg_admin.',
        'Use the server\'s administrator login, or GRANT azure_pg_admin TO {user} as the administrator.', SEED),
    'target_role_attributes': _check(
        BLOCKER, 'target: pg_roles (rolcreaterole, rolcreatedb) of the target user',
        'The target user {user} lacks {missing}; the migration creates the databases (and roles) on the target.',
        'ALTER ROLE {user} WITH {missing} as the administrator, or use the administrator login.', SEED),
    'target_monitoring_roles': _check(
        WARNING, 'target: pg_has_role(user, pg_read_all_settings / pg_read_all_stats / pg_stat_scan_tables)',
        'The target user {user} is not a member of {missing}.',
        'GRANT {missing} TO {user} as the administrator.', SEED),
    # ---- each database ------------------------------------------------------------------------------------
    'database_missing': _check(
        BLOCKER, 'source: pg_database', 'The database does not exist on the source.',
        'Remove it from the list of databases, or check its spelling.', ERROR_CODES, '603102'),
    'system_database': _check(
        BLOCKER, 'the list of databases', '{database} is a system database; the service migrates user databases only.',
        'Remove it from the list of databases.', KNOWN_ISSUES),
    'database_not_read': _check(
        WARNING, 'a PostgreSQL connection to the database on the source',
        'Could not read the database on the source: {error}. Its checks did not run.',
        'Grant the source user CONNECT on the database and SELECT on its tables.', SEED),
    'extension_not_allowed': _check(
        BLOCKER, 'source: pg_extension; target: the azure.extensions server parameter',
        'The database uses extension(s) {extensions}, not on the target\'s allow-list (azure.extensions).',
        'Add {extensions} to the target\'s server parameter azure.extensions (az postgres flexible-server parameter set '
        '--name azure.extensions --value "<current list>,{extensions}"), or drop them on the source.',
        EXTENSIONS, '603108'),
    'extension_needs_preload': _check(
        WARNING, 'source: pg_extension; target: the shared_preload_libraries server parameter',
        'The database uses extension(s) {extensions}, which must be loaded at server start, but the target\'s '
        'shared_preload_libraries lacks them.',
        'Add {extensions} to the target\'s server parameter shared_preload_libraries (the server restarts).',
        EXTENSIONS),
    'user_collations': _check(
        BLOCKER, 'source: pg_collation outside pg_catalog',
        'The database has user-defined collation(s) {collations}; they cannot be migrated.',
        'Drop them on the source (use a built-in collation instead) before the migration.', KNOWN_ISSUES),
    'collation_on_target': _check(
        BLOCKER, 'source: pg_database (encoding, datcollate); target: pg_collation, pg_database',
        'The database uses collation {collate} (encoding {encoding}), which the target server does not offer.',
        'Change the database\'s collation on the source to one the target offers (for example en_US.utf8 or C.UTF-8).',
        KNOWN_ISSUES),
    'target_database_exists': _check(
        WARNING, 'target: pg_database', 'A database of this name already exists on the target.',
        'Drop it on the target, or let the migration replace it (overwrite_databases: true).', SEED),
    'source_user_read': _check(
        BLOCKER, 'source: has_table_privilege(SELECT) of the source user on each table',
        'The source user {user} cannot read {count} table(s): {tables}.',
        'GRANT SELECT ON those tables TO {user} (or use an owner or superuser login).', SEED),
    'replica_identity': _check(
        WARNING, 'source: pg_class.relreplident and primary keys',
        '{count} table(s) have neither a primary key nor a replica identity: {tables}. Changes to them cannot be '
        'replicated during an online migration.',
        'Add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL, on each before an online migration.',
        KNOWN_ISSUES, online_only=True),
    'large_objects': _check(
        WARNING, 'source: pg_largeobject_metadata',
        'The database holds {count} large object(s); they are copied one by one, which can dominate the copy time.',
        'Expect a longer copy; or set the target\'s azure.migration_skip_large_objects = on to skip them and move them '
        'separately.', MIGRATION_PARAMETERS),
    'unlogged_tables': _check(
        WARNING, 'source: pg_class.relpersistence',
        '{count} unlogged table(s): {tables}. They are not written to the write-ahead log, so an online migration '
        'cannot replicate changes to them.',
        'ALTER TABLE ... SET LOGGED before an online migration, or accept that they keep the state of the initial '
        'copy.', KNOWN_ISSUES, online_only=True),
}

# Extensions that only work once listed in shared_preload_libraries (Microsoft's extension documentation).
PRELOAD_EXTENSIONS = ('age', 'auto_explain', 'pg_cron', 'pg_hint_plan', 'pg_partman_bgw', 'pg_prewarm',
                      'pg_squeeze', 'pg_stat_statements', 'pgaudit', 'pglogical', 'timescaledb', 'wal2json')
SYSTEM_DATABASES = ('postgres', 'template0', 'template1', 'azure_maintenance', 'azure_sys')
MIN_SOURCE_VERSION_NUM = 90500
API_DATABASE_LIMIT = 50   # dbsToMigrate items per migration in the API's schema
ROLE_BATCH_SIZE = 8       # what the migrate role puts in one migration
STORAGE_FACTOR = 1.25     # Microsoft's rule of thumb: target storage >= 1.25 x the source's databases
# Microsoft's benchmark (best practices page): database size in GB -> minutes on a Standard_D4ds_v4 target.
BENCHMARK_MINUTES = ((1, 1), (5, 3), (10, 8), (50, 35), (100, 60), (500, 240), (1000, 420))
NAMES_SHOWN = 10          # tables named in one finding; the rest are counted


def finding(check, server=None, database=None, online=False, names=None, **values):
    """One finding: where (server, database), the check, its severity for this mode, message, fix and source.

    names: the names the finding is about (extensions, tables, collations, roles), so that a fleet's findings can be
    grouped by them (the readiness report) and turned into preparation (pg_flexible_migration_prepare)."""
    row = CHECKS[check]
    severity = row.severity
    message = row.finding.format(database=database, **values)
    if row.online_only and not online:
        severity = INFO
        message = 'For an online migration: ' + message
    result = {'server': server, 'database': database, 'check': check, 'severity': severity, 'message': message,
              'fix': row.fix.format(database=database, **values), 'source': row.source, 'names': list(names or [])}
    if row.error_code:
        result['error_code'] = row.error_code
    return result


def names_text(names):
    """Up to NAMES_SHOWN names, then how many more."""
    names = list(names)
    shown = ', '.join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += ' and %d more' % (len(names) - NAMES_SHOWN)
    return shown


def markdown_table():
    """The table as docs/assess.md shows it (a unit test keeps the page equal to this)."""
    lines = ['| Check | Severity | Reads | Finding | What to do | Source |', '|---|---|---|---|---|---|']
    for name, row in CHECKS.items():
        severity = row.severity + (' (online; info offline)' if row.online_only else '')
        if row.error_code:
            severity += ', code %s' % row.error_code
        source = row.source
        if source.startswith('https://'):
            source = '[%s](%s)' % (source.rstrip('/').split('/')[-1], source)
        cells = [text.replace('|', '\\|') for text in (row.reads, row.finding, row.fix)]
        lines.append('| `%s` | %s | %s | %s | %s | %s |' % (name, severity, cells[0], cells[1], cells[2], source))
    return '\n'.join(lines) + '\n'
