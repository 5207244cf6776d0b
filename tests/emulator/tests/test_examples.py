"""Every official example request is accepted (sent to an emulated server in place of the example's own names)."""

import copy
import glob
import json
import os

import pytest

from emulator.spec_check import SPEC_DIR

from .conftest import RESOURCE_GROUP, wait_terminal

EXAMPLES = sorted(glob.glob(os.path.join(SPEC_DIR, 'examples', '*.json')))


def _load(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def _examples(operation_prefix):
    return [os.path.basename(p) for p in EXAMPLES if os.path.basename(p).startswith(operation_prefix)]


@pytest.mark.parametrize('example', _examples('MigrationsCreate'))
def test_create_examples_are_accepted(client, server, spec, example):
    parameters = _load(os.path.join(SPEC_DIR, 'examples', example))['parameters']
    body = copy.deepcopy(parameters['parameters'])
    spec.check_request('Migrations_Create', body)
    created = client.migrations.create(RESOURCE_GROUP, server, parameters['migrationName'], body).as_dict()
    assert created['name'] == parameters['migrationName']
    assert created['properties']['dbsToMigrate'] == body['properties'].get('dbsToMigrate', created['properties'].get('dbsToMigrate'))
    wait_terminal(client, server, parameters['migrationName'])  # fails (examples name unreachable servers), but never errors


def test_update_example_is_accepted(client, server, spec, source, target):
    from .conftest import migration_body
    parameters = _load(os.path.join(SPEC_DIR, 'examples', 'MigrationsUpdate.json'))['parameters']
    spec.check_request('Migrations_Update', parameters['parameters'])
    client.migrations.create(RESOURCE_GROUP, server, parameters['migrationName'], migration_body(source, target, [], migrationMode='Online'))
    updated = client.migrations.update(RESOURCE_GROUP, server, parameters['migrationName'], parameters['parameters']).as_dict()
    assert updated['properties']['setupLogicalReplicationOnSourceDbIfNeeded'] == 'True'


def test_name_check_example_is_accepted(client, server):
    parameters = _load(os.path.join(SPEC_DIR, 'examples', 'CheckMigrationNameAvailability.json'))['parameters']
    answer = client.migrations.check_name_availability(RESOURCE_GROUP, server, parameters['parameters']).as_dict()
    assert answer['nameAvailable'] is True and answer['name'] == parameters['parameters']['name']


def test_cancel_and_list_examples(client, server, source, target):
    from .conftest import migration_body
    client.migrations.create(RESOURCE_GROUP, server, 'examplemigration', migration_body(source, target, []))
    assert client.migrations.cancel(RESOURCE_GROUP, server, 'examplemigration') is not None
    wait_terminal(client, server, 'examplemigration')
    assert [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server, migration_list_filter='All')] == ['examplemigration']


def test_2024_08_01_examples_are_accepted(emu, server, recorder, source, target):
    from azure.core.rest import HttpRequest

    from .conftest import migration_body, state
    old = emu.mgmt_client(api_version='2024-08-01', raw_response_hook=recorder)
    cancel = _load(os.path.join(SPEC_DIR, 'examples', '2024-08-01', 'Migrations_Cancel.json'))['parameters']
    emu.add_fault(kind='stuck', migration=cancel['migrationName'])
    old.migrations.create(RESOURCE_GROUP, server, cancel['migrationName'], migration_body(source, target, ['hr'], migrationMode='Online'))
    answer = old.migrations.update(RESOURCE_GROUP, server, cancel['migrationName'], cancel['parameters']).as_dict()
    assert answer['properties']['currentStatus']['state'] == 'InProgress'
    emu.clear_faults()
    assert state(wait_terminal(old, server, cancel['migrationName'])) == 'Canceled'
    delete = _load(os.path.join(SPEC_DIR, 'examples', '2024-08-01', 'Migrations_Delete.json'))['parameters']
    old.migrations.create(RESOURCE_GROUP, server, delete['migrationName'], migration_body(source, target, [], migrationOption='Validate'))
    wait_terminal(old, server, delete['migrationName'])
    response = old.send_request(HttpRequest('DELETE', '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/'
                                            'flexibleServers/%s/migrations/%s?api-version=2024-08-01'
                                            % (emu.url, emu.subscription_id, RESOURCE_GROUP, server, delete['migrationName'])))
    assert response.status_code == 200
