"""Server parameters through the official SDK: list, get, PUT as a long-running operation (202 + Azure-AsyncOperation),
bad values refused, and an extension allow-listed through azure.extensions passing the migration's validation."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from .conftest import RESOURCE_GROUP, migration_body, wait_terminal


def _put(emu, server, name, value):
    # A client without the spec recorder: the LRO's first answer is streamed, which the recorder cannot read.
    body = {'properties': {'value': value, 'source': 'user-override'}}
    return emu.mgmt_client().configurations.begin_put(RESOURCE_GROUP, server, name, body, polling_interval=0).result()


def test_list_and_get(client, server):
    listed = {c.name: c for c in client.configurations.list_by_server(RESOURCE_GROUP, server)}
    assert 'azure.extensions' in listed and 'azure.migration_skip_large_objects' in listed
    allow_list = client.configurations.get(RESOURCE_GROUP, server, 'azure.extensions')
    assert 'postgres_fdw' not in allow_list.value.split(',') and 'pg_trgm' in allow_list.value.split(',')
    assert allow_list.type == 'Microsoft.DBforPostgreSQL/flexibleServers/configurations'
    assert client.configurations.get(RESOURCE_GROUP, server, 'azure.migration_table_split_size').value == '20480'
    with pytest.raises(ResourceNotFoundError):
        client.configurations.get(RESOURCE_GROUP, server, 'no_such_parameter')


def test_put_is_a_long_running_operation(client, server, emu):
    mark = emu.request_log()[-1]['seq']
    done = _put(emu, server, 'azure.migration_skip_large_objects', 'on')
    assert done.value == 'on' and done.source == 'user-override'
    calls = [(r['method'], r['status'], r['path']) for r in emu.request_log(mark)
             if r['seq'] > mark and '/subscriptions/' in r['path']]
    assert calls[0][:2] == ('PUT', 202), calls
    assert any('/azureAsyncOperation/' in path and status == 200 for _method, status, path in calls)
    assert client.configurations.get(RESOURCE_GROUP, server, 'azure.migration_skip_large_objects').value == 'on'


def test_bad_values_are_refused(emu, server):
    for name, value in (('azure.migration_skip_large_objects', 'maybe'), ('azure.migration_table_split_size', '0'),
                        ('azure.extensions', 'not_an_extension'), ('azure.migration_skip_role_user', 'on')):
        with pytest.raises(HttpResponseError) as caught:
            _put(emu, server, name, value)
        assert caught.value.status_code == 400, name


def test_allow_listed_extension_passes_validation(client, server, source, target, emu):
    """legacy_fdw uses postgres_fdw: refused until the allow-list names it."""
    body = migration_body(source, target, ['legacy_fdw'], migrationOption='Validate')
    client.migrations.create(RESOURCE_GROUP, server, 'before', body)
    before = wait_terminal(client, server, 'before')
    assert before['properties']['currentStatus']['state'] == 'ValidationFailed'
    current = client.configurations.get(RESOURCE_GROUP, server, 'azure.extensions').value
    _put(emu, server, 'azure.extensions', current + ',postgres_fdw')
    client.migrations.create(RESOURCE_GROUP, server, 'after', body)
    after = wait_terminal(client, server, 'after')
    assert after['properties']['currentStatus']['state'] == 'Succeeded'
    _put(emu, server, 'azure.extensions', current)  # the pool's servers share one emulator
