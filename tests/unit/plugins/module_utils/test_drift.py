# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import drift, request

EXISTING = {
    'location': 'Canada Central',
    'tags': {'team': 'db'},
    'properties': {
        'currentStatus': {'state': 'InProgress', 'currentSubStateDetails': {'currentSubState': 'MigratingData'}},
        'migrationMode': 'Offline',
        'migrationOption': 'ValidateAndMigrate',
        'sourceType': 'OnPremises',
        'sslMode': 'Prefer',
        'sourceDbServerResourceId': 'DB.Example.com:5432@postgres',
        'dbsToMigrate': ['b', 'a'],
        'overwriteDbsInTarget': 'True',
        'triggerCutover': 'True',
        'migrateRoles': 'False',
        'migrationWindowStartTimeInUtc': '2026-05-01T22:00:00.1234567Z',
    },
}


def requested(**options):
    return request.settings_body(options)


def test_same_settings_in_other_spellings_do_not_drift():
    body = requested(location='canadacentral', migration_mode='offline', source_type='OnPremises', ssl_mode='prefer',
                     source_server='db.example.com:5432@postgres', databases=['a', 'b'], overwrite_databases=True,
                     migration_window_start='2026-05-01T22:00:00Z', tags={'team': 'db'})
    assert drift.differences(body, EXISTING) == []


def test_unrequested_service_fields_never_drift():
    # triggerCutover, migrateRoles, window start are present in EXISTING but were not asked for.
    assert drift.differences(requested(migration_mode='offline'), EXISTING) == []


def test_absent_flag_means_false():
    existing = {'properties': {'currentStatus': {'state': 'InProgress'}}}
    assert drift.differences(requested(start_data_migration=False), existing) == []
    assert drift.differences(requested(start_data_migration=True), existing)[0]['existing'] is False


def test_differences_are_listed_per_option():
    body = requested(migration_mode='online', databases=['a'], ssl_mode='require')
    found = drift.differences(body, EXISTING)
    assert [item['option'] for item in found] == ['databases', 'migration_mode', 'ssl_mode']
    assert found[1] == {'option': 'migration_mode', 'requested': 'online', 'existing': 'offline'}
    text = drift.describe_differences('mig1', found)
    assert "migration_mode: requested 'online', existing 'offline'" in text
    assert 'databases: requested [a], existing [a, b]' in text
    assert 'new name' in text


def test_user_name_case_matters_host_case_does_not():
    assert drift.differences(requested(source_server='db.example.com:5432@Postgres'), EXISTING)


def test_ignore_and_terminal_window_times():
    body = requested(overwrite_databases=False, migration_window_start='2026-06-01T00:00:00Z')
    assert [d['option'] for d in drift.differences(body, EXISTING)] == ['overwrite_databases', 'migration_window_start']
    assert [d['option'] for d in drift.differences(body, EXISTING, ignore=['overwrite_databases'])] == ['migration_window_start']
    finished = dict(EXISTING, properties=dict(EXISTING['properties'], currentStatus={'state': 'Succeeded'}))
    assert [d['option'] for d in drift.differences(body, finished)] == ['overwrite_databases']


def test_settings_view_has_no_secrets():
    body = request.create_body(dict(source_server='h:1@u', source_password='sp', target_password='tp',
                                    source_username='su', databases=['x']), 'eastus')
    view = drift.settings_view(body)
    assert 'sp' not in repr(view) and 'su' not in repr(view).replace("'source", '')
    assert view['migration_mode'] == 'offline'
    assert view['location'] == 'eastus'
