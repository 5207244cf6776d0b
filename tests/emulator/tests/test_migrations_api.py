"""Migration operations through the official SDK: CRUD, listing, paging, name rules and every input error."""

import copy

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from .conftest import RESOURCE_GROUP, migration_body, state, substate, wait_for, wait_terminal

MIGRATION_TYPE = 'Microsoft.DBforPostgreSQL/flexibleServers/migrations'


def _validate_only(source, target, dbs=('shop',), **props):
    return migration_body(source, target, dbs, migrationOption='Validate', **props)


def _error(caught):
    return caught.value.error.code, caught.value.error.message


def test_server_get_reports_display_location_and_version(client, server):
    found = client.servers.get(RESOURCE_GROUP, server)
    assert found.location == 'East US'
    assert found.version == '15'
    assert found.fully_qualified_domain_name.endswith('.postgres.database.azure.com')
    assert found.sku.tier == 'GeneralPurpose'
    assert found.state == 'Ready'


def test_create_get_list_and_quirks(client, server, source, target):
    created = client.migrations.create(RESOURCE_GROUP, server, 'quirks', _validate_only(source, target)).as_dict()
    props = created['properties']
    assert created['location'] == 'eastus'                       # PUT echoes what was sent
    assert 'currentSubStateDetails' not in props['currentStatus']  # no substate in the create response
    assert props['triggerCutover'] == 'True' and 'migrateRoles' not in props   # as recorded: filled in later
    assert 'secretParameters' not in props and 'systemData' not in created
    done = wait_terminal(client, server, 'quirks')
    assert done['properties']['migrateRoles'] == 'False' and 'startDataMigration' not in done['properties']
    assert done['location'] == 'East US'                           # GET returns the display name
    assert state(done) == 'Succeeded' and substate(done) == 'Completed'
    assert done['properties']['currentStatus']['currentSubStateDetails']['validationDetails']['status'] == 'Succeeded'
    assert done['properties']['migrationWindowEndTimeInUtc']
    assert done['properties']['targetDbServerMetadata']['location'] == 'East US'
    assert [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server)] == []
    assert [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server, migration_list_filter='All')] == ['quirks']


def test_list_pages_with_next_link(client, server, source, target, emu):
    names = ['page%d' % i for i in range(7)]
    for name in names:
        client.migrations.create(RESOURCE_GROUP, server, name, _validate_only(source, target))
        wait_terminal(client, server, name)
    log_start = emu.request_log()[-1]['seq']
    listed = [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server, migration_list_filter='All')]
    assert listed == names
    pages = [r for r in emu.request_log(log_start) if r['path'].endswith('/migrations')]
    assert len(pages) == 3  # page_size is 3 in the test emulator
    assert sum('skipToken' in r['query'] for r in pages) == 2


def test_name_availability(client, server, source, target):
    def check(name):
        return client.migrations.check_name_availability(RESOURCE_GROUP, server, {'name': name, 'type': MIGRATION_TYPE}).as_dict()
    assert check('fresh-name')['nameAvailable'] is True
    invalid = check('Bad_Name')
    assert invalid['nameAvailable'] is False and invalid['reason'] == 'Invalid'
    client.migrations.create(RESOURCE_GROUP, server, 'taken', _validate_only(source, target))
    taken = check('taken')
    assert taken['nameAvailable'] is False and taken['reason'] == 'AlreadyExists'
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.check_name_availability(RESOURCE_GROUP, server, {'name': 'x'})
    assert caught.value.status_code == 400


@pytest.mark.parametrize('name', ['UpperCase', 'has_underscore', '-startshyphen', 'ends-', 'a' * 64])
def test_bad_migration_names_are_invalid_input(client, server, source, target, name):
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.create(RESOURCE_GROUP, server, name, _validate_only(source, target))
    assert caught.value.status_code == 400 and _error(caught)[0] == 'InvalidInput'
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.get(RESOURCE_GROUP, server, name)
    assert caught.value.status_code == 400


def _mutate(body, path, value):
    node = body
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DELETE = object()
BAD_BODIES = {
    'missing-location': (('location',), _DELETE, 'location'),
    'missing-source-password': (('properties', 'secretParameters', 'adminCredentials', 'sourceServerPassword'), _DELETE,
                                'sourceServerPassword'),
    'missing-secrets': (('properties', 'secretParameters'), _DELETE, 'adminCredentials'),
    'too-many-dbs': (('properties', 'dbsToMigrate'), ['db%d' % i for i in range(51)], 'at most 50'),
    'json-boolean-flag': (('properties', 'overwriteDbsInTarget'), True, 'JSON boolean'),
    'bad-mode': (('properties', 'migrationMode'), 'Sometimes', 'migrationMode'),
    'bad-option': (('properties', 'migrationOption'), 'Maybe', 'migrationOption'),
    'bad-ssl-mode': (('properties', 'sslMode'), 'Disable', 'sslMode'),
    'bad-source-type': (('properties', 'sourceType'), 'Mainframe', 'sourceType'),
    'bad-source-id': (('properties', 'sourceDbServerResourceId'), 'not a server', 'sourceDbServerResourceId'),
    'wrong-location': (('location',), 'westeurope', 'location'),
    'bad-window': (('properties', 'migrationWindowStartTimeInUtc'), 'tomorrow', 'migrationWindowStartTimeInUtc'),
}


@pytest.mark.parametrize('case', sorted(BAD_BODIES))
def test_bad_bodies_are_invalid_input(client, server, source, target, case):
    path, value, mention = BAD_BODIES[case]
    body = copy.deepcopy(_validate_only(source, target))
    _mutate(body, path, value)
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.create(RESOURCE_GROUP, server, 'bad-body', body)
    code, message = _error(caught)
    assert caught.value.status_code == 400 and code == 'InvalidInput'
    assert mention in message
    assert source.password not in message and target.password not in message
    with pytest.raises(ResourceNotFoundError):
        client.migrations.get(RESOURCE_GROUP, server, 'bad-body')  # nothing was created


def test_enums_are_case_insensitive_and_canonicalized(client, server, source, target):
    body = _validate_only(source, target, migrationMode='offline', sslMode='prefer')
    created = client.migrations.create(RESOURCE_GROUP, server, 'casing', body).as_dict()
    assert created['properties']['migrationMode'] == 'Offline' and created['properties']['sslMode'] == 'Prefer'


def test_unsupported_api_version(emu, server, recorder):
    old = emu.mgmt_client(api_version='2022-12-01', raw_response_hook=recorder)
    with pytest.raises(HttpResponseError) as caught:
        old.migrations.get(RESOURCE_GROUP, server, 'anything')
    assert caught.value.status_code == 400 and _error(caught)[0] == 'NoRegisteredProviderFound'
    assert '2026-07-01-preview' in _error(caught)[1] and '2024-08-01' in _error(caught)[1]


def test_not_found_errors(client, server):
    with pytest.raises(ResourceNotFoundError) as caught:
        client.migrations.get(RESOURCE_GROUP, server, 'nosuchmigration')
    assert _error(caught)[0] == 'ResourceNotFound'
    with pytest.raises(ResourceNotFoundError) as caught:
        client.migrations.get(RESOURCE_GROUP, 'no-such-server', 'x')
    assert _error(caught)[0] == 'ParentResourceNotFound'
    with pytest.raises(ResourceNotFoundError) as caught:
        client.servers.get(RESOURCE_GROUP, 'no-such-server')
    assert _error(caught)[0] == 'ResourceNotFound'
    with pytest.raises(ResourceNotFoundError) as caught:
        client.migrations.get('no-such-group', server, 'x')
    assert _error(caught)[0] == 'ResourceGroupNotFound'
    assert client.migrations.cancel(RESOURCE_GROUP, server, 'nosuchmigration') is None  # 204


def test_second_migration_is_accepted_then_fails_while_one_is_active(client, server, source, target, emu):
    """Recorded: a second create on a server with an active validation is answered 201. The default setting
    concurrent_migration: fail then ends it Failed with 603709, naming the active one."""
    emu.add_fault(kind='stuck', migration='first')
    try:
        client.migrations.create(RESOURCE_GROUP, server, 'first', _validate_only(source, target))
        second = client.migrations.create(RESOURCE_GROUP, server, 'second', _validate_only(source, target)).as_dict()
        assert state(second) == 'InProgress'
        failed = wait_terminal(client, server, 'second')
        assert state(failed) == 'Failed' and substate(failed) == 'Completed'
        error = failed['properties']['currentStatus']['error']
        assert error.startswith('603709: Migration setup failed.') and "'first'" in error
        assert 'targetDbServerMetadata' not in failed['properties']
        assert [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server)] == ['first']
    finally:
        emu.clear_faults()


def test_second_migration_waits_for_the_active_one_when_set_to_wait(client, server, source, target, emu):
    emu.settings(concurrent_migration='wait')
    emu.add_fault(kind='stuck', migration='ahead')
    try:
        client.migrations.create(RESOURCE_GROUP, server, 'ahead', _validate_only(source, target))
        client.migrations.create(RESOURCE_GROUP, server, 'behind', _validate_only(source, target))
        held = client.migrations.get(RESOURCE_GROUP, server, 'behind').as_dict()
        assert state(held) == 'InProgress' and substate(held) == 'PerformingPreRequisiteSteps'
        assert state(client.migrations.get(RESOURCE_GROUP, server, 'ahead').as_dict()) == 'InProgress'
        emu.clear_faults()
        assert state(wait_terminal(client, server, 'ahead')) == 'Succeeded'
        assert state(wait_terminal(client, server, 'behind')) == 'Succeeded'
    finally:
        emu.clear_faults()
        emu.settings(concurrent_migration='fail')


def test_names_are_never_reused(client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'once', _validate_only(source, target))
    wait_terminal(client, server, 'once')
    with pytest.raises(ResourceExistsError) as caught:
        client.migrations.create(RESOURCE_GROUP, server, 'once', _validate_only(source, target))
    assert _error(caught)[0] == 'MigrationNameAlreadyExists'


def test_same_create_retried_while_active_is_idempotent(client, server, source, target, emu):
    emu.add_fault(kind='stuck', migration='retry')
    try:
        first = client.migrations.create(RESOURCE_GROUP, server, 'retry', _validate_only(source, target)).as_dict()
        again = client.migrations.create(RESOURCE_GROUP, server, 'retry', _validate_only(source, target)).as_dict()
        assert again['properties']['migrationId'] == first['properties']['migrationId']
    finally:
        emu.clear_faults()


def test_patch_tags_and_terminal_rules(client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'patchme', _validate_only(source, target))
    wait_terminal(client, server, 'patchme')
    tagged = client.migrations.update(RESOURCE_GROUP, server, 'patchme', {'tags': {'team': 'db'}}).as_dict()
    assert tagged['tags'] == {'team': 'db'}
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.update(RESOURCE_GROUP, server, 'patchme', {'properties': {'dbsToMigrate': ['hr']}})
    assert caught.value.status_code == 400 and 'already finished' in _error(caught)[1]
    finished = client.migrations.cancel(RESOURCE_GROUP, server, 'patchme').as_dict()  # cancel of a finished one: no-op
    assert state(finished) == 'Succeeded'
    with pytest.raises(HttpResponseError) as caught:
        client.migrations.update(RESOURCE_GROUP, server, 'patchme', {'properties': {'overwriteDbsInTarget': False}})
    assert 'JSON boolean' in _error(caught)[1]


def test_delete_in_2024_08_01_deletes(emu, server, source, target, recorder):
    old = emu.mgmt_client(api_version='2024-08-01', raw_response_hook=recorder)
    new = emu.mgmt_client(raw_response_hook=recorder)
    new.migrations.create(RESOURCE_GROUP, server, 'old-style', _validate_only(source, target))
    wait_terminal(new, server, 'old-style')
    from azure.core.rest import HttpRequest
    response = old.send_request(HttpRequest('DELETE', '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/'
                                            'flexibleServers/%s/migrations/old-style?api-version=2024-08-01'
                                            % (emu.url, emu.subscription_id, RESOURCE_GROUP, server)))
    assert response.status_code == 200
    with pytest.raises(ResourceNotFoundError):
        new.migrations.get(RESOURCE_GROUP, server, 'old-style')
    with pytest.raises(ResourceExistsError):
        new.migrations.create(RESOURCE_GROUP, server, 'old-style', _validate_only(source, target))


def test_cancel_by_patch_in_2024_08_01_shape(emu, server, source, target, recorder):
    client = emu.mgmt_client(raw_response_hook=recorder)
    emu.add_fault(kind='stuck', migration='patchcancel')
    try:
        client.migrations.create(RESOURCE_GROUP, server, 'patchcancel', _validate_only(source, target))
        client.migrations.update(RESOURCE_GROUP, server, 'patchcancel', {'properties': {'cancel': 'True'}})
        done = wait_for(client, server, 'patchcancel', lambda m: state(m) == 'Canceled')
        assert substate(done) == 'Completed'
    finally:
        emu.clear_faults()


def test_list_filter_values(client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'listed', _validate_only(source, target))
    wait_terminal(client, server, 'listed')
    assert [m.name for m in client.migrations.list_by_target_server(RESOURCE_GROUP, server, migration_list_filter='Active')] == []
    with pytest.raises(HttpResponseError) as caught:
        list(client.migrations.list_by_target_server(RESOURCE_GROUP, server, migration_list_filter='Some'))
    assert caught.value.status_code == 400 and 'migrationListFilter' in _error(caught)[1]
