"""The real work behind the API: validation against PostgreSQL, offline and online copies, waits, cancel."""

import os

import pytest

from emulator.sample_data import BAD_DATABASE, GOOD_DATABASES

from .conftest import OLD_SERVER, RESOURCE_GROUP, migration_body, state, substate, wait_for, wait_terminal

TABLES_SQL = ("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON "
              "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")


def fingerprint(cluster, dbname):
    """{table: 'rows:md5'} for every user table."""
    result = {}
    for table in cluster.psql(TABLES_SQL, dbname=dbname).split():
        result[table] = cluster.psql("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                                     'FROM %s t' % table, dbname=dbname)
    return result


def drop_target_dbs(target, names):
    for name in names:
        target.psql('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


def details(migration):
    return migration['properties']['currentStatus']['currentSubStateDetails']


def validation_messages(migration):
    found = []
    validation = details(migration)['validationDetails']
    for item in validation['serverLevelValidationDetails']:
        found += [(item['type'], m['message']) for m in item.get('messages', [])]
    for db in validation['dbLevelValidationDetails']:
        for item in db['summary']:
            found += [(item['type'], m['message']) for m in item.get('messages', [])]
    return found


def test_offline_migration_of_three_databases_copies_everything(client, server, source, target):
    drop_target_dbs(target, GOOD_DATABASES)
    body = migration_body(source, target, GOOD_DATABASES, migrationOption='ValidateAndMigrate', sslMode='VerifyFull', migrateRoles='True')
    client.migrations.create(RESOURCE_GROUP, server, 'full', body)
    done = wait_terminal(client, server, 'full')
    assert state(done) == 'Succeeded', done['properties']['currentStatus']
    for name in GOOD_DATABASES:
        entry = details(done)['dbDetails'][name]
        assert entry['migrationState'] == 'Succeeded'
        expected = fingerprint(source, name)
        assert entry['fullLoadCompletedTables'] == len(expected) and entry['fullLoadQueuedTables'] == 0
        assert fingerprint(target, name) == expected
    assert target.psql("SELECT count(*) FROM pg_roles WHERE rolname IN ('app_owner', 'app_reader')") == '2'
    assert target.psql("SELECT nextval('sales.invoice_no') > 100000", dbname='shop') == 't'


@pytest.mark.parametrize('case', ['bad-password', 'unsupported-extension', 'newer-source', 'target-db-exists', 'missing-db',
                                  'verify-full-needs-tls-trust', 'user-collation'])
def test_validation_failures(client, server, source, target, case):
    dbs, props, srv = ['shop'], {'migrationOption': 'ValidateAndMigrate', 'overwriteDbsInTarget': 'False'}, server
    body = migration_body(source, target, dbs, **props)
    expect_type, expect_text = {
        'bad-password': ('AuthenticationAndConnectivityValidation', 'password authentication failed'),
        'unsupported-extension': ('ExtensionsValidation', 'postgres_fdw'),
        'newer-source': ('SourceVersionValidation', 'newer than the target'),
        'target-db-exists': ('SchemaValidation', 'already exists on the target'),
        'missing-db': ('SchemaValidation', 'does not exist on the source'),
        'verify-full-needs-tls-trust': ('AuthenticationAndConnectivityValidation', 'Unable to connect'),
        'user-collation': ('CollationsValidation', 'User defined Collations'),
    }[case]
    if case == 'bad-password':
        body['properties']['secretParameters']['adminCredentials']['sourceServerPassword'] = 'wrong-password'
    elif case == 'unsupported-extension':
        body['properties']['dbsToMigrate'] = [BAD_DATABASE]
    elif case == 'newer-source':
        srv = OLD_SERVER
    elif case == 'target-db-exists':
        target.psql('CREATE DATABASE shop') if target.psql("SELECT count(*) FROM pg_database WHERE datname = 'shop'") == '0' else None
    elif case == 'missing-db':
        body['properties']['dbsToMigrate'] = ['nosuchdb']
    elif case == 'verify-full-needs-tls-trust':
        body['properties']['sslMode'] = 'VerifyFull'
        body['properties']['sourceDbServerResourceId'] = 'localhost:%d@postgres' % target.port  # target has no TLS
    elif case == 'user-collation':
        if source.psql("SELECT count(*) FROM pg_database WHERE datname = 'collated'") == '0':
            source.psql('CREATE DATABASE collated')
            source.psql('CREATE COLLATION public.legacy_sort FROM "C"', dbname='collated')
        body['properties']['dbsToMigrate'] = ['collated']
    name = 'fail-%s' % case
    client.migrations.create(RESOURCE_GROUP, srv, name, body)
    done = wait_terminal(client, srv, name)
    assert state(done) == 'ValidationFailed' and substate(done) == 'Completed'
    assert details(done)['validationDetails']['status'] == 'Failed'
    messages = validation_messages(done)
    assert any(t == expect_type and expect_text in m for t, m in messages), messages
    assert details(done)['dbDetails'] == {}
    assert source.password not in str(done)


def test_migrate_without_validation_fails_in_service_style(client, server, source, target):
    body = migration_body(source, target, [BAD_DATABASE], overwriteDbsInTarget='True')
    client.migrations.create(RESOURCE_GROUP, server, 'nocheck', body)
    done = wait_terminal(client, server, 'nocheck')
    assert state(done) == 'Failed'
    assert done['properties']['currentStatus']['error'].startswith(BAD_DATABASE + ': 603108: Extensions allowlist required. '
                                                                   'Unsupported Extension')
    entry = details(done)['dbDetails'][BAD_DATABASE]
    assert entry['migrationState'] == 'Failed' and 'postgres_fdw' in entry['message']


def test_unreachable_source_fails_with_the_connection_code(client, server, source, target):
    body = migration_body(source, target, ['shop'])
    body['properties']['sourceDbServerResourceId'] = '127.0.0.1:1@postgres'
    client.migrations.create(RESOURCE_GROUP, server, 'unreachable', body)
    done = wait_terminal(client, server, 'unreachable')
    assert state(done) == 'Failed' and done['properties']['currentStatus']['error'].startswith('603000: Connection failed. ')
    assert 'targetDbServerMetadata' not in done['properties']  # failed in its prerequisite steps, as recorded


def test_overwrite_confirmation_wait_is_released_by_patch(client, server, source, target):
    if target.psql("SELECT count(*) FROM pg_database WHERE datname = 'hr'") == '0':
        target.psql('CREATE DATABASE hr')
    client.migrations.create(RESOURCE_GROUP, server, 'confirm', migration_body(source, target, ['hr'], overwriteDbsInTarget='False'))
    waiting = wait_for(client, server, 'confirm', lambda m: substate(m) == 'WaitingForTargetDBOverwriteConfirmation')
    assert state(waiting) == 'WaitingForUserAction'
    client.migrations.update(RESOURCE_GROUP, server, 'confirm', {'properties': {'overwriteDbsInTarget': 'True'}})
    done = wait_terminal(client, server, 'confirm')
    assert state(done) == 'Succeeded'
    assert fingerprint(target, 'hr') == fingerprint(source, 'hr')


def _children(pid):
    """Command names of the live descendants of a process (from /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        kids = []
        try:
            tasks = os.listdir('/proc/%d/task' % current)
        except OSError:
            tasks = []
        for task in tasks:  # children started by any thread of the process
            try:
                with open('/proc/%d/task/%s/children' % (current, task), encoding='ascii') as handle:
                    kids += [int(k) for k in handle.read().split()]
            except OSError:
                continue
        for kid in kids:
            try:
                with open('/proc/%d/comm' % kid, encoding='ascii') as handle:
                    found.append(handle.read().strip())
            except OSError:
                continue
            todo.append(kid)
    return found


def test_cancel_mid_copy_kills_the_copy(client, server, source, target, emu):
    emu.settings(copy_rate_bytes_per_second=200000)
    try:
        body = migration_body(source, target, ['analytics', 'shop'], overwriteDbsInTarget='True')
        client.migrations.create(RESOURCE_GROUP, server, 'cancelme', body)
        wait_for(client, server, 'cancelme', lambda m: substate(m) == 'MigratingData' and details(m)['dbDetails'].get(
            'analytics', {}).get('fullLoadLoadingTables') == 1)
        assert {'pg_dump', 'pg_restore'} <= set(_children(emu.process.pid))
        cancelled = client.migrations.cancel(RESOURCE_GROUP, server, 'cancelme').as_dict()
        assert substate(cancelled) == 'CancelingRequestedDBMigrations'
        done = wait_terminal(client, server, 'cancelme')
    finally:
        emu.settings(copy_rate_bytes_per_second=0)
    assert state(done) == 'Canceled' and substate(done) == 'Completed'
    assert {e['migrationState'] for e in details(done)['dbDetails'].values()} == {'Canceled'}
    assert not {'pg_dump', 'pg_restore'} & set(_children(emu.process.pid))
    assert 'pgflex-emulator-migration' not in source.psql('SELECT string_agg(application_name, \',\') FROM pg_stat_activity')


def test_per_database_cancel(client, server, source, target, emu):
    emu.settings(copy_rate_bytes_per_second=200000)
    try:
        body = migration_body(source, target, ['analytics', 'hr'], overwriteDbsInTarget='True')
        client.migrations.create(RESOURCE_GROUP, server, 'partial', body)
        wait_for(client, server, 'partial', lambda m: details(m)['dbDetails'].get('analytics', {}).get('fullLoadLoadingTables') == 1)
        client.migrations.update(RESOURCE_GROUP, server, 'partial',
                                 {'properties': {'cancel': 'True', 'dbsToCancelMigrationOn': ['analytics']}})
    finally:
        emu.settings(copy_rate_bytes_per_second=0)
    done = wait_terminal(client, server, 'partial')
    assert details(done)['dbDetails']['analytics']['migrationState'] == 'Canceled'
    assert details(done)['dbDetails']['hr']['migrationState'] == 'Succeeded'
    assert state(done) == 'Succeeded'


def test_dbs_to_migrate_wait(client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'nodbs', migration_body(source, target, [], overwriteDbsInTarget='True'))
    waiting = wait_for(client, server, 'nodbs', lambda m: substate(m) == 'WaitingForDBsToMigrateSpecification')
    assert state(waiting) == 'WaitingForUserAction'
    client.migrations.update(RESOURCE_GROUP, server, 'nodbs', {'properties': {'dbsToMigrate': ['hr']}})
    assert state(wait_terminal(client, server, 'nodbs')) == 'Succeeded'


def test_data_path_env_never_carries_passwords_on_command_lines():
    """Passwords reach pg_dump/pg_restore through PGPASSWORD only (a ps listing must never show them)."""
    from emulator.endpoints import Endpoint
    endpoint = Endpoint('source', 'h', 1, 'u', 'secret-value')
    assert 'secret-value' not in str(endpoint.kwargs()['host']) and endpoint.env()['PGPASSWORD'] == 'secret-value'
    assert os.environ.get('PGPASSWORD') is None or 'PGPASSWORD' in endpoint.env()


def test_migration_window_wait_and_start_now(client, server, source, target):
    body = migration_body(source, target, ['hr'], migrationWindowStartTimeInUtc='2999-01-01T00:00:00Z')
    client.migrations.create(RESOURCE_GROUP, server, 'window', body)
    waiting = wait_for(client, server, 'window', lambda m: substate(m) == 'WaitingForDataMigrationWindow')
    assert state(waiting) == 'InProgress'
    client.migrations.update(RESOURCE_GROUP, server, 'window', {'properties': {'startDataMigration': 'True'}})
    assert state(wait_terminal(client, server, 'window')) == 'Succeeded'


def test_migration_window_opens_by_itself_scaled_by_speed(client, server, source, target, emu):
    """A window an hour ahead at speed 1200 opens 3 s after the create; the data copy never starts before that."""
    import datetime
    from emulator.bodies import parse_time
    drop_target_dbs(target, ['hr'])
    before = emu.settings()
    emu.settings(speed_factor=1200)
    try:
        opens = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        body = migration_body(source, target, ['hr'], migrationWindowStartTimeInUtc=opens.strftime('%Y-%m-%dT%H:%M:%SZ'))
        created = datetime.datetime.now(datetime.timezone.utc)
        client.migrations.create(RESOURCE_GROUP, server, 'window-opens', body)
        done = wait_terminal(client, server, 'window-opens')
    finally:
        emu.settings(speed_factor=before['speed_factor'])
    assert state(done) == 'Succeeded'
    assert 'startDataMigration' not in done['properties']
    started = parse_time(details(done)['dbDetails']['hr']['startedOn'], 'startedOn')
    assert (started - created).total_seconds() >= 3600 / 1200 - 1  # startedOn has whole seconds
