"""ARM throttling: token buckets per principal and operation type (unit, fake clock) and over HTTPS (settings API)."""

import pytest
import requests
from azure.identity import ManagedIdentityCredential

from emulator import throttle
from emulator.httpcore import ArmError

from .conftest import RESOURCE_GROUP

SP = {'oid': 'service-principal'}
MSI = {'oid': 'managed-identity'}


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _throttle(**limits):
    clock = Clock()
    settings = throttle.settings_for(limits)
    return throttle.Throttle(settings, 'sub-1', clock=clock), clock, settings


def test_off_by_default():
    bucket = throttle.Throttle(dict(throttle.DEFAULT_SETTINGS), 'sub-1')
    assert all(bucket.take(SP, 'GET') == ('reads', None) for attempt in range(1000))


def test_a_full_bucket_empties_then_answers_429_with_retry_after():
    bucket, clock, settings = _throttle(reads=(3, 0.5))
    assert [bucket.take(SP, 'GET') for attempt in range(3)] == [('reads', 2), ('reads', 1), ('reads', 0)]
    with pytest.raises(ArmError) as caught:
        bucket.take(SP, 'HEAD')
    response = caught.value.response()
    assert response.status == 429 and response.headers['Retry-After'] == '2'  # one token at 0.5/s
    assert response.body['error']['code'] == 'SubscriptionRequestsThrottled'
    assert "'read' requests for subscription 'sub-1' actor 'service-principal'" in response.body['error']['message']
    clock.now += 2
    assert bucket.take(SP, 'GET') == ('reads', 0)


def test_refill_never_exceeds_the_capacity():
    bucket, clock, settings = _throttle(reads=(2, 10))
    bucket.take(SP, 'GET')
    clock.now += 3600
    assert bucket.take(SP, 'GET') == ('reads', 1)


def test_each_principal_and_operation_type_has_its_own_bucket():
    bucket, clock, settings = _throttle(reads=(1, 0.1), writes=(1, 0.1), deletes=(1, 0.1))
    assert bucket.take(SP, 'GET') == ('reads', 0)
    assert bucket.take(MSI, 'GET') == ('reads', 0)
    assert bucket.take(SP, 'PUT') == ('writes', 0)
    with pytest.raises(ArmError):
        bucket.take(SP, 'PATCH')  # PATCH and POST are writes too
    assert bucket.take(SP, 'DELETE') == ('deletes', 0)
    with pytest.raises(ArmError) as caught:
        bucket.take(SP, 'DELETE')
    assert caught.value.response().headers['x-ms-ratelimit-remaining-subscription-deletes'] == '0'


def test_limits_follow_the_live_settings():
    bucket, clock, settings = _throttle(reads=(1, 0.1))
    bucket.take(SP, 'GET')
    settings['arm_reads_capacity'] = 0  # switched off at run time (admin PATCH)
    assert bucket.take(SP, 'GET') == ('reads', None)


def test_the_scaled_shape_keeps_azures_proportions():
    assert throttle.AZURE_LIMITS == {'reads': (250, 25.0), 'writes': (200, 10.0), 'deletes': (200, 10.0)}
    for kind, (capacity, refill) in throttle.SCALED_LIMITS.items():
        assert 1 <= capacity < throttle.AZURE_LIMITS[kind][0] and 0 < refill < throttle.AZURE_LIMITS[kind][1]


def _server_url(emu, server):
    return '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s?api-version=2026-10-01' % (
        emu.url, emu.subscription_id, RESOURCE_GROUP, server)


@pytest.fixture
def throttled(emu):
    emu.settings(**throttle.settings_for({'reads': (3, 0.05)}))
    yield emu
    emu.settings(**throttle.settings_for({'reads': (0, 0)}))


def test_settings_api_throttles_each_principal_and_the_sdk_retries(throttled, server, monkeypatch):
    emu = throttled
    token = emu.credential().get_token(emu.url + '/.default').token
    answers = [requests.get(_server_url(emu, server), headers={'Authorization': 'Bearer ' + token}, verify=emu.ca_file, timeout=10)
               for attempt in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers['x-ms-ratelimit-remaining-subscription-reads'] for a in answers] == ['2', '1', '0', '0']
    assert int(answers[3].headers['Retry-After']) >= 1
    # The managed identity is another principal: its own full bucket.
    monkeypatch.setenv('IDENTITY_ENDPOINT', emu.identity_endpoint)
    monkeypatch.setenv('IDENTITY_HEADER', emu.managed_identity['header'])
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', emu.ca_file)
    monkeypatch.delenv('MSI_ENDPOINT', raising=False)
    assert emu.mgmt_client(credential=ManagedIdentityCredential()).servers.get(RESOURCE_GROUP, server).name == server
    # Unknown settings are refused by the admin API; the throttling ones are listed.
    assert 'arm_writes_refill_per_second' in emu.admin('GET', '/settings')
