# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_fleet_report
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_service import FakeService
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, Fail, patch_exit_and_fail, run_main, use_client

AUTH = {'subscription_id': 'sub', 'client_id': 'app', 'secret': 'top-secret-value', 'tenant': 'tid'}
DONE = {'name': 'fleetb01mig', 'properties': {'migrationWindowStartTimeInUtc': '2026-11-30T10:00:00Z', 'currentStatus': {
    'state': 'Succeeded', 'currentSubStateDetails': {'currentSubState': 'Completed', 'dbDetails': {
        'f01_app': {'migrationState': 'Succeeded', 'startedOn': '2026-11-30T10:00:10Z', 'endedOn': '2026-11-30T10:00:40Z'}}}}}}


@pytest.fixture
def run_module(monkeypatch):
    patch_exit_and_fail(monkeypatch)

    def run(args, client):
        use_client(monkeypatch, client)
        return run_main(pg_flexible_migration_fleet_report.main, dict(AUTH, **args))
    return run


def servers(tmp_path):
    report_dir = tmp_path / 'fleet01'
    report_dir.mkdir()
    (report_dir / 'fleet-20261130T100000Z.json').write_text(json.dumps({
        'result': 'succeeded', 'databases': ['f01_app'], 'report_markdown': str(report_dir / 'fleet-20261130T100000Z.md'),
        'verification': {'verified': True, 'databases': [{'database': 'f01_app', 'ok': True, 'source_rows': 10}]}}))
    return [{'host': 'fleet01', 'resource_group': 'rg', 'server_name': 'pg-01', 'report_dir': str(report_dir)},
            {'host': 'fleet02', 'resource_group': 'rg', 'server_name': 'pg-02', 'databases': ['f02_app']}]


def test_lists_every_server_once_and_writes_three_files(run_module, tmp_path):
    client = FakeService(per_server={'pg-01': [DONE]})
    kind, result = run_module({'servers': servers(tmp_path), 'name_prefix': 'fleet', 'dest': str(tmp_path / 'out')}, client)
    assert kind is Exit and result['changed'] is False
    assert sorted(c[1] for c in client.calls) == ['pg-01', 'pg-02']
    assert result['summary'] == '2 server(s): 1 succeeded, 0 failed, 0 in progress, 1 not run; 10 row(s) verified'
    assert [s['host'] for s in result['report']['servers']] == ['fleet02', 'fleet01']
    written = json.loads((tmp_path / 'out' / 'fleet-report.json').read_text())
    assert written['totals'] == result['report']['totals'] and written['servers'][1]['spans']
    assert (tmp_path / 'out' / 'fleet-report.html').read_text().startswith('<!DOCTYPE html>')
    assert '| fleet01 | rg/pg-01 | succeeded |' in (tmp_path / 'out' / 'fleet-report.md').read_text()
    assert 'top-secret-value' not in json.dumps(result)


def test_check_mode_writes_nothing(run_module, tmp_path):
    kind, result = run_module({'servers': servers(tmp_path), 'dest': str(tmp_path / 'out'), '_ansible_check_mode': True},
                              FakeService(per_server={'pg-01': [DONE]}))
    assert kind is Exit and not (tmp_path / 'out').exists() and result['report']['totals']['servers'] == 2


def test_an_azure_error_is_a_clear_failure(run_module, tmp_path):
    error = AzureApiError("LIST migrations of server 'pg-01' failed: (ResourceNotFound) not found", status=404, code='ResourceNotFound')
    kind, result = run_module({'servers': servers(tmp_path), 'dest': str(tmp_path / 'out')}, FakeService(per_server={}, error=error))
    assert kind is Fail and 'ResourceNotFound' in result['msg'] and not (tmp_path / 'out').exists()


def test_servers_of_several_subscriptions_are_each_listed_in_their_own(run_module, tmp_path, monkeypatch):
    # The same resource group and server name in two subscriptions: two servers, each with its own migrations.
    other = FakeService(per_server={'pg-01': []}, subscription_id='sub-two')
    built = []

    def new_client(self, subscription_id, own_transport=False):  # pylint: disable=unused-argument
        built.append(subscription_id)
        return other
    monkeypatch.setattr(pg_flexible_migration_fleet_report.MigrationModule, '_new_client', new_client)
    own = FakeService(per_server={'pg-01': [DONE], 'pg-02': []})
    fleet = servers(tmp_path) + [{'host': 'fleet01-two', 'subscription_id': 'sub-two', 'resource_group': 'rg', 'server_name': 'pg-01'},
                                 {'host': 'fleet02-own', 'subscription_id': 'SUB', 'resource_group': 'rg', 'server_name': 'pg-02'}]
    kind, result = run_module({'servers': fleet, 'name_prefix': 'fleet', 'dest': str(tmp_path / 'out')}, own)
    assert kind is Exit, result
    assert built == ['sub-two']  # one more client, for the other subscription only (ids compare case-insensitively)
    assert sorted(c[1] for c in own.calls) == ['pg-01', 'pg-02', 'pg-02'] and [c[1] for c in other.calls] == ['pg-01']
    entries = dict((s['host'], s) for s in result['report']['servers'])
    assert (entries['fleet01']['result'], entries['fleet01']['subscription_id']) == ('succeeded', 'sub')
    assert (entries['fleet01-two']['result'], entries['fleet01-two']['subscription_id']) == ('not_run', 'sub-two')
    # Names are unique per subscription only: the report leads each server with its subscription.
    assert '| fleet01-two | sub-two/rg/pg-01 | not_run |' in (tmp_path / 'out' / 'fleet-report.md').read_text()


def test_an_unknown_subscription_is_a_failure_that_names_the_option(run_module, tmp_path):
    error = AzureApiError("LIST migrations of server 'pg-01' failed: (SubscriptionNotFound) The subscription 'nope' could not be found.",
                          status=404, code='SubscriptionNotFound')
    kind, result = run_module({'servers': servers(tmp_path), 'dest': str(tmp_path / 'out')}, FakeService(per_server={}, error=error))
    assert kind is Fail and 'check subscription_id' in result['msg'] and not (tmp_path / 'out').exists()
