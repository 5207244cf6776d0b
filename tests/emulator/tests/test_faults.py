"""Fault injection and the request log, seen through the SDK (which retries) and raw HTTPS (which does not)."""

import json

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError

from .conftest import RESOURCE_GROUP, migration_body, state, substate, wait_for, wait_terminal


@pytest.fixture(autouse=True)
def clean_faults(emu):
    emu.clear_faults()
    yield
    emu.clear_faults()


def _server_path(emu, server):
    return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s' % (
        emu.subscription_id, RESOURCE_GROUP, server)


def _raw_get(emu, server, token):
    return requests.get(emu.url + _server_path(emu, server) + '?api-version=2026-10-01', headers={'Authorization': 'Bearer ' + token},
                        verify=emu.ca_file, timeout=10)


def _token(emu):
    return emu.credential().get_token(emu.url + '/.default').token


def _statuses_since(emu, seq, server):
    return [r['status'] for r in emu.request_log(seq) if r['path'] == _server_path(emu, server)]


def _last_seq(emu):
    log = emu.request_log()
    return log[-1]['seq'] if log else 0


def test_throttle_429_with_retry_after_is_retried_by_the_sdk(emu, client, server):
    emu.add_fault(kind='throttle', count=1, retry_after=1, path_contains='/flexibleServers/' + server)
    seq = _last_seq(emu)
    assert client.servers.get(RESOURCE_GROUP, server).name == server
    assert _statuses_since(emu, seq, server) == [429, 200]


def test_throttle_answer_shape(emu, server):
    emu.add_fault(kind='throttle', retry_after=7)
    response = _raw_get(emu, server, _token(emu))
    assert response.status_code == 429 and response.headers['Retry-After'] == '7'
    assert response.json()['error']['code'] == 'TooManyRequests'


@pytest.mark.parametrize('status', [500, 503])
def test_server_errors_are_arm_shaped_and_retried(emu, client, server, status):
    emu.add_fault(kind='status', status=status, count=1, path_contains='/flexibleServers/' + server)
    seq = _last_seq(emu)
    assert client.servers.get(RESOURCE_GROUP, server).name == server
    assert _statuses_since(emu, seq, server) == [status, 200]
    emu.add_fault(kind='status', status=status, count=1)
    response = _raw_get(emu, server, _token(emu))
    assert response.status_code == status and 'code' in response.json()['error']


def test_token_bucket_throttling(emu, server):
    token = _token(emu)
    emu.add_fault(kind='bucket', capacity=3, refill_per_second=0.01)
    responses = [_raw_get(emu, server, token) for attempt in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert [r.headers['x-ms-ratelimit-remaining-subscription-reads'] for r in responses[:3]] == ['2', '1', '0']
    throttled = _raw_get(emu, server, token)
    assert int(throttled.headers['Retry-After']) >= 1


def test_added_latency_shows_in_the_log(emu, client, server):
    emu.add_fault(kind='latency', seconds=0.3, count=1, path_contains='/flexibleServers/' + server)
    seq = _last_seq(emu)
    client.servers.get(RESOURCE_GROUP, server)
    entries = [r for r in emu.request_log(seq) if r['path'] == _server_path(emu, server)]
    assert entries[0]['duration_ms'] >= 300


def test_dropped_connection(emu, client, server):
    token = _token(emu)
    emu.add_fault(kind='drop', count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        _raw_get(emu, server, token)
    emu.add_fault(kind='drop', count=1, path_contains='/flexibleServers/' + server)
    seq = _last_seq(emu)
    assert client.servers.get(RESOURCE_GROUP, server).name == server  # the SDK retries
    assert _statuses_since(emu, seq, server) == [0, 200]


def test_token_endpoint_outage(emu):
    emu.add_fault(kind='token_outage')
    with pytest.raises(ClientAuthenticationError):
        emu.credential().get_token(emu.url + '/.default')
    emu.clear_faults()
    assert emu.credential().get_token(emu.url + '/.default').token


@pytest.mark.parametrize('fault, status', [({}, 503), ({'status': 500}, 500), ({'status': 429}, 429)])
def test_token_outage_answers_its_status(emu, fault, status):
    emu.add_fault(kind='token_outage', count=1, **fault)
    answer = requests.post(emu.url + '/%s/oauth2/v2.0/token' % emu.tenant_id, data={'grant_type': 'client_credentials'},
                           verify=emu.ca_file, timeout=10)
    assert answer.status_code == status and answer.json()['error'] == 'temporarily_unavailable'


def test_stuck_migration_does_not_progress_until_released(emu, client, server, source, target):
    emu.add_fault(kind='stuck', migration='frozen')
    client.migrations.create(RESOURCE_GROUP, server, 'frozen', migration_body(source, target, ['shop'], migrationOption='Validate'))
    for poll in range(5):  # pylint: disable=unused-variable
        current = client.migrations.get(RESOURCE_GROUP, server, 'frozen').as_dict()
        assert state(current) == 'InProgress' and substate(current) == 'PerformingPreRequisiteSteps'  # the recorded first one
    emu.clear_faults()
    assert state(wait_terminal(client, server, 'frozen')) == 'Succeeded'


def test_speed_factor_and_slow_copy_settings(emu):
    before = emu.admin('GET', '/settings')
    changed = emu.settings(speed_factor=4, copy_rate_bytes_per_second=1000)
    assert changed['speed_factor'] == 4 and changed['copy_rate_bytes_per_second'] == 1000
    emu.settings(speed_factor=before['speed_factor'], copy_rate_bytes_per_second=0)
    with pytest.raises(RuntimeError):
        emu.settings(no_such_setting=1)


def test_admin_api_needs_its_own_token(emu, server):
    arm_token = _token(emu)
    for headers in ({}, {'Authorization': 'Bearer ' + arm_token}):
        response = requests.get(emu.url + '/_emulator/requests', headers=headers, verify=emu.ca_file, timeout=10)
        assert response.status_code == 401
    assert _raw_get(emu, server, emu.admin_token).status_code == 401
    assert requests.get(emu.url + '/_emulator/health', verify=emu.ca_file, timeout=10).json() == {'status': 'ok'}


def test_request_log_has_no_bodies_or_secrets(emu, client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'logged', migration_body(source, target, ['shop'], migrationOption='Validate'))
    wait_terminal(client, server, 'logged')
    text = json.dumps(emu.request_log())
    for secret in (emu.client_secret, source.password, target.password):
        assert secret not in text
    entry = emu.request_log()[-1]
    assert set(entry) == {'seq', 'time', 'scope', 'method', 'path', 'query', 'status', 'duration_ms'}
    migrations = emu.admin('GET', '/migrations')['value']
    assert any(m['name'] == 'logged' for m in migrations)
    log_text = open(emu.state_dir + '/emulator.log', encoding='utf-8').read()
    for secret in (emu.client_secret, source.password, target.password):
        assert secret not in log_text


def test_wait_for_helper_reports_state(emu, client, server, source, target):
    client.migrations.create(RESOURCE_GROUP, server, 'helper', migration_body(source, target, ['shop'], migrationOption='Validate'))
    assert state(wait_for(client, server, 'helper', lambda m: state(m) == 'Succeeded')) == 'Succeeded'
