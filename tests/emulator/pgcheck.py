"""Real pre-migration validation against PostgreSQL, reported in the API's validationDetails shape."""

import psycopg

from .resources import iso, utcnow

MIN_SOURCE = (9, 5)
SYSTEM_DATABASES = ('postgres', 'template0', 'template1', 'azure_maintenance', 'azure_sys')
NO_IDENTITY_SQL = (
    "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%%' AND c.relreplident IN ('d', 'n') "
    "AND (c.relreplident = 'n' OR NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) "
    'ORDER BY 1')


def _item(kind, state, messages=()):
    item = {'type': kind, 'state': state}
    if messages:  # the service omits `messages` when there is nothing to say
        item['messages'] = [{'state': state, 'message': m} for m in messages]
    return item


def overall(items):
    states = [item['state'] for item in items]
    return 'Failed' if 'Failed' in states else 'Warning' if 'Warning' in states else 'Succeeded'


def connect(endpoint, dbname='postgres'):
    return psycopg.connect(autocommit=True, **endpoint.kwargs(dbname))


def connect_error(endpoint, exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return "Unable to connect to the %s server '%s' as user '%s': %s" % (endpoint.role, endpoint.label, endpoint.user, text)


def server_version(conn):
    number = int(conn.execute('SHOW server_version_num').fetchone()[0])
    return (number // 10000, number % 10000 // 100) if number < 100000 else (number // 10000, 0)


def _version_text(version):
    return '%d' % version[0] if version[0] >= 10 else '%d.%d' % version


def database_names(conn):
    return [row[0] for row in conn.execute('SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname')]


def tables_without_identity(conn):
    """Tables whose UPDATE/DELETE cannot be replicated (no primary key and no replica identity)."""
    return [row[0] for row in conn.execute(NO_IDENTITY_SQL)]


def db_facts(conn):
    """Extensions and user-defined collations of one database."""
    extensions = [row[0] for row in conn.execute('SELECT extname FROM pg_extension ORDER BY extname')]
    collations = [row[0] for row in conn.execute(
        "SELECT c.collname FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]
    return extensions, collations


def _identity_item(name, tables):
    """Online mode replicates UPDATE and DELETE only for tables with a primary key or a replica identity."""
    if not tables:
        return _item('ReplicaIdentityValidation', 'Succeeded')
    return _item('ReplicaIdentityValidation', 'Warning', [
        'Tables without a primary key or replica identity in database %s: %s. Online migration copies them, but once '
        'replication starts UPDATE and DELETE on them fail on the source and are not replicated. Add a primary key or run '
        'ALTER TABLE ... REPLICA IDENTITY FULL on the source before the migration.' % (name, ', '.join(tables))])


class Validator:
    """Runs the checks for one migration; `run()` returns the validationDetails object."""

    def __init__(self, migration, source, source_problem, target):
        self.migration = migration
        self.source = source
        self.source_problem = source_problem
        self.target = target

    def run(self):
        started = utcnow()
        server_items, db_items, source_version = self._checks(started)
        details = {
            'status': overall(server_items + [s for d in db_items for s in d['summary']]),
            'validationStartTimeInUtc': iso(started), 'validationEndTimeInUtc': iso(utcnow()),
            'serverLevelValidationDetails': server_items, 'dbLevelValidationDetails': db_items,
        }
        return details, source_version

    def _checks(self, started):
        problems = []
        source_conn = target_conn = None
        if self.source is None:
            problems.append(self.source_problem)
        else:
            try:
                source_conn = connect(self.source)
            except psycopg.Error as exc:
                problems.append(connect_error(self.source, exc))
        try:
            target_conn = connect(self.target)
        except psycopg.Error as exc:
            problems.append(connect_error(self.target, exc))
        try:
            if problems:
                return [_item('AuthenticationAndConnectivityValidation', 'Failed', problems)], [], None
            items = [_item('AuthenticationAndConnectivityValidation', 'Succeeded')]
            version = server_version(source_conn)
            items.append(self._version_item(version))
            items.append(self._parameters_item(source_conn))
            db_items = [self._database(source_conn, target_conn, name, started) for name in self.migration.dbs]
            return items, db_items, _version_text(version)
        finally:
            for conn in (source_conn, target_conn):
                if conn is not None:
                    conn.close()

    def _version_item(self, version):
        target_major = int(self.migration.server.version)
        if version < MIN_SOURCE:
            return _item('SourceVersionValidation', 'Failed', ['Source server version %s is not supported; the migration service '
                                                               'supports PostgreSQL 9.5 and newer.' % _version_text(version)])
        if version[0] > target_major:
            return _item('SourceVersionValidation', 'Failed', [
                'Source server version %s is newer than the target server version %d. Migration to a lower major version is not '
                'supported; upgrade the target server first.' % (_version_text(version), target_major)])
        return _item('SourceVersionValidation', 'Succeeded')

    def _parameters_item(self, conn):
        if self.migration.props.get('migrationMode') != 'Online':
            return _item('ServerParametersValidation', 'Succeeded')
        wal_level = conn.execute('SHOW wal_level').fetchone()[0]
        if wal_level != 'logical':
            if self.migration.props.get('setupLogicalReplicationOnSourceDbIfNeeded') == 'True':
                return _item('ServerParametersValidation', 'Warning', [
                    "Source server parameter 'wal_level' is '%s'; online migration needs 'logical'. The migration sets it to "
                    "'logical' and restarts the source server before copying data." % wal_level])
            return _item('ServerParametersValidation', 'Failed', [
                "Source server parameter 'wal_level' is '%s'; online migration needs 'logical'. Set "
                "setupLogicalReplicationOnSourceDbIfNeeded to 'True' (the migration then sets it and restarts the source "
                "server) or set wal_level = logical on the source and restart it." % wal_level])
        return _item('ServerParametersValidation', 'Succeeded')

    def _database(self, source_conn, target_conn, name, started):
        summary = []
        if name in SYSTEM_DATABASES:
            summary.append(_item('SchemaValidation', 'Failed', ["Database '%s' is a system database and cannot be migrated." % name]))
        elif name not in database_names(source_conn):
            summary.append(_item('SchemaValidation', 'Failed', ["Database '%s' does not exist on the source server." % name]))
        else:
            summary.append(self._target_db_item(target_conn, name))
            online = self.migration.props.get('migrationMode') == 'Online'
            try:
                with connect(self.source, name) as conn:
                    extensions, collations = db_facts(conn)
                    unreplicable = tables_without_identity(conn) if online else []
            except psycopg.Error as exc:
                summary.append(_item('ExtensionsValidation', 'Failed', [connect_error(self.source, exc)]))
            else:
                if online:
                    summary.append(_identity_item(name, unreplicable))
                summary.append(self._extensions_item(extensions))
                summary.append(_item('CollationsValidation', 'Failed', [
                    'Collation/Encoding not Supported Error: User defined Collations are present in database %s: %s. Please drop '
                    'them on the source and retry.' % (name, ', '.join(collations))]) if collations
                    else _item('CollationsValidation', 'Succeeded'))
        return {'databaseName': name, 'startedOn': iso(started), 'endedOn': iso(utcnow()), 'summary': summary}

    def _target_db_item(self, target_conn, name):
        if name in database_names(target_conn) and self.migration.props.get('overwriteDbsInTarget') != 'True':
            return _item('SchemaValidation', 'Failed', [
                "Database '%s' already exists on the target server. Set overwriteDbsInTarget to 'True' to replace it, or drop it "
                'on the target.' % name])
        return _item('SchemaValidation', 'Succeeded')

    def _extensions_item(self, extensions):
        allowed = set(self.migration.server.extensions) | {'plpgsql'}
        bad = [e for e in extensions if e.lower() not in allowed]
        if bad:
            return _item('ExtensionsValidation', 'Failed', [
                'Unsupported Extension. Following extensions are not allow-listed on the target server: %s. Add them to the '
                "server parameter 'azure.extensions' or drop them on the source." % ', '.join(bad)])
        return _item('ExtensionsValidation', 'Succeeded')
