# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.client import (
    API_VERSION, MigrationClient, deadline_transport_class, fetch_json, retry_after_seconds,
)
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import Cloud
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError, from_azure_exception
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock
from ansible_collections.pgflex.migration.tests.unit.plugins.module_utils.fake_azure import (
    CannedAdapter, StaticCredential, canned_transport,
)

CLOUD = Cloud('emu', 'https://arm.example/', 'https://login.example', 'https://management.core.windows.net/', True)
METADATA_DOCUMENT = [{'name': 'Emulator', 'resourceManager': 'https://127.0.0.1:8443/'}]
MIGRATION = {'name': 'm1', 'id': '/subscriptions/sub/x/migrations/m1', 'location': 'eastus',
             'properties': {'migrationId': 'g', 'currentStatus': {'state': 'InProgress'}, 'dbsToMigrate': ['db1']}}


def arm_error(status, code, message, **headers):
    return (status, {'error': {'code': code, 'message': message}}, headers)


@pytest.fixture
def make_client():
    def build(replies, retry_timeout=60):
        transport, adapter = canned_transport(replies)
        clock = FakeClock(1000.0)
        client = MigrationClient(StaticCredential(), 'sub', CLOUD, transport=transport, retry_timeout=retry_timeout,
                                 sleep=clock.sleep, clock=clock)
        client.retry_policy.base_delay = 1.0
        return client, adapter, clock
    return build


def test_get_returns_rest_json_and_sends_user_agent(make_client):
    client, adapter, clock = make_client([(200, MIGRATION, {})])
    assert client.get('rg', 'srv', 'm1') == MIGRATION
    request = adapter.requests[0]
    assert request.method == 'GET'
    assert request.url.startswith('https://arm.example/subscriptions/sub/resourceGroups/rg/providers/'
                                  'Microsoft.DBforPostgreSQL/flexibleServers/srv/migrations/m1?api-version=')
    assert request.headers['User-Agent'].startswith('ansible-pgflex.migration/')
    assert request.headers['Authorization'] == 'Bearer unit-test-token'
    assert clock.sleeps == []


def test_get_missing_migration_is_none(make_client):
    client, adapter, clock = make_client([arm_error(404, 'ResourceNotFound', 'not found')])
    assert client.get('rg', 'srv', 'm1') is None


def test_get_missing_server_raises_with_ids(make_client):
    client, adapter, clock = make_client([arm_error(404, 'ParentResourceNotFound', "Server 'srv' not found",
                                                    **{'x-ms-request-id': 'req-1', 'x-ms-correlation-request-id': 'cor-1'})])
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    error = info.value
    assert (error.status, error.code, error.request_id, error.correlation_id) == (404, 'ParentResourceNotFound', 'req-1', 'cor-1')
    assert str(error) == ("GET migration 'm1' failed: Server 'srv' not found (HTTP 404, code ParentResourceNotFound, "
                          "x-ms-request-id req-1, x-ms-correlation-request-id cor-1)")


def test_bad_name_maps_invalid_input(make_client):
    client, adapter, clock = make_client([arm_error(400, 'InvalidInput', "Invalid migration resource ID 'Bad_Name'")])
    with pytest.raises(AzureApiError) as info:
        client.create('rg', 'srv', 'Bad_Name', {'location': 'eastus', 'properties': {}})
    assert info.value.status == 400 and info.value.code == 'InvalidInput'
    assert adapter.requests[0].method == 'PUT'


def test_unauthorized_maps(make_client):
    client, adapter, clock = make_client([arm_error(401, 'InvalidAuthenticationToken', 'The access token is invalid.')])
    with pytest.raises(AzureApiError) as info:
        client.get_server('rg', 'srv')
    assert (info.value.status, info.value.code) == (401, 'InvalidAuthenticationToken')


def test_throttling_honours_retry_after_then_succeeds(make_client):
    client, adapter, clock = make_client([
        arm_error(429, 'TooManyRequests', 'slow down', **{'Retry-After': '7'}),
        arm_error(503, 'ServiceUnavailable', 'busy'),
        (200, MIGRATION, {}),
    ])
    assert client.get('rg', 'srv', 'm1')['name'] == 'm1'
    assert clock.sleeps[0] == 7
    assert 1.0 <= clock.sleeps[1] <= 4.0  # backoff with jitter when no Retry-After
    assert len(adapter.requests) == 3


def test_throttling_past_the_deadline_fails_clearly(make_client):
    client, adapter, clock = make_client([arm_error(429, 'TooManyRequests', 'slow down', **{'Retry-After': '20'})] * 10,
                                         retry_timeout=50)
    with pytest.raises(AzureApiError) as info:
        client.list('rg', 'srv')
    assert clock.sleeps == [20, 20]  # a third wait would end past the 50 s budget
    assert info.value.status == 429 and info.value.code == 'TooManyRequests'
    assert ('gave up after 3 attempts: the service asked to wait 20 s before the next request (Retry-After), more than '
            'the 50 s retry deadline' in str(info.value))
    assert info.value.retry_after == 20 and client.retry_after_left() == 20
    assert str(info.value).startswith("LIST migrations of server 'srv' failed: slow down (gave up")  # not a sign-in outage


def test_absolute_deadline_caps_retries(make_client):
    client, adapter, clock = make_client([arm_error(429, 'TooManyRequests', 'slow', **{'Retry-After': '5'})] * 10)
    client.deadline = clock.now + 12
    with pytest.raises(AzureApiError):
        client.get('rg', 'srv', 'm1')
    assert clock.sleeps == [5, 5]


@pytest.fixture
def deadline_client():
    """A client on the real deadline transport (canned answers) with a fake clock."""
    def build(replies, credential=None):
        import requests
        adapter = CannedAdapter(replies)
        session = requests.Session()
        session.mount('https://', adapter)
        transport = deadline_transport_class()(session=session, session_owner=False)
        clock = FakeClock(1000.0)
        client = MigrationClient(credential or StaticCredential(), 'sub', CLOUD, transport=transport, sleep=clock.sleep,
                                 clock=clock)
        return client, adapter, clock
    return build


def test_no_request_may_wait_longer_than_the_time_left(deadline_client):
    client, adapter, clock = deadline_client([(200, MIGRATION, {}), (200, MIGRATION, {})])
    client.get('rg', 'srv', 'm1')
    assert adapter.timeouts[0] == (120, 120)  # the per-call retry deadline when no task budget is set
    client.set_budget(clock.now + 12, 'wait_timeout')
    client.get('rg', 'srv', 'm1')
    assert adapter.timeouts[1] == (12, 12)


def test_no_time_left_names_the_budget_option(deadline_client):
    client, adapter, clock = deadline_client([(200, MIGRATION, {})])
    client.set_budget(clock.now, 'api_timeout')
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert adapter.requests == []
    assert "as the task's time budget, api_timeout, ran out; raise api_timeout to retry longer" in str(info.value)


def test_slow_answers_stop_at_the_budget(deadline_client):
    import requests
    client, adapter, clock = deadline_client([requests.exceptions.ReadTimeout('Read timed out.')] * 20)
    client.set_budget(clock.now + 15, 'wait_timeout')
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert sum(clock.sleeps) <= 15
    assert all(read <= 15 for _connect, read in adapter.timeouts)
    assert 'wait_timeout, ran out' in str(info.value)


class FlakyTokenEndpoint(object):
    """A credential whose token endpoint answers ``statuses`` first (e.g. 503), then a token."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = 0

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        from azure.core.credentials import AccessToken
        from azure.core.exceptions import ClientAuthenticationError
        self.calls += 1
        if self.statuses:
            status = self.statuses.pop(0)
            error = ClientAuthenticationError(message='Authentication failed: HTTP Error: %d' % status)
            error.status_code = status
            raise error
        return AccessToken('unit-test-token', 4102444800)


def test_token_endpoint_outage_is_retried_within_the_deadline(deadline_client):
    credential = FlakyTokenEndpoint([503, 503, 429])
    client, adapter, clock = deadline_client([(200, MIGRATION, {})], credential=credential)
    assert client.get('rg', 'srv', 'm1')['name'] == 'm1'
    assert credential.calls == 4 and len(clock.sleeps) == 3


def test_token_endpoint_outage_past_the_budget_fails_naming_it(deadline_client):
    credential = FlakyTokenEndpoint([503] * 50)
    client, adapter, clock = deadline_client([], credential=credential)
    client.set_budget(clock.now + 20, 'wait_timeout')
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.status == 503 and sum(clock.sleeps) <= 20
    assert ("GET migration 'm1' failed: the sign-in endpoint login.example is unavailable (it answered HTTP 503)"
            in str(info.value))
    assert 'not a problem with the credentials' in str(info.value) and 'wait_timeout, ran out' in str(info.value)


def test_msal_outage_text_is_read_as_a_status():
    from azure.core.exceptions import ClientAuthenticationError
    from ansible_collections.pgflex.migration.plugins.module_utils.client import sign_in_status
    try:
        try:
            raise ValueError('HTTP Error: 503')  # what MSAL raises, wrapped by azure-identity
        except ValueError as cause:
            raise ClientAuthenticationError(message='Authentication failed: HTTP Error: 503') from cause
    except ClientAuthenticationError as exc:
        assert sign_in_status(exc) == 503
    assert sign_in_status(ClientAuthenticationError(message='AADSTS7000215: Invalid client secret')) is None


def test_rejected_credentials_are_not_retried(deadline_client):
    credential = FlakyTokenEndpoint([401])
    client, adapter, clock = deadline_client([], credential=credential)
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.status == 401 and credential.calls == 1 and clock.sleeps == []


def test_backoff_is_capped(make_client):
    client, adapter, clock = make_client([arm_error(500, 'InternalServerError', 'oops')] * 12 + [(200, MIGRATION, {})], retry_timeout=600)
    client.get('rg', 'srv', 'm1')
    assert max(clock.sleeps) <= client.retry_policy.max_delay * 1.2


def test_connection_errors_are_retried_then_mapped(make_client):
    import requests
    client, adapter, clock = make_client([requests.exceptions.ConnectionError('refused')] * 20, retry_timeout=10)
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.status is None
    assert len(clock.sleeps) >= 2 and sum(clock.sleeps) <= 10


def test_list_follows_next_link_and_sends_filter(make_client):
    second = dict(MIGRATION, name='m2')
    client, adapter, clock = make_client([
        (200, {'value': [MIGRATION], 'nextLink': 'https://arm.example/next-page?api-version=2026-10-01&skiptoken=x'}, {}),
        (200, {'value': [second]}, {}),
    ])
    assert [m['name'] for m in client.list('rg', 'srv', 'all')] == ['m1', 'm2']
    assert 'migrationListFilter=All' in adapter.requests[0].url
    assert adapter.requests[1].url.startswith('https://arm.example/next-page')


def test_next_link_is_asked_with_our_api_version_and_its_own_token(make_client):
    from urllib.parse import parse_qs, urlsplit
    client, adapter, clock = make_client([
        (200, {'value': [MIGRATION], 'nextLink': 'https://arm.example/subscriptions/sub/next?api-version=2020-01-01&%24skipToken=a%2Fb'}, {}),
        (200, {'value': []}, {}),
    ])
    assert len(client.list('rg', 'srv', 'active')) == 1
    query = parse_qs(urlsplit(adapter.requests[1].url).query)
    assert query == {'api-version': [API_VERSION], '$skipToken': ['a/b']}
    assert 'migrationListFilter=Active' in adapter.requests[0].url


def test_every_request_names_the_api_version_and_quotes_path_segments(make_client):
    client, adapter, clock = make_client([(200, MIGRATION, {})])
    client.get('my rg', 'srv', 'a/b')
    url = adapter.requests[0].url
    assert '/resourceGroups/my%20rg/' in url and url.split('?')[0].endswith('/migrations/a%2Fb')
    assert url.endswith('?api-version=' + API_VERSION)
    assert adapter.requests[0].headers['Accept'] == 'application/json'


def test_unexpected_success_status_is_an_error(make_client):
    client, adapter, clock = make_client([(202, MIGRATION, {})])
    with pytest.raises(AzureApiError) as info:
        client.update('rg', 'srv', 'm1', {'properties': {'triggerCutover': 'True'}})
    assert info.value.status == 202


def test_create_update_cancel_check_name(make_client):
    client, adapter, clock = make_client([
        (201, MIGRATION, {}), (200, MIGRATION, {}), (204, None, {}), (200, MIGRATION, {}),
        (200, {'name': 'm1', 'type': 'Microsoft.DBforPostgreSQL/flexibleServers/migrations', 'nameAvailable': True}, {}),
    ])
    body = {'location': 'eastus', 'properties': {'dbsToMigrate': ['db1'], 'overwriteDbsInTarget': 'True'}}
    assert client.create('rg', 'srv', 'm1', body)['name'] == 'm1'
    assert json.loads(adapter.requests[0].body)['properties']['overwriteDbsInTarget'] == 'True'
    assert client.update('rg', 'srv', 'm1', {'properties': {'triggerCutover': 'True'}})['name'] == 'm1'
    assert adapter.requests[1].method == 'PATCH'
    assert client.cancel('rg', 'srv', 'm1') is None
    assert client.cancel('rg', 'srv', 'm1')['name'] == 'm1'
    assert adapter.requests[2].method == 'DELETE'
    assert client.check_name('rg', 'srv', 'm1')['nameAvailable'] is True
    assert json.loads(adapter.requests[4].body) == {'name': 'm1', 'type': 'Microsoft.DBforPostgreSQL/flexibleServers/migrations'}


def test_token_failure_maps_aadsts_code(make_client):
    from azure.core.exceptions import ClientAuthenticationError

    class FailingCredential(object):
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError(message='ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret provided.')
    transport, adapter = canned_transport([])
    client = MigrationClient(FailingCredential(), 'sub', CLOUD, transport=transport)
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.code == 'AADSTS7000215'
    assert 'Invalid client secret provided' in str(info.value)


def test_token_error_body_reports_the_aadsts_code_not_the_oauth_code():
    from azure.core.exceptions import ClientAuthenticationError

    class TokenResponse(object):
        status_code = 401
        reason = 'Unauthorized'
        headers = {'x-ms-request-id': 'entra-request-1'}

        def text(self):
            return json.dumps({'error': 'invalid_client',
                               'error_description': 'AADSTS700213: No matching federated identity record found.'})
    exc = ClientAuthenticationError(message='ClientAssertionCredential.get_token failed', response=TokenResponse())
    error = from_azure_exception(exc)
    assert error.code == 'AADSTS700213'
    assert error.status == 401
    assert 'No matching federated identity record' in str(error)


@pytest.mark.parametrize('headers, expected', [
    ({}, None), ({'Retry-After': '3'}, 3.0), ({'Retry-After': '-1'}, 0.0), ({'retry-after-ms': '1500'}, 1.5),
    ({'x-ms-retry-after-ms': '250', 'Retry-After': '9'}, 0.25), ({'Retry-After': 'soon'}, None),
    ({'Retry-After': 'Wed, 21 Oct 2015 07:28:10 GMT'}, 10.0),
])
def test_retry_after_parsing(headers, expected):
    assert retry_after_seconds(headers, now=1445412480.0) == expected


def test_error_str_without_details():
    assert str(AzureApiError('plain')) == 'plain'


def test_shared_transport_reuses_one_session():
    from ansible_collections.pgflex.migration.plugins.module_utils.client import shared_transport
    transport, session = shared_transport(verify=False)
    assert session.verify is False
    assert transport.session is session


def test_fetch_json_uses_the_given_session():
    calls = []

    class Reply(object):
        def raise_for_status(self):
            pass

        def json(self):
            return METADATA_DOCUMENT

    class Session(object):
        def get(self, url, **kwargs):
            calls.append((url, kwargs['verify']))
            return Reply()
    assert fetch_json('https://x/metadata/endpoints', verify=False, session=Session()) == METADATA_DOCUMENT
    assert calls == [('https://x/metadata/endpoints', False)]


CONFIGURATION = {'name': 'azure.extensions', 'properties': {'value': 'hstore', 'source': 'user-override'}}


def test_configuration_get_put_and_missing(make_client):
    client, adapter, clock = make_client([
        (200, CONFIGURATION, {}), arm_error(404, 'ResourceNotFound', 'no such parameter'),
        # PUT is a long-running operation: 202, the operation's status, then the resource.
        (202, None, {'Azure-AsyncOperation': 'https://arm.example/operations/op1', 'Retry-After': '0'}),
        (200, {'name': 'op1', 'status': 'Succeeded'}, {}), (200, CONFIGURATION, {}),
    ])
    got = client.get_configuration('rg', 'srv', 'azure.extensions')
    assert (got.get('properties') or got)['value'] == 'hstore'
    assert adapter.requests[0].url.split('?')[0].endswith('/flexibleServers/srv/configurations/azure.extensions')
    assert client.get_configuration('rg', 'srv', 'no.such') is None
    put = client.put_configuration('rg', 'srv', 'azure.extensions', {'properties': {'value': 'hstore', 'source': 'user-override'}})
    assert (put.get('properties') or put)['value'] == 'hstore'
    assert adapter.requests[2].method == 'PUT'
    assert json.loads(adapter.requests[2].body)['properties']['value'] == 'hstore'
