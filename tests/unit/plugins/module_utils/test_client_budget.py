# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every request of a task inside its budget: the cloud's metadata, OpenID discovery, the token request, the API call.

A real azure-identity ClientSecretCredential signs in through the client's deadline transport (canned answers);
the clock is fake, so the budget is checked on the timeouts each request was given, never on wall time.
"""
from __future__ import annotations

import pytest
import requests

from ansible_collections.pgflex.migration.plugins.module_utils.client import MigrationClient, OutOfTime, deadline_transport_class
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import CloudError, resolve_cloud
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError, readable_network_text
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock
from ansible_collections.pgflex.migration.tests.unit.plugins.module_utils.fake_azure import CannedAdapter

METADATA = {'name': 'Emu', 'resourceManager': 'https://arm.example/',
            'authentication': {'loginEndpoint': 'https://login.example/', 'audiences': ['https://arm.example/']}}
OPENID = {'token_endpoint': 'https://login.example/tenant/oauth2/v2.0/token', 'issuer': 'https://login.example/tenant/v2.0',
          'authorization_endpoint': 'https://login.example/tenant/oauth2/v2.0/authorize'}
TOKEN = {'access_token': 'unit-test-token', 'expires_in': 3600, 'token_type': 'Bearer'}
MIGRATION = {'name': 'm1', 'properties': {'currentStatus': {'state': 'InProgress'}}}
WRONG_SECRET = (401, {'error': 'invalid_client', 'error_description': 'AADSTS7000215: Invalid client secret provided.'}, {})


class Endpoints(CannedAdapter):
    """Answers by URL: the metadata, OpenID discovery and token endpoints, then ARM from ``replies``.

    ``sign_in`` replaces the token endpoint's answer: a (status, body, headers) or an exception, every time.
    """

    def __init__(self, replies=None, sign_in=None, metadata=None):
        super(Endpoints, self).__init__(replies)
        self.sign_in = sign_in
        self.metadata = metadata
        self.urls = []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.urls.append(request.url)
        if '/metadata/endpoints' in request.url:
            self.replies.insert(0, self.metadata or (200, METADATA, {}))
        elif 'openid-configuration' in request.url:
            self.replies.insert(0, (200, OPENID, {}))
        elif '/oauth2/' in request.url:
            self.replies.insert(0, self.sign_in or (200, TOKEN, {}))
        return super(Endpoints, self).send(request, **kwargs)


def connected_client(adapter, budget, option='api_timeout'):
    """A client built the way the modules build it: cloud and credential on the first call, within its budget."""
    from azure import identity
    session = requests.Session()
    session.mount('https://', adapter)
    transport = deadline_transport_class()(session=session, session_owner=False)
    clock = FakeClock(1000.0)

    def connect(fetch):
        cloud = resolve_cloud('https://arm.example', fetch=fetch)
        return cloud, identity.ClientSecretCredential('tenant', 'client', 'not-a-real-secret', authority=cloud.authority,
                                                      disable_instance_discovery=True, transport=transport, retry_total=0)
    client = MigrationClient(None, 'sub', None, transport=transport, session=session, sleep=clock.sleep, clock=clock,
                             connect=connect)
    client.set_budget(clock.now + budget, option)
    return client, clock


def test_metadata_discovery_token_and_call_each_get_only_the_time_left():
    adapter = Endpoints([(200, MIGRATION, {})])
    client, clock = connected_client(adapter, budget=7)
    assert client.get('rg', 'srv', 'm1')['name'] == 'm1'
    assert ['metadata' in adapter.urls[0], 'openid-configuration' in adapter.urls[1], '/token' in adapter.urls[2],
            '/migrations/m1' in adapter.urls[3]] == [True] * 4
    assert adapter.timeouts[0] == 7  # not the fixed 30 s of before
    assert all(connect <= 7 and read <= 7 for connect, read in adapter.timeouts[1:])


def test_metadata_is_read_within_a_budget_set_after_the_client_was_built():
    adapter = Endpoints([(200, MIGRATION, {})])
    client, clock = connected_client(adapter, budget=120)
    client.set_budget(clock.now + 3, 'api_timeout')  # the info module sets its budget once the client exists
    client.get('rg', 'srv', 'm1')
    assert adapter.timeouts[0] == 3


def test_a_metadata_endpoint_that_never_answers_ends_within_the_budget_naming_it():
    adapter = Endpoints(metadata=requests.exceptions.ReadTimeout(
        "HTTPSConnectionPool(host='arm.example', port=443): Read timed out. (read timeout=5)"))
    client, clock = connected_client(adapter, budget=5)
    with pytest.raises(CloudError) as info:
        client.get('rg', 'srv', 'm1')
    assert adapter.timeouts == [5] and len(adapter.urls) == 1  # one request, given the whole budget, then nothing
    assert ('cannot read the cloud metadata from https://arm.example/metadata/endpoints?api-version=2022-09-01: no answer '
            "within 5 s, the time left in the task's time budget, api_timeout; raise api_timeout") in str(info.value)


def test_no_metadata_request_without_time_left():
    adapter = Endpoints()
    client, clock = connected_client(adapter, budget=0)
    with pytest.raises(CloudError) as info:
        client.get('rg', 'srv', 'm1')
    assert adapter.urls == [] and 'no time left' in str(info.value)


def test_a_sign_in_endpoint_outage_names_the_endpoint_not_the_credentials():
    outage = (503, {'error': 'temporarily_unavailable', 'error_description': 'AADSTS90033: A transient error'}, {})
    client, clock = connected_client(Endpoints(sign_in=outage), budget=20, option='wait_timeout')
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    text = str(info.value)
    assert "GET migration 'm1' failed: the sign-in endpoint login.example is unavailable (it answered HTTP 503)" in text
    assert 'not a problem with the credentials' in text and 'wait_timeout, ran out' in text
    assert sum(clock.sleeps) <= 20 and len(clock.sleeps) >= 2


def test_an_unreachable_sign_in_endpoint_is_retried_to_the_deadline_and_named():
    refused = requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused')
    client, clock = connected_client(Endpoints(sign_in=refused), budget=20)
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert 'the sign-in endpoint login.example is unavailable (it did not answer)' in str(info.value)
    assert len(clock.sleeps) >= 2 and sum(clock.sleeps) <= 20


def test_wrong_credentials_still_say_so_and_are_not_retried():
    client, clock = connected_client(Endpoints(sign_in=WRONG_SECRET), budget=20)
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.code == 'AADSTS7000215' and 'Invalid client secret provided' in str(info.value)
    assert 'sign-in endpoint' not in str(info.value) and clock.sleeps == []


@pytest.mark.parametrize('text, expected', [
    ("HTTPSConnectionPool(host='127.0.0.1', port=8443): Read timed out. (read timeout=11.566540761999931)",
     'no answer from 127.0.0.1:8443 within 11.6 s'),
    ("Max retries exceeded (Caused by ConnectTimeoutError(<x>, 'Connection to h timed out. (connect timeout=4.0001)'))",
     "Max retries exceeded (Caused by ConnectTimeoutError(<x>, 'Connection to h timed out. (no connection within 4 s)'))"),
    ('HTTP Error: 503', 'HTTP Error: 503'),
])
def test_timeouts_are_told_in_rounded_seconds(text, expected):
    assert readable_network_text(text) == expected


def test_a_slow_answer_reads_in_rounded_seconds():
    from azure.core.exceptions import ServiceResponseError
    from ansible_collections.pgflex.migration.plugins.module_utils.errors import from_azure_exception
    exc = ServiceResponseError("HTTPSConnectionPool(host='127.0.0.1', port=8443): Read timed out. (read timeout=11.566540761999931)")
    assert str(from_azure_exception(exc, "GET migration 'm1'")) == (
        "GET migration 'm1' failed: no answer from 127.0.0.1:8443 within 11.6 s")


def test_out_of_time_is_its_own_error():
    from ansible_collections.pgflex.migration.plugins.module_utils.client import fetch_json
    clock = FakeClock(10.0)
    with pytest.raises(OutOfTime):
        fetch_json('https://x/metadata/endpoints', deadline=10.0, clock=clock)
