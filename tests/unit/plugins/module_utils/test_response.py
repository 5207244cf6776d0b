# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import copy
import glob
import json
import os

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.response import migration_result, snake_case, status_summary

HERE = os.path.dirname(os.path.abspath(__file__))
# The official examples live outside the collection; a copy of the one used in depth is inlined below.
EXAMPLES_DIR = os.environ.get('PGFLEX_AZURE_EXAMPLES', '/work/shared/azure-api/examples')


def _example_bodies():
    bodies = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES_DIR, '**', '*.json'), recursive=True)):
        with open(path) as handle:
            example = json.load(handle)
        for code, reply in example.get('responses', {}).items():
            body = reply.get('body') if isinstance(reply, dict) else None
            if isinstance(body, dict) and isinstance(body.get('value'), list):
                bodies.extend(('%s %s [%d]' % (os.path.basename(path), code, i), m) for i, m in enumerate(body['value']))
            elif isinstance(body, dict) and 'properties' in body:
                bodies.append(('%s %s' % (os.path.basename(path), code), body))
    return bodies


EXAMPLES = _example_bodies()

FAILED_VALIDATION = {
    'name': 'm1', 'id': '/subscriptions/s/.../migrations/m1', 'location': 'eastus', 'tags': {'CostCenter': 'x'},
    'properties': {
        'migrationId': 'g', 'migrationOption': 'Validate', 'dbsToMigrate': ['OrdersDB'],
        'secretParameters': {'adminCredentials': {'sourceServerPassword': 'p1', 'targetServerPassword': 'p2'}},
        'currentStatus': {
            'state': 'ValidationFailed', 'error': '',
            'currentSubStateDetails': {
                'currentSubState': 'Completed', 'dbDetails': {},
                'validationDetails': {
                    'status': 'Failed',
                    'serverLevelValidationDetails': [{'type': 'AuthenticationAndConnectivityValidation', 'state': 'Succeeded'}],
                    'dbLevelValidationDetails': [{'databaseName': 'OrdersDB', 'summary': [
                        {'type': 'ExtensionsValidation', 'state': 'Failed',
                         'messages': [{'state': 'Failed', 'message': 'Unsupported Extension postgres_fdw'}]},
                        {'type': 'CollationsValidation', 'state': 'Warning',
                         'messages': [{'state': 'Warning', 'message': 'Collation differs'}]},
                    ]}],
                },
            },
        },
    },
}


@pytest.mark.skipif(not EXAMPLES, reason='official examples not available')
@pytest.mark.parametrize('label, body', EXAMPLES, ids=[label for label, body in EXAMPLES])
def test_every_official_example(label, body):  # pylint: disable=unused-argument
    result = migration_result(body)
    assert result['name'] == body['name']
    assert result['status']['state'] == body['properties']['currentStatus']['state']
    assert 'secret_parameters' not in result
    assert 'password' not in json.dumps(result).lower()
    json.dumps(result)  # plain data only


def test_examples_found():
    if os.path.isdir(EXAMPLES_DIR):
        assert len(EXAMPLES) >= 15


@pytest.mark.parametrize('name, expected', [
    ('dbsToMigrate', 'dbs_to_migrate'), ('sourceDbServerResourceId', 'source_db_server_resource_id'),
    ('setupLogicalReplicationOnSourceDbIfNeeded', 'setup_logical_replication_on_source_db_if_needed'),
    ('migrationWindowStartTimeInUtc', 'migration_window_start_time_in_utc'), ('storageMb', 'storage_mb'),
    ('currentSubStateDetails', 'current_sub_state_details'), ('id', 'id'), ('systemData', 'system_data'),
])
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_secrets_removed_and_map_keys_kept():
    result = migration_result(FAILED_VALIDATION)
    assert 'secret_parameters' not in result and 'p1' not in json.dumps(result)
    assert result['tags'] == {'CostCenter': 'x'}
    assert result['dbs_to_migrate'] == ['OrdersDB']
    assert FAILED_VALIDATION['properties']['secretParameters']  # input untouched


def test_db_details_keys_are_database_names():
    body = copy.deepcopy(FAILED_VALIDATION)
    body['properties']['currentStatus']['currentSubStateDetails']['dbDetails'] = {
        'OrdersDB': {'databaseName': 'OrdersDB', 'migrationState': 'InProgress', 'fullLoadCompletedTables': 3,
                     'fullLoadQueuedTables': 1, 'fullLoadLoadingTables': 2, 'fullLoadErroredTables': 0, 'latency': 4}}
    result = migration_result(body)
    assert list(result['current_status']['current_sub_state_details']['db_details']) == ['OrdersDB']
    database = result['status']['databases'][0]
    assert (database['name'], database['state'], database['tables_completed'], database['tables_total'], database['latency']) == \
        ('OrdersDB', 'InProgress', 3, 6, 4)


def test_validation_flattened_with_verdict_and_problems():
    validation = status_summary(FAILED_VALIDATION)['validation']
    assert validation['verdict'] == 'failed'
    assert [(i['level'], i['database'], i['type'], i['state']) for i in validation['checks']] == [
        ('server', None, 'AuthenticationAndConnectivityValidation', 'Succeeded'),
        ('database', 'OrdersDB', 'ExtensionsValidation', 'Failed'),
        ('database', 'OrdersDB', 'CollationsValidation', 'Warning'),
    ]
    assert validation['checks'][1]['messages'] == ['Unsupported Extension postgres_fdw']
    assert validation['problems'] == ["database 'OrdersDB': ExtensionsValidation Failed: Unsupported Extension postgres_fdw",
                                      "database 'OrdersDB': CollationsValidation Warning: Collation differs"]


@pytest.mark.parametrize('migration', [
    {},  # nothing at all
    {'name': 'm', 'properties': {}},
    {'name': 'm', 'properties': {'currentStatus': {'state': 'InProgress'}}},  # no substate on create
    {'name': 'm', 'properties': {'currentStatus': {'state': 'InProgress', 'currentSubStateDetails': {}}}},
    {'name': 'm', 'properties': {'currentStatus': {'state': 'InProgress', 'currentSubStateDetails': {'dbDetails': None}}}},
    {'name': 'm', 'properties': {'currentStatus': None}},
    {'name': 'm', 'properties': {'currentStatus': {'currentSubStateDetails': {
        'dbDetails': {'d': None}, 'validationDetails': {'dbLevelValidationDetails': [None]}}}}},
])
def test_real_traffic_shapes(migration):
    summary = status_summary(migration)
    assert summary['validation']['verdict'] in ('not_run', 'in_progress')
    migration_result(migration)


def test_no_substate_on_create():
    summary = status_summary({'properties': {'currentStatus': {'state': 'InProgress', 'error': ''}}})
    assert summary == {'state': 'InProgress', 'substate': None, 'meaning': 'Migration is in progress.', 'terminal': False,
                       'outcome': None, 'needs_user_action': False, 'question': None, 'answer_option': None, 'hint': None,
                       'error': None, 'databases': [],
                       'validation': {'verdict': 'not_run', 'status': None, 'started_on': None, 'ended_on': None,
                                      'checks': [], 'problems': []},
                       'failure_reason': None, 'validation_lines': [], 'service_clock': None, 'copy_time_left': None}


def test_validation_in_progress_and_unknown_values():
    summary = status_summary({'properties': {'currentStatus': {
        'state': 'SomethingNew', 'currentSubStateDetails': {'currentSubState': 'ValidationInProgress', 'validationDetails': {
            'status': 'Running', 'serverLevelValidationDetails': [{'type': 'NewCheck', 'state': 'Pending'}]}}}}})
    assert summary['state'] == 'SomethingNew' and not summary['terminal']
    assert summary['validation']['verdict'] == 'in_progress'
    assert summary['validation']['checks'][0]['type'] == 'NewCheck'


def test_terminal_states():
    for state in ('Succeeded', 'Failed', 'Canceled', 'ValidationFailed'):
        assert status_summary({'properties': {'currentStatus': {'state': state}}})['terminal']
    for state in ('InProgress', 'WaitingForUserAction', 'CleaningUp'):
        assert not status_summary({'properties': {'currentStatus': {'state': state}}})['terminal']


def test_error_text_and_failed_database_message():
    summary = status_summary({'properties': {'currentStatus': {'state': 'Failed', 'error': 'db1: broken', 'currentSubStateDetails': {
        'currentSubState': 'Completed', 'dbDetails': {'db1': {'migrationState': 'Failed', 'message': 'broken'}}}}}})
    assert summary['error'] == 'db1: broken'
    assert summary['databases'][0]['name'] == 'db1' and summary['databases'][0]['message'] == 'broken'
    assert summary['databases'][0]['tables_total'] is None


def _waiting(substate, state='WaitingForUserAction', **props):
    return {'properties': dict(props, currentStatus={'state': state, 'currentSubStateDetails': {'currentSubState': substate}})}


def test_a_question_names_the_option_that_answers_it():
    summary = status_summary(_waiting('WaitingForTargetDBOverwriteConfirmation'))
    assert summary['needs_user_action'] is True
    assert summary['question'] == 'Waiting for target database overwrite confirmation.'
    assert summary['answer_option'] == 'overwrite_databases'
    assert summary['hint'] == 'confirm with overwrite_databases: true'
    assert summary['meaning'] == 'Migration is waiting for user action. Waiting for target database overwrite confirmation.'


def test_an_answered_question_needs_nothing_more():
    summary = status_summary(_waiting('WaitingForTargetDBOverwriteConfirmation', overwriteDbsInTarget='True'))
    assert summary['needs_user_action'] is False and summary['answer_option'] is None and summary['question'] is None
    cut = status_summary(_waiting('WaitingForCutoverTrigger', triggerCutover='True'))
    assert cut['needs_user_action'] is False
    assert status_summary(_waiting('WaitingForCutoverTrigger'))['answer_option'] == 'cutover'


def test_outcome_of_final_states():
    outcomes = dict((state, status_summary({'properties': {'currentStatus': {'state': state}}})['outcome'])
                    for state in ('Succeeded', 'Failed', 'ValidationFailed', 'Canceled', 'InProgress'))
    assert outcomes == {'Succeeded': 'succeeded', 'Failed': 'failed', 'ValidationFailed': 'failed', 'Canceled': 'cancelled',
                        'InProgress': None}


def test_validation_lines_one_per_check():
    assert status_summary(FAILED_VALIDATION)['validation_lines'] == [
        '[Succeeded] server: AuthenticationAndConnectivityValidation',
        '[Failed] database OrdersDB: ExtensionsValidation: Unsupported Extension postgres_fdw',
        '[Warning] database OrdersDB: CollationsValidation: Collation differs',
    ]


def test_failure_reason_of_a_failed_validation_names_the_checks():
    assert status_summary(FAILED_VALIDATION)['failure_reason'] == (
        "database 'OrdersDB': ExtensionsValidation Failed: Unsupported Extension postgres_fdw; "
        "database 'OrdersDB': CollationsValidation Warning: Collation differs.")


def test_failure_reason_in_the_services_words_with_the_error_code_explained():
    summary = status_summary({'properties': {'currentStatus': {
        'state': 'Failed', 'error': '603101: Database shop already exists on the target server.',
        'currentSubStateDetails': {'dbDetails': {'shop': {'migrationState': 'Failed', 'message': 'copy stopped.'}}}}}})
    reason = summary['failure_reason']
    assert reason.startswith("603101: Database shop already exists on the target server; database 'shop': copy stopped. "
                             "service error 603101: A database of the migration already exists on the target server.")
    assert reason.count('603101:') == 2  # the service's text, then the explanation, once


@pytest.mark.parametrize('state, reason', [
    ('Canceled', 'Migration has been canceled.'),  # no words from the service: the state's own meaning
    ('Failed', 'Migration has failed.'),
    ('Succeeded', None),
    ('InProgress', None),
    ('WaitingForUserAction', None),
])
def test_failure_reason_only_for_a_migration_that_ended_without_success(state, reason):
    assert status_summary({'properties': {'currentStatus': {'state': state}}})['failure_reason'] == reason
