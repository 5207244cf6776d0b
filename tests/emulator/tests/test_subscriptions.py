"""Several subscriptions in one emulator: each request is routed to the subscription its path names, one token serves
all of them (as one Entra token serves every subscription its principal may access), an unknown subscription gets
ARM's 404 SubscriptionNotFound, and ARM's throttling buckets are per subscription."""

import pytest
import requests

from emulator.config import EmulatorConfig

from .conftest import RESOURCE_GROUP, SECOND_SERVERS, SECOND_SUBSCRIPTION, migration_body, wait_terminal

SERVER_API = '2025-08-01'
UNKNOWN = '00000000-0000-0000-0000-0000000000aa'


def _get(emu, path, token):
    return requests.get(emu.url + path, headers={'Authorization': 'Bearer ' + token}, verify=emu.ca_file, timeout=30)


@pytest.fixture(scope='module')
def token(emu):
    return emu.credential().get_token(emu.url + '/.default').token


def _server_path(sub, group, name):
    return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s' % (sub, group, name)


def test_the_default_subscription_comes_first_and_every_one_is_listed(emu, token):
    assert emu.subscription_ids == [emu.subscription_id, SECOND_SUBSCRIPTION]
    listed = _get(emu, '/subscriptions?api-version=2022-12-01', token).json()
    assert [item['subscriptionId'] for item in listed['value']] == emu.subscription_ids
    assert listed['count']['value'] == 2
    one = _get(emu, '/subscriptions/%s?api-version=2022-12-01' % SECOND_SUBSCRIPTION.upper(), token).json()
    assert one['subscriptionId'] == SECOND_SUBSCRIPTION and one['displayName'] != listed['value'][0]['displayName']
    assert emu.env()['PGFLEX_SUBSCRIPTION_IDS'] == ','.join(emu.subscription_ids)


def test_one_token_reaches_the_same_server_name_in_each_subscription_and_only_that_subscriptions_servers(emu, token):
    name, group = SECOND_SERVERS[0]
    for sub in emu.subscription_ids:
        answer = _get(emu, _server_path(sub, group, name) + '?api-version=' + SERVER_API, token)
        assert answer.status_code == 200, answer.text
        assert answer.json()['id'] == _server_path(sub, group, name)
    own_name, own_group = SECOND_SERVERS[1]
    assert _get(emu, _server_path(SECOND_SUBSCRIPTION, own_group, own_name) + '?api-version=' + SERVER_API, token).status_code == 200
    # Its resource group exists in the second subscription only.
    missing = _get(emu, _server_path(emu.subscription_id, own_group, own_name) + '?api-version=' + SERVER_API, token)
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'ResourceGroupNotFound'
    listed = _get(emu, '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers?api-version=%s'
                  % (SECOND_SUBSCRIPTION, RESOURCE_GROUP, SERVER_API), token).json()
    assert [item['name'] for item in listed['value']] == [name]


def test_migrations_belong_to_their_subscriptions_server(emu, source, target):
    name, group = SECOND_SERVERS[0]
    second = emu.mgmt_client(subscription_id=SECOND_SUBSCRIPTION)
    created = second.migrations.create(group, name, 'in-second', migration_body(source, target, ('shop',), migrationOption='Validate'))
    assert created.id.startswith('/subscriptions/%s/' % SECOND_SUBSCRIPTION)
    try:
        assert [m.name for m in second.migrations.list_by_target_server(group, name, migration_list_filter='All')] == ['in-second']
        first = emu.mgmt_client()
        assert 'in-second' not in [m.name for m in first.migrations.list_by_target_server(group, name, migration_list_filter='All')]
    finally:
        wait_terminal(second, name, 'in-second')


@pytest.mark.parametrize('path', [
    '/subscriptions/%s?api-version=2022-12-01',
    '/subscriptions/%s/resourceGroups/rg1?api-version=2021-04-01',
    '/subscriptions/%s/resourceGroups/rg1/providers/Microsoft.DBforPostgreSQL/flexibleServers/srv001/migrations?api-version=2025-08-01',
])
def test_an_unknown_subscription_gets_arms_subscription_not_found(emu, token, path):
    answer = _get(emu, path % UNKNOWN, token)
    assert answer.status_code == 404
    assert answer.json() == {'error': {'code': 'SubscriptionNotFound', 'message': "The subscription '%s' could not be found." % UNKNOWN}}


def test_throttling_buckets_are_per_subscription(emu, token):
    name, group = SECOND_SERVERS[0]
    paths = [_server_path(sub, group, name) + '?api-version=' + SERVER_API for sub in emu.subscription_ids]
    emu.settings(arm_reads_capacity=1, arm_reads_refill_per_second=0.01)
    try:
        assert _get(emu, paths[0], token).status_code == 200
        throttled = _get(emu, paths[0], token)
        assert throttled.status_code == 429 and emu.subscription_id in throttled.json()['error']['message']
        assert _get(emu, paths[1], token).status_code == 200  # the second subscription's bucket is still full
    finally:
        emu.settings(arm_reads_capacity=0, arm_reads_refill_per_second=0)


def test_config_names_the_default_first_and_refuses_unknown_subscriptions():
    assert EmulatorConfig({'subscription_ids': ['a', 'b']}).subscription_id == 'a'
    assert EmulatorConfig({'subscription_id': 'a'}).subscription_ids == ['a']
    with pytest.raises(ValueError, match='must be the first'):
        EmulatorConfig({'subscription_id': 'b', 'subscription_ids': ['a', 'b']})
    with pytest.raises(ValueError, match="server s1 names subscription 'c'"):
        EmulatorConfig({'subscription_ids': ['a', 'b'], 'servers': [{'name': 's1', 'port': 5432, 'subscription_id': 'c'}]})
