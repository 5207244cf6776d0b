"""The emulator's answers have the key paths of the real service's recorded answers (tests/emulator/recordings/):
server GET, name check, PUT answer, GET while validating, failed GET, list; and the az CLI's recorded flow works on
the recorded api-versions with the uuid names the CLI generates."""

import json
import os
import uuid

import pytest
from azure.core.rest import HttpRequest

from .conftest import RESOURCE_GROUP, source_id, state, substate, wait_for, wait_terminal

RECORDINGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'recordings')
MIGRATION_TYPE = 'Microsoft.DBforPostgreSQL/flexibleServers/migrations'


def recorded(name, index):
    with open(os.path.join(RECORDINGS, name), encoding='utf-8') as handle:
        for item in json.load(handle)['interactions']:
            if item['interaction'] == index:
                return item
    raise KeyError(index)


def key_paths(value, prefix=''):
    """Every key path of a JSON value ('properties.storage.iops'; list items as '[]')."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = prefix + '.' + key if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix + '[]')
    return paths


class Raw:
    """Plain REST calls at a chosen api-version, returning (status, JSON body)."""

    def __init__(self, emu, recorder, server):
        self.emu, self.server = emu, server
        self.client = emu.mgmt_client(raw_response_hook=recorder)

    def url(self, suffix='', rg_only=False):
        base = '%s/subscriptions/%s/resourceGroups/%s' % (self.emu.url, self.emu.subscription_id, RESOURCE_GROUP)
        return base if rg_only else base + '/providers/Microsoft.DBforPostgreSQL/flexibleServers/' + self.server + suffix

    def call(self, method, url, version, body=None, **query):
        params = dict(query, **{'api-version': version})
        response = self.client.send_request(HttpRequest(method, url, params=params, json=body))
        text = response.text()
        return response.status_code, (json.loads(text) if text else None)


@pytest.fixture
def raw(emu, recorder, server):
    return Raw(emu, recorder, server)


def recorded_put_body(item, source, target):
    """The recorded PUT request with our source, passwords and target login in place of the recorded ones."""
    body = json.loads(json.dumps(item['request_body']))
    props = body['properties']
    props['sourceDbServerResourceId'] = source_id(source)
    props['secretParameters'] = {'adminCredentials': {'sourceServerPassword': source.password,
                                                      'targetServerPassword': target.password},
                                 'targetServerUsername': target.user}
    props['dbsToMigrate'] = ['shop']
    body['location'] = 'eastus'
    return body


def test_server_get_has_the_recorded_key_paths(raw):
    status, body = raw.call('GET', raw.url(), '2025-08-01')
    assert status == 200 and key_paths(body) == key_paths(recorded('onpremise_migration.json', 0)['response_body'])
    status, newer = raw.call('GET', raw.url(), '2026-07-01-preview')
    expected = key_paths(recorded('migration.json', 11)['response_body'])
    # The recorded 2026 server was minutes old: no backup had run, so it had no earliestRestoreDate yet.
    assert status == 200 and key_paths(newer) - {'properties.backup.earliestRestoreDate'} == expected


def test_name_check_and_empty_list_have_the_recorded_shapes(raw):
    name = str(uuid.uuid4())
    status, body = raw.call('POST', raw.url('/checkMigrationNameAvailability'), '2025-08-01', {'name': name, 'type': MIGRATION_TYPE})
    assert status == 200 and body == dict(recorded('onpremise_migration.json', 1)['response_body'], name=name)
    status, body = raw.call('GET', raw.url('/migrations'), '2026-07-01-preview', migrationListFilter='Active')
    assert status == 200 and body == recorded('migration.json', 19)['response_body']


def test_put_answer_and_get_while_validating_have_the_recorded_key_paths(raw, emu, source, target):
    put = recorded('onpremise_migration.json', 5)
    name = put['path'].rsplit('/', 1)[1]
    emu.add_fault(kind='stuck', migration=name)
    try:
        status, created = raw.call('PUT', raw.url('/migrations/' + name), '2025-08-01', recorded_put_body(put, source, target))
        assert status == 201 and key_paths(created) == key_paths(put['response_body'])
        status, current = raw.call('GET', raw.url('/migrations/' + name), '2025-08-01')
        validating = recorded('onpremise_migration.json', 7)['response_body']
        assert status == 200 and key_paths(current) == key_paths(validating)
        assert current['properties']['currentStatus'] == {'state': 'InProgress', 'currentSubStateDetails': {
            'currentSubState': 'PerformingPreRequisiteSteps', 'dbDetails': {}}}
    finally:
        emu.clear_faults()
    assert wait_terminal(raw.client, raw.server, name)['properties']['currentStatus']['state'] == 'Succeeded'


def test_recorded_put_answers_agree_across_api_versions():
    assert key_paths(recorded('onpremise_migration.json', 13)['response_body']) == \
        key_paths(recorded('migration.json', 17)['response_body'])


def test_second_create_is_accepted_and_failed_get_has_the_recorded_key_paths(raw, emu, source, target):
    first, second = recorded('onpremise_migration.json', 5), recorded('onpremise_migration.json', 13)
    emu.add_fault(kind='stuck', migration='validate-first')
    try:
        raw.call('PUT', raw.url('/migrations/validate-first'), '2025-08-01', recorded_put_body(first, source, target))
        name = second['path'].rsplit('/', 1)[1]  # the recorded uuid name, digit first
        status, created = raw.call('PUT', raw.url('/migrations/' + name), '2025-08-01', recorded_put_body(second, source, target))
        assert status == second['status'] == 201 and key_paths(created) == key_paths(second['response_body'])
        failed = wait_terminal(raw.client, raw.server, name)
    finally:
        emu.clear_faults()
    status, body = raw.call('GET', raw.url('/migrations/' + name), '2026-07-01-preview')
    assert key_paths(body) == key_paths(recorded('migration.json', 23)['response_body'])
    assert state(failed) == 'Failed' and substate(failed) == 'Completed'


@pytest.mark.parametrize('version', ['2025-08-01', '2026-07-01-preview'])
def test_the_recorded_cli_flow_works_with_a_uuid_name(raw, emu, source, target, version):
    """HEAD/GET the resource group (2024-11-01), server GET, name check, PUT, GET, list Active, PATCH cutover and
    cancel: what the az CLI sends, on the recorded api-versions."""
    assert raw.call('HEAD', raw.url(rg_only=True), '2024-11-01')[0] == 204
    assert raw.call('GET', raw.url(rg_only=True), '2024-11-01')[0] == 200
    assert raw.call('GET', raw.url(), version)[0] == 200
    name = str(uuid.uuid4())
    status, check = raw.call('POST', raw.url('/checkMigrationNameAvailability'), version, {'name': name, 'type': MIGRATION_TYPE})
    assert status == 200 and check['nameAvailable'] is True
    body = recorded_put_body(recorded('onpremise_migration.json', 13), source, target)
    body['properties'].update(migrationMode='online', migrationOption='Migrate')
    emu.add_fault(kind='stuck', migration=name)
    try:
        assert raw.call('PUT', raw.url('/migrations/' + name), version, body)[0] == 201
        assert raw.call('GET', raw.url('/migrations/' + name), version)[0] == 200
        status, active = raw.call('GET', raw.url('/migrations'), version, migrationListFilter='Active')
        assert [m['name'] for m in active['value']] == [name]
        status, answer = raw.call('PATCH', raw.url('/migrations/' + name), version, {'properties': {'triggerCutover': 'True'}})
        assert status == 400 and answer['error']['code'] == 'MigrationNotReadyForCutover'  # the copy has not started
        status, answer = raw.call('PATCH', raw.url('/migrations/' + name), version, {'properties': {'cancel': 'True'}})
        assert status == 200 and answer['properties']['currentStatus']['state'] == 'InProgress'
    finally:
        emu.clear_faults()
    assert state(wait_for(raw.client, raw.server, name, lambda m: state(m) == 'Canceled')) == 'Canceled'
