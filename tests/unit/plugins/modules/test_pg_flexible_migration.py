# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration end to end with a stub client and a fake clock (the emulator tests are the integration)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ansible.module_utils import basic

from ansible_collections.pgflex.migration.plugins.module_utils import migration_flow
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_service import FakeService, status
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, Fail, patch_exit_and_fail, run_main, use_client

SOURCE_SECRET = 'marker-src-Pa55'
TARGET_SECRET = 'marker-tgt-Pa55'
AUTH = {'subscription_id': 'sub', 'client_id': 'app', 'secret': 'marker-client-secret', 'tenant': 'tid'}
CREATE = dict(AUTH, resource_group='rg', server_name='target', name='mig1', source_type='OnPremises', source_server='10.0.0.4:5432@postgres',
              source_password=SOURCE_SECRET, target_password=TARGET_SECRET, databases=['app', 'audit'])


def create_args_without(option):
    """CREATE with one option left out."""
    return dict((key, value) for key, value in CREATE.items() if key != option)


def existing(name='mig1', mode='Offline', state='InProgress', substate='MigratingData', dbs=None, **props):
    properties = {'sourceType': 'OnPremises', 'migrationMode': mode, 'migrationOption': 'ValidateAndMigrate',
                  'sourceDbServerResourceId': '10.0.0.4:5432@postgres',
                  'dbsToMigrate': ['app', 'audit'], 'overwriteDbsInTarget': 'False', 'triggerCutover': 'True' if mode == 'Offline' else 'False',
                  'currentStatus': status(state, substate, dbs)}
    properties.update(props)
    return {'name': name, 'location': 'Canada Central', 'properties': properties}


@pytest.fixture
def run_module(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    fake_time = FakeClock(1000.0)
    monkeypatch.setattr(migration_flow, 'time', fake_time)
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))

    def run(args, client, check_mode=False, diff=False):
        use_client(monkeypatch, client)
        kind, result = run_main(pg_flexible_migration.main, dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff))
        result['_warnings'] = list(warnings)
        dumped = json.dumps(result, default=str)
        for marker in (SOURCE_SECRET, TARGET_SECRET, AUTH['secret']):
            assert marker not in dumped, 'secret leaked into the result'
        return kind, result
    return run


# ---- create and idempotency -------------------------------------------------------------------

def test_create_sends_rest_json_and_returns_no_secrets(run_module):
    client = FakeService()
    kind, result = run_module(dict(CREATE, overwrite_databases=True, tags={'wave': '1'}), client, diff=True)
    assert kind is Exit, result
    assert result['changed'] is True and result['actions'] == ['create']
    assert [c[0] for c in client.calls] == ['get', 'get_server', 'check_name', 'list', 'create']
    body = client.calls[-1][2]
    assert body['location'] == 'Canada Central'
    assert body['properties']['overwriteDbsInTarget'] == 'True'
    assert body['properties']['migrationMode'] == 'Offline'
    assert body['properties']['secretParameters']['adminCredentials']['sourceServerPassword'] == SOURCE_SECRET
    assert result['migration']['status']['state'] == 'InProgress'
    assert result['diff']['before'] == {} and result['diff']['after']['databases'] == ['app', 'audit']
    assert result['progress'][0]['state'] == 'InProgress'


def test_rerun_with_same_settings_is_unchanged(run_module):
    client = FakeService()
    run_module(CREATE, client)
    client.calls = []
    kind, result = run_module(dict(CREATE, migration_mode='OFFLINE'.lower(), location='canadacentral'), client)
    assert kind is Exit, result
    assert result['changed'] is False
    assert client.mutating_calls() == []


def test_drift_lists_each_field_and_changes_nothing(run_module):
    client = FakeService([existing()])
    kind, result = run_module(dict(CREATE, migration_mode='online', databases=['app']), client)
    assert kind is Fail
    assert "migration_mode: requested 'online', existing 'offline'" in result['msg']
    assert 'databases: requested [app], existing [app, audit]' in result['msg']
    assert client.mutating_calls() == []


def test_one_active_migration_per_server(run_module):
    client = FakeService([existing(name='other')])
    kind, result = run_module(CREATE, client)
    assert kind is Fail
    assert "active migration 'other'" in result['msg']
    assert client.mutating_calls() == []


def test_check_mode_never_creates(run_module):
    client = FakeService()
    kind, result = run_module(CREATE, client, check_mode=True, diff=True)
    assert kind is Exit and result['changed'] is True
    assert client.mutating_calls() == []
    assert result['migration']['dbs_to_migrate'] == ['app', 'audit']


# ---- retry_failed: a new attempt after one that ended without success ---------------------------------

@pytest.mark.parametrize('ended', ['Failed', 'ValidationFailed', 'Canceled'])
def test_retry_failed_creates_the_next_attempt(run_module, ended):
    client = FakeService([existing(state=ended, substate=None), existing(name='mig1r2', state='Failed', substate=None)])
    kind, result = run_module(dict(CREATE, retry_failed=True), client, check_mode=True)
    assert kind is Exit and result['changed'] is True
    assert result['migration']['name'] == 'mig1r3'
    assert result['actions'] == ["retry: mig1r2 ended Failed", 'create']
    assert [c for c in client.calls if c[0] == 'get'] == [('get', 'mig1'), ('get', 'mig1r2'), ('get', 'mig1r3')]
    assert client.mutating_calls() == []


@pytest.mark.parametrize('latest_state', ['InProgress', 'Succeeded'])
def test_retry_failed_resumes_the_latest_attempt(run_module, latest_state):
    client = FakeService([existing(state='Failed', substate=None), existing(name='mig1r2', state=latest_state)])
    kind, result = run_module(dict(CREATE, retry_failed=True), client)
    assert kind is Exit and result['changed'] is False
    assert result['migration']['name'] == 'mig1r2' and result['actions'] == []
    assert client.mutating_calls() == []


def test_without_retry_failed_an_ended_migration_is_reported_as_it_is(run_module):
    client = FakeService([existing(state='Failed', substate=None)])
    kind, result = run_module(dict(CREATE, wait=True), client)
    assert kind is Fail and "Migration 'mig1' ended Failed" in result['msg']
    assert client.mutating_calls() == []


def test_retry_failed_refuses_an_attempt_name_too_long(run_module):
    name = 'm' * 62
    client = FakeService([existing(name=name, state='Failed', substate=None)])
    kind, result = run_module(dict(CREATE, name=name, retry_failed=True), client)
    assert kind is Fail
    assert 'retry_failed cannot name another attempt' in result['msg'] and 'at most 63' in result['msg']
    assert client.mutating_calls() == []


# ---- bad input: a message and zero calls ---------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    (dict(CREATE, name='Mig1'), 'uppercase'),
    (dict(CREATE, name='mig_1'), "'_'"),
    (dict(CREATE, databases=['d%d' % i for i in range(51)]), 'at most 50'),
    (dict(CREATE, source_server='nohost'), 'host:port@user'),
    (dict(CREATE, migration_window_start='2026-01-02T00:00:00Z', migration_window_end='2026-01-01T00:00:00Z'), 'must be after'),
    (dict(CREATE, migration_instance_resource_id='/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/target'),
     'target server'),
    (dict(CREATE, state='cancelled', cutover=True), 'cutover cannot be combined'),
    (dict(CREATE, cutover='maybe'), 'cutover must be true, false or a list'),
    (dict(CREATE, properties_file='/nonexistent/props.json'), 'does not exist'),
    (dict(CREATE, progress_interval=0), 'progress_interval must be between 1 and 3600'),
    (dict(CREATE, progress_interval=3601), 'progress_interval must be between 1 and 3600'),
    (dict(CREATE, max_latency=5), 'max_latency applies to wait_for: cutover_ready only'),
    (dict(CREATE, wait_for='cutover_ready', max_latency=-1), 'max_latency must be between 0 and 86400 seconds; got -1'),
    (dict(CREATE, wait_for='cutover_ready', max_latency=10 ** 400), 'max_latency must be between 0 and 86400 seconds; got a 401'),
])
def test_bad_input_makes_no_call(run_module, args, words):
    client = FakeService()
    kind, result = run_module(args, client)
    assert kind is Fail
    assert words in result['msg']
    assert 'Nothing was changed' in result['msg']
    assert client.calls == []


def test_unknown_source_type_is_refused_by_the_argument_spec(run_module):
    client = FakeService()
    kind, result = run_module(dict(CREATE, source_type='Oracle'), client)
    assert kind is Fail and 'source_type' in result['msg']
    assert client.calls == []


def test_missing_password_on_create_makes_no_mutating_call(run_module):
    client = FakeService()
    kind, result = run_module(create_args_without('target_password'), client)
    assert kind is Fail
    assert 'needs target_password' in result['msg']
    assert client.mutating_calls() == []


# ---- properties file ------------------------------------------------------------------------------

def test_properties_file_is_merged_under_the_options(run_module, tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps({'properties': {
        'SourceType': 'OnPremises', 'sourceDBServerResourceId': 'db.example.com:5432@me', 'DBSTOMIGRATE': ['x'], 'overwriteDbsInTarget': True,
        'SecretParameters': {'adminCredentials': {'SourceServerPassword': SOURCE_SECRET, 'TargetServerPassword': TARGET_SECRET}},
        'MigrationMode': 'Online'}}))
    client = FakeService()
    args = dict(AUTH, resource_group='rg', server_name='target', name='mig2', properties_file=str(path), databases=['y'])
    kind, result = run_module(args, client)
    assert kind is Exit, result
    body = client.calls[-1][2]['properties']
    assert body['sourceDbServerResourceId'] == 'db.example.com:5432@me'
    assert body['dbsToMigrate'] == ['y']
    assert body['overwriteDbsInTarget'] == 'True'
    assert any("'MigrationMode' is not read from the file" in w for w in result['_warnings'])


def test_properties_file_defect_makes_no_call(run_module, tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps({'properties': {'SourceServerUsername': 'u'}}))
    client = FakeService()
    kind, result = run_module(dict(CREATE, properties_file=str(path)), client)
    assert kind is Fail and 'must be inside SecretParameters' in result['msg']
    assert client.calls == []


# ---- waiting ---------------------------------------------------------------------------------------

def test_wait_until_succeeded_returns_the_trail(run_module):
    client = FakeService(script=[
        status('InProgress', 'MigratingData', {'app': {'migrationState': 'InProgress', 'fullLoadCompletedTables': 1, 'fullLoadQueuedTables': 1}}),
        status('Succeeded', 'Completed', {'app': {'migrationState': 'Succeeded', 'fullLoadCompletedTables': 2}}),
    ])
    kind, result = run_module(dict(CREATE, wait=True, poll_interval=5), client)
    assert kind is Exit, result
    assert [(p['state'], p.get('substate')) for p in result['progress']] == [
        ('InProgress', None), ('InProgress', 'MigratingData'), ('Succeeded', 'Completed')]
    assert result['progress'][1]['databases']['app']['tables_total'] == 2
    assert result['migration']['status']['state'] == 'Succeeded'


def test_validation_failure_fails_with_the_reason(run_module):
    validation = {'status': 'Failed', 'dbLevelValidationDetails': [{'databaseName': 'app', 'summary': [
        {'type': 'ExtensionsValidation', 'state': 'Failed', 'messages': [{'state': 'Failed', 'message': 'Unsupported Extension postgres_fdw'}]}]}]}
    client = FakeService(script=[status('ValidationFailed', 'Completed', {}, validation)])
    kind, result = run_module(dict(CREATE, wait=True, poll_interval=1), client)
    assert kind is Fail
    assert 'ended ValidationFailed' in result['msg'] and 'Unsupported Extension postgres_fdw' in result['msg']


def test_timeout_says_rerun_resumes(run_module):
    client = FakeService([existing()], script=[status('InProgress', 'MigratingData')])
    kind, result = run_module(dict(CREATE, wait=True, wait_timeout=30, poll_interval=10), client)
    assert kind is Fail
    assert 'Timed out after 30s waiting for migration mig1' in result['msg'] and 'to resume waiting' in result['msg']
    assert result['timed_out'] is True and result['wait_target'] == 'completed'
    assert client.deadline == 1030.0  # API retries end with the task too


def test_throttling_while_waiting_is_retried(run_module):
    client = FakeService([existing()], script=[status('InProgress', 'MigratingData'), status('Succeeded', 'Completed')],
                         fail_get=[])
    throttled = AzureApiError('GET failed: too many requests', status=429, code='TooManyRequests')
    original_get = client.get
    calls = {'n': 0}

    def flaky_get(rg, server, name):
        calls['n'] += 1
        if calls['n'] == 2:
            raise throttled
        return original_get(rg, server, name)
    client.get = flaky_get
    kind, result = run_module(dict(CREATE, wait=True, poll_interval=5), client)
    assert kind is Exit, result
    assert any('too many requests' in p.get('note', '') for p in result['progress'])


def test_waiting_stops_on_an_unanswered_question(run_module):
    client = FakeService([existing()], script=[status('WaitingForUserAction', 'WaitingForTargetDBOverwriteConfirmation')])
    kind, result = run_module(dict(CREATE, wait=True), client)
    assert kind is Fail
    assert 'overwrite_databases: true' in result['msg']


def test_overwrite_confirmation_is_answered(run_module):
    client = FakeService([existing(state='WaitingForUserAction', substate='WaitingForTargetDBOverwriteConfirmation')])
    kind, result = run_module(dict(CREATE, overwrite_databases=True), client)
    assert kind is Exit, result
    assert result['changed'] is True
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'overwriteDbsInTarget': 'True'}})]


# ---- cutover --------------------------------------------------------------------------------------

def test_cutover_refused_on_offline(run_module):
    client = FakeService([existing()])
    kind, result = run_module(dict(CREATE, cutover=True), client)
    assert kind is Fail and 'offline migration' in result['msg']
    assert client.mutating_calls() == []


def test_cutover_online_when_ready(run_module):
    client = FakeService([existing(mode='Online', state='WaitingForUserAction', substate='WaitingForCutoverTrigger')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', cutover=['app']), client)
    assert kind is Exit, result
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'triggerCutover': 'True', 'dbsToTriggerCutoverOn': ['app']}})]


def test_cutover_of_completed_migration_is_unchanged(run_module):
    client = FakeService([existing(mode='Online', state='Succeeded', substate='Completed')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', cutover=True), client)
    assert kind is Exit and result['changed'] is False
    assert client.mutating_calls() == []


def test_cutover_not_ready_without_wait_fails(run_module):
    client = FakeService([existing(mode='Online')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', cutover=True), client)
    assert kind is Fail and 'not ready for cutover' in result['msg']


# ---- cancel ---------------------------------------------------------------------------------------

CANCEL = dict(AUTH, resource_group='rg', server_name='target', name='mig1', state='cancelled')


def test_cancel_whole_migration_and_wait(run_module):
    client = FakeService([existing()], script=[status('InProgress', 'MigratingData'), status('InProgress', 'CancelingRequestedDBMigrations'),
                                               status('Canceled', 'Completed')])
    kind, result = run_module(dict(CANCEL, wait=True, poll_interval=2), client, diff=True)
    assert kind is Exit, result
    assert result['changed'] is True
    assert ('cancel', 'mig1') in client.calls
    assert result['migration']['status']['state'] == 'Canceled'
    assert result['diff']['after']['state'] == 'Canceled'
    assert any('does not roll back' in w for w in result['_warnings'])


def test_cancel_again_is_unchanged(run_module):
    client = FakeService([existing(state='Canceled', substate='Completed')])
    kind, result = run_module(CANCEL, client)
    assert kind is Exit and result['changed'] is False and 'already Canceled' in result['msg']


def test_cancel_per_database(run_module):
    client = FakeService([existing()])
    kind, result = run_module(dict(CANCEL, cancel_databases=['audit']), client)
    assert kind is Exit, result
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'cancel': 'True', 'dbsToCancelMigrationOn': ['audit']}})]


def test_cancel_absent_fails(run_module):
    kind, result = run_module(CANCEL, FakeService())
    assert kind is Fail and "no migration named 'mig1'" in result['msg']


def test_cancel_in_check_mode_makes_no_call(run_module):
    client = FakeService([existing()])
    kind, result = run_module(CANCEL, client, check_mode=True)
    assert kind is Exit and result['changed'] is True
    assert client.mutating_calls() == []


def test_failure_after_create_still_reports_changed(run_module):
    client = FakeService(script=[status('Failed', 'Completed')])
    kind, result = run_module(dict(CREATE, wait=True), client)
    assert kind is Fail
    assert result['changed'] is True and result['actions'] == ['create']
    assert not result['msg'].endswith('..')


def test_wait_for_validated_fails_when_validation_failed(run_module):
    validation = {'status': 'Failed', 'serverLevelValidationDetails': [{'type': 'SourceVersionValidation', 'state': 'Failed'}]}
    client = FakeService(script=[status('ValidationFailed', 'Completed', {}, validation)])
    kind, result = run_module(dict(CREATE, wait=True, wait_for='validated'), client)
    assert kind is Fail and 'SourceVersionValidation' in result['msg']


def test_start_data_migration_answers_the_window_wait(run_module):
    client = FakeService([existing(substate='WaitingForDataMigrationWindow', startDataMigration='False')])
    kind, result = run_module(dict(CREATE, start_data_migration=True), client)
    assert kind is Exit, result
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'startDataMigration': 'True'}})]


def test_start_data_migration_differing_on_a_running_migration_is_drift(run_module):
    client = FakeService([existing(startDataMigration='False')])
    kind, result = run_module(dict(CREATE, start_data_migration=True), client)
    assert kind is Fail and 'start_data_migration: requested true, existing false' in result['msg']


def test_new_tags_are_updated_not_drift(run_module):
    client = FakeService([dict(existing(), tags={'wave': '1'})])
    kind, result = run_module(dict(CREATE, tags={'wave': '2'}), client, diff=True)
    assert kind is Exit, result
    assert result['actions'] == ['update tags']
    assert client.mutating_calls() == [('update', 'mig1', {'tags': {'wave': '2'}})]
    assert result['diff']['before']['tags'] == {'wave': '1'} and result['diff']['after']['tags'] == {'wave': '2'}
    client.calls = []
    kind, result = run_module(dict(CREATE, tags={'wave': '2'}), client)
    assert result['changed'] is False and client.mutating_calls() == []


def test_cutover_with_wait_waits_until_ready_then_cuts_over_and_completes(run_module):
    ready = status('WaitingForUserAction', 'WaitingForCutoverTrigger', {'app': {'migrationState': 'WaitingForCutoverTrigger'}})
    client = FakeService([existing(mode='Online')], script=[
        status('InProgress', 'MigratingData'), ready, status('InProgress', 'CompletingMigration'), status('Succeeded', 'Completed')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', cutover=True, wait=True), client)
    assert kind is Exit, result
    assert result['actions'] == ['cutover all databases']
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'triggerCutover': 'True'}})]
    assert [p['substate'] for p in result['progress']] == [
        'MigratingData', 'WaitingForCutoverTrigger', 'CompletingMigration', 'Completed']


def test_wait_timeout_0_reads_once_within_api_timeout_and_reports_a_timeout(run_module):
    # A zero wait budget would leave the one read no time to be answered: it gets api_timeout like a call without wait.
    client = FakeService([existing()], script=[status('InProgress', 'MigratingData')])
    kind, result = run_module(dict(CREATE, wait=True, wait_timeout=0, poll_interval=10, api_timeout=30), client)
    assert kind is Fail and result['timed_out'] is True
    assert client.calls == [('get', 'mig1')]
    assert client.budget_option == 'api_timeout'


def test_max_latency_holds_through_the_cutover_question_until_the_lag_drops(run_module):
    def waiting(lag):
        return status('WaitingForUserAction', 'WaitingForCutoverTrigger', {'app': {'migrationState': 'WaitingForCutoverTrigger', 'latency': lag}})
    client = FakeService([existing(mode='Online')], script=[status('InProgress', 'MigratingData'), waiting(30), waiting(9), waiting(2)])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', wait=True, wait_for='cutover_ready',
                                   max_latency=5), client)
    assert kind is Exit, result
    assert client.mutating_calls() == []
    assert result['migration']['status']['databases'][0]['latency'] == 2


def _hours_ago(hours):
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.mark.parametrize('copied_hours_ago, warned', [(50, True), (10, False)])
def test_a_wait_for_cutover_warns_in_the_last_day_of_the_cutover_window(run_module, copied_hours_ago, warned):
    ready = status('WaitingForUserAction', 'WaitingForCutoverTrigger',
                   {'app': {'migrationState': 'WaitingForCutoverTrigger', 'startedOn': _hours_ago(copied_hours_ago)}})
    client = FakeService([existing(mode='Online', migrationWindowStartTimeInUtc=_hours_ago(60))], script=[ready])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', wait=True,
                                   wait_for='cutover_ready'), client)
    assert kind is Exit, result
    clock = result['migration']['status']['service_clock']
    assert clock['limit'] == 'cutover_window' and clock['seconds_left'] <= (72 - copied_hours_ago) * 3600
    warnings = [w for w in result['_warnings'] if "72-hour cutover window" in w]
    assert bool(warnings) is warned
    if warned:
        assert 'trigger the cutover' in warnings[0]


# ---- name availability (checkMigrationNameAvailability) before create ----------------------------

def test_available_name_is_checked_then_created(run_module):
    client = FakeService()
    kind, result = run_module(CREATE, client)
    assert kind is Exit and result['changed'] is True
    names = [call[0] for call in client.calls]
    assert names.index('check_name') < names.index('create')


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('reason, message', [
    ('AlreadyExists', "A migration named 'mig1' already exists (or existed) on server 'target'."),
    ('Invalid', 'A migration name must start with a lowercase letter.'),
])
def test_unavailable_name_is_refused_with_the_service_reason(run_module, check_mode, reason, message):
    client = FakeService(name_check={'nameAvailable': False, 'reason': reason, 'message': message})
    kind, result = run_module(CREATE, client, check_mode=check_mode)
    assert kind is Fail
    assert message.rstrip('.') + ' (reason %s)' % reason in result['msg']
    assert 'choose another name' in result['msg'] and 'Nothing was changed' in result['msg']
    assert client.mutating_calls() == []


def test_existing_migration_needs_no_name_check(run_module):
    client = FakeService([existing(state='Succeeded', substate='Completed')])
    kind, dummy = run_module(CREATE, client)
    assert kind is Exit
    assert 'check_name' not in [call[0] for call in client.calls]


def test_host_port_source_without_source_type_is_created_as_on_premises(run_module):
    client = FakeService()
    kind, dummy = run_module(create_args_without('source_type'), client)
    assert kind is Exit
    assert [c for c in client.calls if c[0] == 'create'][0][2]['properties']['sourceType'] == 'OnPremises'


# ---- bad input the service would only judge late (issue: reliability campaign) ----------------------------

def test_location_other_than_the_servers_region_is_refused_before_create(run_module):
    client = FakeService(server_location='Canada Central')
    kind, result = run_module(dict(CREATE, location='Mars Central'), client)
    assert kind is Fail and client.mutating_calls() == []
    assert 'check_name' not in [call[0] for call in client.calls]  # bad input never reaches the name check
    assert ("location 'Mars Central' is not the region of the target server target (Canada Central)" in result['msg']
            and 'leave location out' in result['msg'])
    kind, result = run_module(dict(CREATE, name='mig2', location='canadacentral'), client)
    assert kind is Exit, result
    assert client.calls[-1][2]['location'] == 'canadacentral'


def test_unknown_cancel_database_on_a_finished_migration_is_flagged(run_module):
    client = FakeService([existing(state='Succeeded', substate='Completed')])
    kind, result = run_module(dict(CREATE, state='cancelled', cancel_databases=['nosuchdb']), client)
    assert kind is Fail and client.mutating_calls() == []
    assert 'cancel_databases lists nosuchdb, which migration' in result['msg']


@pytest.mark.parametrize('option', ['server_name', 'resource_group'])
def test_empty_target_server_options_are_refused(run_module, option):
    client = FakeService()
    kind, result = run_module(dict(CREATE, **{option: ' '}), client)
    assert kind is Fail and client.calls == []
    assert result['msg'].startswith('Invalid input: %s is empty; give the ' % option)


def test_without_wait_api_timeout_bounds_the_task(run_module):
    client = FakeService()
    kind, result = run_module(dict(CREATE, api_timeout=30), client)
    assert kind is Exit, result
    assert (client.deadline, client.budget_option) == (1030.0, 'api_timeout')


def test_wait_stops_when_the_controller_is_gone(run_module, monkeypatch):
    gone = iter([None, 4242])
    monkeypatch.setattr(migration_flow.ControllerWatch, 'gone', lambda self: next(gone))
    client = FakeService([existing()], script=[status('InProgress', 'MigratingData')] * 5)
    kind, result = run_module(dict(CREATE, wait=True, poll_interval=5), client)
    assert kind is Fail
    assert result['msg'].startswith("The ansible-playbook run that started this task is gone, so the module stopped "
                                    "waiting for migration 'mig1'")
    assert len([c for c in client.calls if c[0] == 'get']) == 2  # the first read, then one poll before the controller went


# ---- spellings of the API, the CLI and the seed ---------------------------------------------------

def test_api_and_cli_spellings_are_accepted_and_results_keep_one(run_module):
    client = FakeService()
    args = dict(CREATE, source_type='onpremises', migration_mode='Offline', migration_option='validate-and-migrate',
                ssl_mode='VerifyFull', state='Present', wait_for='Completed')
    kind, result = run_module(args, client, diff=True)
    assert kind is Exit, result
    props = client.calls[-1][2]['properties']
    assert (props['sourceType'], props['migrationMode'], props['migrationOption'], props['sslMode']) == (
        'OnPremises', 'Offline', 'ValidateAndMigrate', 'VerifyFull')
    assert result['diff']['after']['migration_mode'] == 'offline'
    assert result['diff']['after']['migration_option'] == 'validate_and_migrate'
    assert result['diff']['after']['ssl_mode'] == 'verify_full'


def test_the_api_spelling_of_cancelled_is_accepted(run_module):
    client = FakeService([existing(state='Canceled', substate='Completed')])
    kind, result = run_module(dict(CANCEL, state='Canceled'), client)
    assert kind is Exit and 'already Canceled' in result['msg']


def test_an_unknown_spelling_is_refused_listing_the_choices(run_module):
    client = FakeService()
    kind, result = run_module(dict(CREATE, migration_mode='Offlien'), client)
    assert kind is Fail and 'migration_mode' in result['msg'] and 'offline, online' in result['msg']
    assert client.calls == []


# ---- migrations created elsewhere under the az CLI's uuid names ------------------------------------

UUID_NAME = '632df460-4e58-44d2-acbf-42bbce2008ee'  # recorded: accepted by the real service


def test_a_uuid_named_migration_is_waited_for(run_module):
    client = FakeService([existing(name=UUID_NAME)], script=[status('InProgress', 'MigratingData'), status('Succeeded', 'Completed')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name=UUID_NAME, wait=True, poll_interval=2), client)
    assert kind is Exit, result
    assert result['migration']['status']['state'] == 'Succeeded' and client.mutating_calls() == []


def test_a_uuid_named_online_migration_is_cut_over(run_module):
    client = FakeService([existing(name=UUID_NAME, mode='Online', substate='WaitingForCutoverTrigger')])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name=UUID_NAME, cutover=True), client)
    assert kind is Exit, result
    assert client.mutating_calls()[0][:2] == ('update', UUID_NAME)


def test_a_uuid_named_migration_is_cancelled(run_module):
    client = FakeService([existing(name=UUID_NAME, substate='PerformingPreRequisiteSteps')])
    kind, result = run_module(dict(CANCEL, name=UUID_NAME), client)
    assert kind is Exit, result
    assert client.mutating_calls() == [('cancel', UUID_NAME)]


def test_a_failed_uuid_named_migration_is_retried(run_module):
    client = FakeService([existing(name=UUID_NAME, state='Failed', substate='Completed')])
    kind, result = run_module(dict(CREATE, name=UUID_NAME, retry_failed=True), client, check_mode=True)
    assert kind is Exit, result
    assert result['migration']['name'] == UUID_NAME + 'r2'


def test_an_uppercase_uuid_is_refused_before_any_call(run_module):
    client = FakeService()
    kind, result = run_module(dict(CANCEL, name=UUID_NAME.upper()), client)
    assert kind is Fail and ("try '%s'" % UUID_NAME) in result['msg'] and client.calls == []


# ---- cancel and the data already copied -------------------------------------------------------------

COPYING = {'app': {'migrationState': 'Succeeded'}, 'audit': {'migrationState': 'WaitingForCutoverTrigger'}}


@pytest.mark.parametrize('check_mode', [False, True])
def test_cancel_that_would_drop_copied_databases_is_refused_naming_the_option(run_module, check_mode):
    client = FakeService([existing(mode='Online', substate='WaitingForCutoverTrigger', dbs=COPYING)])
    kind, result = run_module(CANCEL, client, check_mode=check_mode)
    assert kind is Fail
    assert result['dropped_databases'] == ['audit'] and result['changed'] is False
    assert 'drop audit on target server target' in result['msg'] and 'audit WaitingForCutoverTrigger' in result['msg']
    assert 'drop_copied_databases: true' in result['msg'] and 'Nothing was changed' in result['msg']
    assert client.mutating_calls() == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_cancel_with_drop_copied_databases_says_what_is_dropped(run_module, check_mode):
    client = FakeService([existing(mode='Online', substate='WaitingForCutoverTrigger', dbs=COPYING)])
    kind, result = run_module(dict(CANCEL, drop_copied_databases=True), client, check_mode=check_mode, diff=True)
    assert kind is Exit, result
    assert result['changed'] is True and result['dropped_databases'] == ['audit']
    assert result['diff']['after']['dropped_databases'] == ['audit']
    assert any('drops audit' in w for w in result['_warnings'])
    assert client.mutating_calls() == ([] if check_mode else [('cancel', 'mig1')])


def test_per_database_cancel_lists_only_those_databases(run_module):
    dbs = {'app': {'migrationState': 'InProgress'}, 'audit': {'migrationState': 'InProgress'}}
    client = FakeService([existing(dbs=dbs)])
    kind, result = run_module(dict(CANCEL, cancel_databases=['audit']), client)
    assert kind is Fail and result['dropped_databases'] == ['audit'] and 'cancelling databases audit' in result['msg']
    kind, result = run_module(dict(CANCEL, cancel_databases=['audit'], drop_copied_databases=True), client)
    assert kind is Exit and result['dropped_databases'] == ['audit']


def test_cancel_before_any_copy_drops_nothing_and_needs_no_option(run_module):
    client = FakeService([existing(substate='ValidationInProgress')])
    kind, result = run_module(CANCEL, client)
    assert kind is Exit and result['dropped_databases'] == [] and client.mutating_calls() == [('cancel', 'mig1')]


def test_drop_copied_databases_only_applies_to_cancel(run_module):
    client = FakeService()
    kind, result = run_module(dict(CREATE, drop_copied_databases=True), client)
    assert kind is Fail and 'drop_copied_databases only applies with state=cancelled' in result['msg']
    assert client.calls == []


# ---- the service's error codes ---------------------------------------------------------------------

def test_a_failure_names_the_service_error_code_and_the_fix(run_module):
    failed = status('Failed', 'Completed')
    failed['error'] = 'DB002: Migration failed. Please reference MigrationId 42 for more details.'
    failed['currentSubStateDetails']['dbDetails'] = {
        'app': {'migrationState': 'Failed', 'message': '603101: Database app exists on the target server.'}}
    client = FakeService([existing()], script=[failed])
    kind, result = run_module(dict(AUTH, resource_group='rg', server_name='target', name='mig1', wait=True), client)
    assert kind is Fail
    assert 'service error DB002 is not in' in result['msg']
    assert 'service error 603101: A database of the migration already exists on the target server.' in result['msg']
    assert 'overwrite_databases: true' in result['msg']


def test_an_api_error_names_the_service_error_code(run_module):
    error = AzureApiError("PUT migration 'mig1' failed: Error code: 603100. Authentication failed.", 400, 'InvalidInput', 'rid')
    client = FakeService()

    def refuse(*args):
        raise error
    client.create = refuse
    kind, result = run_module(CREATE, client)
    assert kind is Fail and 'service error 603100: The password for a server of the migration is wrong.' in result['msg']


def test_timeout_text_says_only_the_state_when_there_is_no_substate():
    text = migration_flow.timeout_text('m1', 30, 'completed', 'InProgress', None)
    assert '(last state InProgress)' in text and 'none' not in text


def test_timeout_text_of_a_wait_ended_early_by_a_retry_after_says_the_time_waited():
    text = migration_flow.timeout_text('m1', 20, 'completed', 'InProgress', 'MigratingData', asked=100, waited=6.2)
    assert text.startswith('Timed out after 6s waiting for migration m1 to complete: the service asked to wait 100 s')
    assert 'past the end of wait_timeout (20s)' in text and '(last state InProgress / MigratingData)' in text


def test_not_ready_for_cutover_without_a_substate_says_the_state_alone():
    doc = {'properties': {'currentStatus': {'state': 'InProgress'}}}
    assert migration_flow.status_text(doc) == 'state InProgress'


# ---- safe cutover (the guard's own cases: module_utils/test_cutover_guard.py) ---------------------------

READY = dict(mode='Online', state='WaitingForUserAction', substate='WaitingForCutoverTrigger')
SAFE = dict(AUTH, resource_group='rg', server_name='target', name='mig1', cutover=True, safe_cutover='confirm',
            source_password=SOURCE_SECRET, cutover_settle_seconds=1)


class FakeConnection(object):
    closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def source_stub(monkeypatch):
    """The guard's source: a StubSource on the module's fake clock; ``connected`` records each connection's options."""
    from ansible_collections.pgflex.migration.plugins.module_utils import cutover_guard, safe_cutover
    from ansible_collections.pgflex.migration.tests.unit.plugins.stub_source import StubSource
    stub = {'source': None, 'connected': []}

    psycopg, sql = safe_cutover._psycopg()  # pylint: disable=protected-access

    class FakePsycopg(object):
        Error = psycopg.Error

        @staticmethod
        def connect(**kwargs):
            stub['connected'].append(kwargs)
            return FakeConnection()

    def reader(conn, sql_module):
        if stub['source'] is None:
            stub['source'] = StubSource(migration_flow.time, slots=['app', 'audit'],
                                        rows=lambda now: {'app': 1, 'audit': 2})
        return stub['source']
    monkeypatch.setattr(safe_cutover, '_psycopg', lambda: (FakePsycopg, sql))
    monkeypatch.setattr(cutover_guard, 'SourceReader', reader)
    return stub


@pytest.mark.parametrize('args, message', [
    (dict(SAFE, cutover=None), 'safe_cutover=confirm applies with cutover only'),
    (dict(SAFE, cutover=None, state='cancelled'), 'safe_cutover applies to a cutover, not to state=cancelled'),
    (dict(SAFE, freeze_sessions='terminate'), 'freeze_sessions=terminate applies with safe_cutover: freeze only'),
    (dict(SAFE, cutover_settle_seconds=0), 'cutover_settle_seconds must be between 1 and 3600 seconds; got 0'),
    (dict(SAFE, source_port=70000), 'source_port must be between 1 and 65535'),
])
def test_safe_cutover_bad_input_changes_nothing(run_module, args, message):
    client = FakeService([existing(**READY)])
    kind, result = run_module(args, client)
    assert kind is Fail and message in result['msg'] and 'Nothing was changed' in result['msg']
    assert client.calls == []


def test_safe_cutover_confirms_then_cuts_over_and_returns_the_positions(run_module, source_stub):
    client = FakeService([existing(**READY)])
    kind, result = run_module(SAFE, client)
    assert kind is Exit, result
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'triggerCutover': 'True'}})]
    guard = result['safe_cutover']
    assert guard['final_lsn'] == '0/3000000' and [s['database'] for s in guard['slots']] == ['app', 'audit']
    assert result['actions'][0].startswith('safe cutover (confirm): source stood still at 0/3000000')
    assert result['actions'][1] == 'cutover all databases'
    # host, port and user from the migration's source_server; the guard's session says who it is
    connected = source_stub['connected'][0]
    assert (connected['host'], connected['port'], connected['user'], connected['dbname']) == ('10.0.0.4', 5432, 'postgres', 'postgres')
    assert connected['application_name'] == 'pgflex.migration safe cutover'


def test_safe_cutover_refusal_sends_nothing_and_names_the_writer(run_module, source_stub, monkeypatch):
    from ansible_collections.pgflex.migration.tests.unit.plugins.stub_source import WRITER, StubSource
    source_stub['source'] = StubSource(migration_flow.time, sessions=lambda now: [dict(WRITER, database='app')])
    client = FakeService([existing(**READY)])
    kind, result = run_module(SAFE, client)
    assert kind is Fail and 'pid 4242' in result['msg'] and result['changed'] is False
    assert client.mutating_calls() == [] and result['actions'] == []
    assert result['safe_cutover']['mode'] == 'confirm'


def test_safe_cutover_freeze_is_undone_when_the_cutover_request_fails(run_module, source_stub):
    client = FakeService([existing(**READY)])

    def refused(*args):
        raise AzureApiError('busy', status=409, code='Conflict')
    client.update = refused
    kind, result = run_module(dict(SAFE, safe_cutover='freeze'), client)
    assert kind is Fail
    assert source_stub['source'].statements[-2:] == [('read_only', 'app', None), ('read_only', 'audit', None)]
    assert source_stub['source'].settings == {}


def test_safe_cutover_in_check_mode_connects_to_nothing_and_says_what_it_would_do(run_module, source_stub):
    client = FakeService([existing(**READY)])
    kind, result = run_module(dict(SAFE, safe_cutover='freeze', freeze_sessions='terminate'), client, check_mode=True)
    assert kind is Exit and result['changed'] is True and client.mutating_calls() == []
    assert source_stub['connected'] == []
    assert result['actions'][0] == ('safe cutover (freeze): would set app, audit read-only and end the sessions opened '
                                    'before, then wait until the source stands still for 1s and the target confirmed its '
                                    'final position')
    assert result['safe_cutover'] == {'mode': 'freeze', 'databases': ['app', 'audit'], 'planned': True}


def test_safe_cutover_needs_a_host_for_a_single_server_source(run_module, source_stub):
    single = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/servers/old'
    client = FakeService([existing(sourceDbServerResourceId=single, **READY)])
    kind, result = run_module(SAFE, client)
    assert kind is Fail and 'set source_host' in result['msg'] and client.mutating_calls() == []


# ---- update_password: credentials of a running migration --------------------------------------------

NEW_SOURCE_SECRET = 'marker-src-N3w'


def test_passwords_of_an_existing_migration_are_ignored_by_default(run_module):
    client = FakeService([existing()])
    kind, result = run_module(dict(CREATE, source_password=NEW_SOURCE_SECRET), client)
    assert kind is Exit and result['changed'] is False and client.mutating_calls() == []
    assert 'secrets_rotated' not in result


def test_update_password_always_sends_the_given_side_to_a_running_migration(run_module):
    client = FakeService([existing(mode='Online', state='WaitingForUserAction', substate='WaitingForCutoverTrigger')])
    args = dict(AUTH, resource_group='rg', server_name='target', name='mig1', source_password=NEW_SOURCE_SECRET,
                source_username='migrator', update_password='always')
    kind, result = run_module(args, client, diff=True)
    assert kind is Exit, result
    assert result['changed'] is True and result['secrets_rotated'] == ['source']
    assert result['actions'] == ['rotate source credentials']
    assert client.mutating_calls() == [('update', 'mig1', {'properties': {'secretParameters': {
        'adminCredentials': {'sourceServerPassword': NEW_SOURCE_SECRET}, 'sourceServerUsername': 'migrator'}}})]
    assert result['diff']['after']['secrets_rotated'] == ['source']
    assert NEW_SOURCE_SECRET not in json.dumps(result)


def test_update_password_always_in_check_mode_sends_nothing(run_module):
    client = FakeService([existing()])
    kind, result = run_module(dict(CREATE, update_password='always'), client, check_mode=True)
    assert kind is Exit and result['changed'] is True and result['secrets_rotated'] == ['source', 'target']
    assert client.mutating_calls() == []


def test_update_password_always_leaves_an_ended_migration_alone(run_module):
    client = FakeService([existing(state='Succeeded', substate='Completed')])
    kind, result = run_module(dict(CREATE, update_password='always'), client)
    assert kind is Exit and result['changed'] is False and result['secrets_rotated'] == []
    assert client.mutating_calls() == []


def test_update_password_always_without_a_password_is_refused(run_module):
    client = FakeService([existing()])
    args = dict(AUTH, resource_group='rg', server_name='target', name='mig1', update_password='always')
    kind, result = run_module(args, client)
    assert kind is Fail and 'update_password=always' in result['msg'] and 'Nothing was changed' in result['msg']
    assert client.calls == []
