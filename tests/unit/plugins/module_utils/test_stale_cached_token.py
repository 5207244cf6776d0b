# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cached token the service refuses (401 without a claims challenge): forgotten, one fresh sign-in, one retry."""
from __future__ import annotations

import time

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.client import MigrationClient
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import Cloud
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError
from ansible_collections.pgflex.migration.plugins.module_utils.sign_in import CachedCredential
from ansible_collections.pgflex.migration.plugins.module_utils.token_cache import TokenCache
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock
from ansible_collections.pgflex.migration.tests.unit.plugins.module_utils.fake_azure import SignIns, canned_transport

CLOUD = Cloud('emu', 'https://arm.example/', 'https://login.example', 'https://management.core.windows.net/', True)
SCOPE = CLOUD.audience + '.default'
MIGRATION = {'name': 'm1', 'properties': {'currentStatus': {'state': 'InProgress'}}}
REFUSED = (401, {'error': {'code': 'InvalidAuthenticationToken', 'message': 'The access token is invalid.'}},
           {'WWW-Authenticate': 'Bearer authorization_uri="https://login.example/t", error="invalid_token"'})
OK = (200, MIGRATION, {})


@pytest.fixture
def cache(tmp_path):
    return TokenCache(str(tmp_path / 'cache.json'), pytest.fail)


def client_for(credential, replies):
    transport, adapter = canned_transport(replies)
    clock = FakeClock(1000.0)
    return MigrationClient(credential, 'sub', CLOUD, transport=transport, sleep=clock.sleep, clock=clock), adapter


def cached_credential(cache, sign_ins, stale=None):
    credential = CachedCredential(cache, ('authority', 'tenant', 'app', 'identity'), lambda: sign_ins)
    if stale:
        cache.store_token(credential._key((SCOPE,), None), stale, int(time.time()) + 3000)
    return credential


def test_a_refused_cached_token_is_forgotten_and_one_fresh_sign_in_succeeds(cache):
    sign_ins = SignIns()
    client, adapter = client_for(cached_credential(cache, sign_ins, stale='stale-token'), [REFUSED, OK])
    assert client.get('rg', 'srv', 'm1') == MIGRATION
    assert [r.headers['Authorization'] for r in adapter.requests] == ['Bearer stale-token', 'Bearer fresh-1']
    assert sign_ins.count == 1
    # The fresh token replaced the stale one: the next task uses it without signing in.
    again, adapter = client_for(cached_credential(cache, sign_ins), [OK])
    again.get('rg', 'srv', 'm1')
    assert adapter.requests[0].headers['Authorization'] == 'Bearer fresh-1' and sign_ins.count == 1


def test_a_second_401_is_the_error(cache):
    sign_ins = SignIns()
    client, adapter = client_for(cached_credential(cache, sign_ins, stale='stale-token'), [REFUSED, REFUSED])
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.status == 401 and len(adapter.requests) == 2 and sign_ins.count == 1
    assert 'stale-token' not in str(info.value) and 'fresh-1' not in str(info.value)


def test_a_401_to_a_freshly_signed_in_token_is_not_retried(cache):
    sign_ins = SignIns()
    client, adapter = client_for(cached_credential(cache, sign_ins), [REFUSED])
    with pytest.raises(AzureApiError) as info:
        client.get('rg', 'srv', 'm1')
    assert info.value.status == 401 and len(adapter.requests) == 1 and sign_ins.count == 1


def test_a_claims_challenge_is_left_to_the_bearer_policy(cache):
    sign_ins = SignIns()
    challenge = (401, None, {'WWW-Authenticate': 'Bearer error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="'})
    client, adapter = client_for(cached_credential(cache, sign_ins, stale='stale-token'), [challenge, OK])
    assert client.get('rg', 'srv', 'm1') == MIGRATION
    assert len(adapter.requests) == 2 and sign_ins.count == 1  # the bearer policy's one retry, no second one of ours
