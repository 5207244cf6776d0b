# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import module as module_base
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_info
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_service import FakeService
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, Fail, patch_exit_and_fail, run_main, use_client

MIGRATION = {'name': 'm1', 'id': '/subscriptions/s/x/migrations/m1', 'location': 'eastus',
             'properties': {'migrationId': 'g', 'currentStatus': {'state': 'InProgress', 'error': ''}}}
BASE_ARGS = {'resource_group': 'rg', 'server_name': 'srv', 'subscription_id': 'sub', 'client_id': 'app',
             'secret': 'top-secret-value', 'tenant': 'tid'}


@pytest.fixture
def run_module(monkeypatch):
    patch_exit_and_fail(monkeypatch)

    def run(args, client):
        use_client(monkeypatch, client)
        return run_main(pg_flexible_migration_info.main, args)
    return run


def test_named_migration(run_module):
    client = FakeService([MIGRATION])
    kind, result = run_module(dict(BASE_ARGS, name='m1'), client)
    assert kind is Exit, result
    assert result["changed"] is False
    assert [m['name'] for m in result['migrations']] == ['m1']
    assert result['migrations'][0]['status']['state'] == 'InProgress'
    assert client.calls == [('get', 'm1')]


def test_absent_migration_is_empty_list(run_module):
    client = FakeService([])
    kind, result = run_module(dict(BASE_ARGS, name='nothere'), client)
    assert kind is Exit and result['migrations'] == []
    assert client.calls[-1] == ('get_server', 'srv')  # absence only counts when the server exists


def test_absent_migration_on_unknown_server_fails(run_module):
    client = FakeService([], server_error=AzureApiError("GET flexible server 'srv' failed: not found", 404, 'ResourceNotFound', 'rid'))
    kind, result = run_module(dict(BASE_ARGS, name='m1'), client)
    assert kind is Fail
    assert 'HTTP 404, code ResourceNotFound, x-ms-request-id rid' in result['msg']
    assert result['error']['code'] == 'ResourceNotFound'


@pytest.mark.parametrize('option, wire', [(None, 'all'), ('all', 'all'), ('active', 'active')])
def test_list_filter_default_all(run_module, option, wire):
    client = FakeService([MIGRATION, dict(MIGRATION, name='m2')])
    args = dict(BASE_ARGS)
    if option:
        args['filter'] = option
    kind, result = run_module(args, client)
    assert [m['name'] for m in result['migrations']] == ['m1', 'm2']
    assert client.calls == [('list', 'srv', wire)]


def test_check_mode_reads(run_module):
    kind, result = run_module(dict(BASE_ARGS, name='m1', _ansible_check_mode=True), FakeService([MIGRATION]))
    assert kind is Exit and len(result['migrations']) == 1


def test_throttling_error_message(run_module):
    error = AzureApiError("LIST migrations of server 'srv' failed: slow down (gave up after 4 attempts within the 120 s retry deadline)",
                          429, 'TooManyRequests', 'r1', 'c1')
    kind, result = run_module(BASE_ARGS, FakeService(error=error))
    assert kind is Fail and 'HTTP 429' in result['msg'] and 'gave up after 4 attempts' in result['msg']


def test_unexpected_error_has_no_traceback_in_msg(run_module):
    kind, result = run_module(BASE_ARGS, FakeService(error=ValueError('weird')))
    assert kind is Fail and result['msg'].startswith('Unexpected error (ValueError): weird. This is a bug')


def test_auth_problems_fail_clearly(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    monkeypatch.setattr(module_base, 'missing_libraries', lambda: [])
    monkeypatch.delenv('AZURE_SUBSCRIPTION_ID', raising=False)
    args = {'resource_group': 'rg', 'server_name': 'srv', 'client_id': 'app', 'tenant': 'tid', 'subscription_id': 'sub'}
    kind, result = run_main(pg_flexible_migration_info.main, args)
    assert kind is Fail
    msg = result['msg']
    assert msg.startswith('Azure authentication is not configured correctly: incomplete service principal credentials')


def test_username_password_refused(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    args = {'resource_group': 'rg', 'server_name': 'srv', 'ad_user': 'me@example.com', 'password': 'pw-123', 'subscription_id': 'sub'}
    kind, result = run_main(pg_flexible_migration_info.main, args)
    assert kind is Fail
    assert 'not supported' in result['msg']


def test_missing_sdk_names_pip_packages(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    monkeypatch.setattr(module_base, 'missing_libraries', lambda: ['azure-mgmt-core'])
    kind, result = run_main(pg_flexible_migration_info.main, dict(BASE_ARGS))
    assert kind is Fail
    assert 'azure-mgmt-core' in result['msg']
    assert result['missing_packages'] == ['azure-mgmt-core']


def test_required_libraries_are_importable_here():
    assert module_base.missing_libraries() == []


def test_result_is_json_and_secret_free(run_module):
    kind, result = run_module(dict(BASE_ARGS, name='m1'), FakeService([MIGRATION]))
    assert 'top-secret-value' not in json.dumps(result)


def test_a_uuid_name_made_by_the_az_cli_is_read(run_module):
    uuid_name = '632df460-4e58-44d2-acbf-42bbce2008ee'
    client = FakeService([dict(MIGRATION, name=uuid_name)])
    kind, result = run_module(dict(BASE_ARGS, name=uuid_name), client)
    assert kind is Exit, result
    assert [m['name'] for m in result['migrations']] == [uuid_name]


@pytest.mark.parametrize('name, words', [
    ('Wave1', "try 'wave1'"),
    ('mig_1', "'_'"),
    ('m' * 64, '64 characters'),
    ('', 'empty'),
])
def test_a_name_the_service_refuses_fails_before_any_call(run_module, name, words):
    client = FakeService([MIGRATION])
    kind, result = run_module(dict(BASE_ARGS, name=name), client)
    assert kind is Fail
    assert result['msg'].startswith('Invalid input: the migration name') and words in result['msg']
    assert client.calls == []
