"""Online migrations: real logical replication from the source to the target, the counters it reports, per-database
and whole cutover, the refusal of an early cutover, cancel cleanup, and the source prerequisites (wal_level, tables
without a primary key)."""

import pytest

from pgcluster import PgCluster

from .conftest import RESOURCE_GROUP, migration_body, state, substate, wait_for, wait_terminal

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app.items (item_id serial PRIMARY KEY, label text NOT NULL, qty int NOT NULL DEFAULT 0);
CREATE SEQUENCE app.ticket_no START 5000;
INSERT INTO app.items (label, qty) SELECT 'item ' || g, g FROM generate_series(1, 500) g;
SELECT nextval('app.ticket_no') FROM generate_series(1, 7);
CREATE MATERIALIZED VIEW app.totals AS SELECT count(*) AS n, sum(qty) AS qty FROM app.items;
"""


def details(migration):
    return migration['properties']['currentStatus']['currentSubStateDetails']


def db(migration, name):
    return details(migration)['dbDetails'][name]


def make_databases(cluster, names):
    for name in names:
        cluster.psql('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
        cluster.psql('CREATE DATABASE %s' % name)
        cluster.psql(SCHEMA, dbname=name)


def replication_objects(source, target, names):
    """What the migration left on the servers: subscriptions on the target, slots and publications on the source."""
    subs = target.psql("SELECT string_agg(subname, ',') FROM pg_subscription WHERE subname LIKE 'pgflex%'")
    slots = source.psql("SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE slot_name LIKE 'pgflex%'")
    pubs = [source.psql("SELECT string_agg(pubname, ',') FROM pg_publication", dbname=n) for n in names]
    return [x for x in [subs, slots] + pubs if x]


def rows(cluster, name):
    return cluster.psql('SELECT count(*) || \':\' || coalesce(sum(qty), 0) FROM app.items', dbname=name)


def patch(client, server, name, **props):
    return client.migrations.update(RESOURCE_GROUP, server, name, {'properties': props}).as_dict()


def test_online_replicates_then_cuts_over_per_database(client, server, source, target):
    names = ['live1', 'live2']
    make_databases(source, names)
    client.migrations.create(RESOURCE_GROUP, server, 'live', migration_body(source, target, names, migrationMode='Online'))
    waiting = wait_for(client, server, 'live', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    assert state(waiting) == 'WaitingForUserAction'
    for name in names:
        entry = db(waiting, name)
        assert entry['migrationState'] == 'WaitingForCutoverTrigger'
        assert (entry['fullLoadCompletedTables'], entry['fullLoadQueuedTables'], entry['fullLoadLoadingTables']) == (1, 0, 0)
        assert rows(target, name) == rows(source, name)
    assert target.psql("SELECT count(*) FROM pg_subscription WHERE subname LIKE 'pgflex%'") == '2'
    assert source.psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'pgflex%' AND active") == '2'
    # Changes on the source reach the target while the migration waits for the cutover.
    source.psql("INSERT INTO app.items (label) SELECT 'new ' || g FROM generate_series(1, 40) g;"
                'UPDATE app.items SET qty = qty + 1 WHERE item_id <= 15; DELETE FROM app.items WHERE item_id > 495 AND item_id <= 500;'
                "SELECT nextval('app.ticket_no') FROM generate_series(1, 3)", dbname='live1')
    counted = wait_for(client, server, 'live', lambda m: db(m, 'live1')['appliedChanges'] == 60)
    entry = db(counted, 'live1')
    assert (entry['cdcInsertCounter'], entry['cdcUpdateCounter'], entry['cdcDeleteCounter']) == (40, 15, 5)
    assert entry['incomingChanges'] >= 60 and entry['latency'] >= 0
    assert rows(target, 'live1') == rows(source, 'live1')
    # Cut over one database: it completes, the other keeps replicating.
    patch(client, server, 'live', triggerCutover='True', dbsToTriggerCutoverOn=['live1'])
    partial = wait_for(client, server, 'live', lambda m: db(m, 'live1')['migrationState'] == 'Succeeded')
    assert db(partial, 'live1')['migrationOperation'] == 'Completed' and db(partial, 'live1')['latency'] == 0
    assert substate(partial) == 'WaitingForCutoverTrigger' and db(partial, 'live2')['migrationState'] == 'WaitingForCutoverTrigger'
    assert int(target.psql('SELECT last_value FROM app.ticket_no', dbname='live1')) >= int(
        source.psql('SELECT last_value FROM app.ticket_no', dbname='live1'))
    assert target.psql('SELECT n FROM app.totals', dbname='live1') == source.psql('SELECT count(*) FROM app.items', dbname='live1')
    assert target.psql("SELECT count(*) FROM pg_subscription WHERE subname LIKE 'pgflex%'") == '1'
    source.psql("INSERT INTO app.items (label) VALUES ('after the first cutover')", dbname='live2')
    wait_for(client, server, 'live', lambda m: db(m, 'live2')['cdcInsertCounter'] == 1)
    patch(client, server, 'live', triggerCutover='True')
    done = wait_terminal(client, server, 'live')
    assert state(done) == 'Succeeded' and done['properties']['triggerCutover'] == 'True'
    assert rows(target, 'live2') == rows(source, 'live2')
    assert replication_objects(source, target, names) == []


def test_cutover_refused_until_the_initial_copy_is_done(client, server, source, target, emu):
    make_databases(source, ['early'])
    emu.add_fault(kind='stuck', migration='early-cut')
    try:
        client.migrations.create(RESOURCE_GROUP, server, 'early-cut', migration_body(source, target, ['early'], migrationMode='Online'))
        with pytest.raises(Exception) as refused:
            patch(client, server, 'early-cut', triggerCutover='True')
        assert 'MigrationNotReadyForCutover' in str(refused.value) and "the initial copy of database(s) early" in str(refused.value)
        current = client.migrations.get(RESOURCE_GROUP, server, 'early-cut').as_dict()
        assert current['properties']['triggerCutover'] == 'False'
    finally:
        emu.clear_faults()
    wait_for(client, server, 'early-cut', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    patch(client, server, 'early-cut', triggerCutover='True')
    assert state(wait_terminal(client, server, 'early-cut')) == 'Succeeded'


def test_cancel_during_replication_leaves_nothing_behind(client, server, source, target):
    names = ['gone1', 'gone2']
    make_databases(source, names)
    client.migrations.create(RESOURCE_GROUP, server, 'gone', migration_body(source, target, names, migrationMode='Online'))
    wait_for(client, server, 'gone', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    # One database first: its replication goes, the other keeps replicating.
    patch(client, server, 'gone', cancel='True', dbsToCancelMigrationOn=['gone1'])
    partial = wait_for(client, server, 'gone', lambda m: db(m, 'gone1')['migrationState'] == 'Canceled')
    assert db(partial, 'gone2')['migrationState'] == 'WaitingForCutoverTrigger'
    assert target.psql("SELECT string_agg(subname, ',') FROM pg_subscription WHERE subname LIKE 'pgflex%'").endswith('_1')
    assert target_has(target, names) == ['gone2']  # the canceled database was dropped on the target
    # Then the whole migration.
    client.migrations.cancel(RESOURCE_GROUP, server, 'gone')
    done = wait_terminal(client, server, 'gone')
    assert state(done) == 'Canceled' and {e['migrationState'] for e in details(done)['dbDetails'].values()} == {'Canceled'}
    assert replication_objects(source, target, names) == []
    assert target_has(target, names) == []


def target_has(target, names):
    listed = target.psql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname IN (%s)"
                         % ', '.join("'%s'" % n for n in names))
    return listed.split(',') if listed else []


def test_cancel_drops_the_unfinished_databases_and_keeps_the_cut_over_ones(client, server, source, target):
    """docs/service-assumptions.md, entry 13 (MicrosoftDocs/azure-docs#122153): on cancel, every database of the
    migration whose dbDetails migrationState is not Succeeded is dropped on the target."""
    names = ['kept1', 'dropped1']
    make_databases(source, names)
    client.migrations.create(RESOURCE_GROUP, server, 'half', migration_body(source, target, names, migrationMode='Online'))
    wait_for(client, server, 'half', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    patch(client, server, 'half', triggerCutover='True', dbsToTriggerCutoverOn=['kept1'])
    wait_for(client, server, 'half', lambda m: db(m, 'kept1')['migrationState'] == 'Succeeded')
    client.migrations.cancel(RESOURCE_GROUP, server, 'half')
    done = wait_terminal(client, server, 'half')
    assert state(done) == 'Canceled' and db(done, 'kept1')['migrationState'] == 'Succeeded'
    assert target_has(target, names) == ['kept1'] and rows(target, 'kept1') == rows(source, 'kept1')


def test_tables_without_primary_key_get_the_validation_warning(client, server, source, target):
    make_databases(source, ['nopk'])
    source.psql('CREATE TABLE app.audit (at timestamptz, what text); CREATE TABLE app.keyed (k int);'
                'ALTER TABLE app.keyed REPLICA IDENTITY FULL', dbname='nopk')
    body = migration_body(source, target, ['nopk'], migrationMode='Online', migrationOption='Validate')
    client.migrations.create(RESOURCE_GROUP, server, 'nopk', body)
    done = wait_terminal(client, server, 'nopk')
    validation = details(done)['validationDetails']
    assert validation['status'] == 'Warning' and state(done) == 'Succeeded'
    item = [i for i in validation['dbLevelValidationDetails'][0]['summary'] if i['type'] == 'ReplicaIdentityValidation'][0]
    assert item['state'] == 'Warning' and 'app.audit' in item['messages'][0]['message']
    assert 'app.keyed' not in item['messages'][0]['message']


@pytest.fixture(scope='module')
def replica_source(source_ca):
    """A source started with wal_level=replica that the service may restart (like the sandbox's source)."""
    cluster = PgCluster.start(name='replica-source', ssl_cert_file=source_ca['cert'], ssl_key_file=source_ca['key'],
                              settings={'wal_level': 'replica'})
    make_databases(cluster, ['walapp'])
    yield cluster
    cluster.stop()


def test_wal_level_must_be_logical_and_the_service_can_set_it(client, server, replica_source, target):
    body = migration_body(replica_source, target, ['walapp'], migrationMode='Online', migrationOption='ValidateAndMigrate')
    client.migrations.create(RESOURCE_GROUP, server, 'wal-refused', body)
    refused = wait_terminal(client, server, 'wal-refused')
    assert state(refused) == 'ValidationFailed'
    item = details(refused)['validationDetails']['serverLevelValidationDetails'][2]
    assert item['type'] == 'ServerParametersValidation' and "'wal_level' is 'replica'" in item['messages'][0]['message']
    # Migrate without validation: the migration asks for permission, then sets wal_level and restarts the source.
    client.migrations.create(RESOURCE_GROUP, server, 'wal-setup', migration_body(replica_source, target, ['walapp'], migrationMode='Online'))
    asked = wait_for(client, server, 'wal-setup', lambda m: substate(m) == 'WaitingForLogicalReplicationSetupRequestOnSourceDB')
    assert state(asked) == 'WaitingForUserAction'
    patch(client, server, 'wal-setup', setupLogicalReplicationOnSourceDbIfNeeded='True')
    wait_for(client, server, 'wal-setup', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    assert replica_source.psql('SHOW wal_level') == 'logical'
    patch(client, server, 'wal-setup', triggerCutover='True')
    assert state(wait_terminal(client, server, 'wal-setup')) == 'Succeeded'
    assert rows(target, 'walapp') == rows(replica_source, 'walapp')
