# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import input_checks, request

SINGLE_ID = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/servers/old'
RUNTIME_ID = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/runtime'


def params(**extra):
    base = dict(name='mig1', resource_group='rg', server_name='target', state='present',
                source_server='10.0.0.4:5432@postgres', source_password='sp', target_password='tp', databases=['app'])
    base.update(extra)
    return base


def test_flags_are_strings():
    assert request.flag(True) == 'True'
    assert request.flag(False) == 'False'
    assert request.parse_flag('true') is True
    assert request.parse_flag(False) is False
    assert request.parse_flag('yes') is None


@pytest.mark.parametrize('option, value, expected', [
    ('migration_mode', 'online', 'Online'),
    ('migration_mode', 'OFFLINE', 'Offline'),
    ('ssl_mode', 'verify_ca', 'VerifyCA'),
    ('ssl_mode', 'VerifyFull', 'VerifyFull'),
    ('migration_option', 'validate_and_migrate', 'ValidateAndMigrate'),
    ('source_type', 'onpremises', 'OnPremises'),
    ('source_type', 'GCP_CloudSQL', 'GCP_CloudSQL'),
    ('ssl_mode', 'sometimes', None),
])
def test_api_enum(option, value, expected):
    assert request.api_enum(option, value) == expected


def test_option_enum_round_trip_and_unknown_kept():
    assert request.option_enum('ssl_mode', 'VERIFYFULL') == 'verify_full'
    assert request.option_enum('migration_mode', 'Hybrid') == 'Hybrid'


def test_every_api_source_type_is_accepted():
    assert len(request.SOURCE_TYPES) == 24
    for value in request.SOURCE_TYPES:
        assert request.api_enum('source_type', value) == value


@pytest.mark.parametrize('text, expected', [
    ('2026-05-01T22:00:00Z', '2026-05-01T22:00:00Z'),
    ('2026-05-01T22:00', '2026-05-01T22:00:00Z'),
    ('2026-05-01 23:30:00+01:30', '2026-05-01T22:00:00Z'),
    ('2026-05-01T22:00:00.1234567Z', '2026-05-01T22:00:00.123456Z'),
])
def test_parse_time(text, expected):
    assert request.format_time(request.parse_time(text)) == expected


@pytest.mark.parametrize('text', ['tomorrow', '2026-13-01T00:00:00Z', '2026-05-01'])
def test_parse_time_rejects(text):
    assert request.parse_time(text) is None


def test_create_body_is_rest_json_with_defaults_and_secrets():
    body = request.create_body(params(databases=['a', 'b'], overwrite_databases=True, migrate_roles=False,
                                      source_username='u1', tags={'k': 'v'}), 'eastus')
    props = body['properties']
    assert body['location'] == 'eastus'
    assert body['tags'] == {'k': 'v'}
    assert props['migrationMode'] == 'Offline'
    assert props['migrationOption'] == 'ValidateAndMigrate'
    assert props['dbsToMigrate'] == ['a', 'b']
    assert props['overwriteDbsInTarget'] == 'True'
    assert props['migrateRoles'] == 'False'
    assert props['secretParameters'] == {'adminCredentials': {'sourceServerPassword': 'sp', 'targetServerPassword': 'tp'},
                                         'sourceServerUsername': 'u1'}
    assert 'sslMode' not in props  # the service default applies
    assert 'secretParameters' not in request.without_secrets(body)['properties']


def test_explicit_location_wins():
    assert request.create_body(params(location='westeurope'), 'eastus')['location'] == 'westeurope'


def test_merge_prefers_task_options():
    merged = request.merge_options({'databases': None, 'ssl_mode': 'require'}, {'databases': ['x'], 'ssl_mode': 'prefer'})
    assert merged == {'databases': ['x'], 'ssl_mode': 'require'}


def test_valid_settings_have_no_problems():
    assert input_checks.setting_problems(params(databases=['a'], migration_window_start='2026-01-01T00:00:00Z',
                                                migration_window_end='2026-01-02T00:00:00Z',
                                                migration_instance_resource_id=RUNTIME_ID)) == []
    assert input_checks.setting_problems(params(source_type='PostgreSQLSingleServer', source_server=SINGLE_ID)) == []
    assert input_checks.setting_problems(params(source_server=SINGLE_ID)) == []
    assert input_checks.setting_problems(params(source_server='[::1]:5432@me')) == []


@pytest.mark.parametrize('extra, words', [
    (dict(databases=['d%d' % i for i in range(51)]), 'at most 50'),
    (dict(databases=['a', 'a']), 'more than once'),
    (dict(source_type='Oracle'), 'source_type'),
    (dict(source_server='db.example.com@postgres'), 'host:port@user'),
    (dict(source_server='db.example.com:99999@postgres'), 'has port 99999; the port must be between 1 and 65535'),
    (dict(source_server='db.example.com:0@postgres'), 'has port 0; the port must be between 1 and 65535'),
    (dict(databases=[]), 'databases is an empty list; name at least one database'),
    (dict(source_type='OnPremises', source_server=SINGLE_ID), 'host:port@user'),
    (dict(source_type='PostgreSQLSingleServer', source_server='h:5432@u'), 'Single Server resource id'),
    (dict(migration_window_start='2026-01-02T00:00:00Z', migration_window_end='2026-01-01T00:00:00Z'), 'must be after'),
    (dict(migration_window_start='soon'), 'ISO 8601'),
    (dict(migration_instance_resource_id='/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/servers/x'),
     'flexible server'),
    (dict(migration_instance_resource_id='/subscriptions/s1/resourceGroups/RG/providers/Microsoft.DBforPostgreSQL/flexibleServers/Target'),
     'target server'),
    (dict(source_fqdn='not a host'), 'source_fqdn'),
])
def test_setting_problems(extra, words):
    problems = input_checks.setting_problems(params(**extra))
    assert len(problems) == 1, problems
    assert words in problems[0]


def test_runtime_in_other_subscription_is_not_the_target():
    other = '/subscriptions/s2/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/target'
    assert input_checks.setting_problems(params(migration_instance_resource_id=other), subscription_id='s1') == []


@pytest.mark.parametrize('extra, words', [
    (dict(state='cancelled', cutover=True), 'cutover cannot be combined'),
    (dict(state='cancelled', cutover=['a']), 'cutover cannot be combined'),
    (dict(cancel_databases=['a']), 'only applies with state=cancelled'),
    (dict(state='cancelled', cancel_databases=['a', 'a']), 'more than once'),
    (dict(wait_for='validated', migration_option='migrate'), 'skips validation'),
    (dict(wait_timeout=-1), 'wait_timeout must be between 0 and 604800 seconds; got -1'),
    (dict(wait_timeout=10 ** 400), 'wait_timeout must be between 0 and 604800 seconds; got a 401-digit number'),
    (dict(poll_interval=10 ** 400), 'poll_interval must be between 1 and 3600 seconds; got a 401-digit number'),
    (dict(poll_interval=10 ** 12), 'poll_interval must be between 1 and 3600 seconds; got 1000000000000'),
    (dict(poll_interval=600, wait_timeout=60), 'poll_interval (600) must not be above wait_timeout (60)'),
    (dict(api_timeout=-5), 'api_timeout must be between 1 and 86400 seconds; got -5'),
    (dict(state='cancelled', cancel_databases=[]), 'cancel_databases is an empty list; leave cancel_databases out'),
    (dict(state='cancelled', wait_for='cutover_ready'), 'does not apply'),
])
def test_action_problems(extra, words):
    problems = input_checks.action_problems(params(**extra))
    assert len(problems) == 1, problems
    assert words in problems[0]


def test_create_problems():
    assert input_checks.create_problems(params(source_type='OnPremises')) == []
    missing = input_checks.create_problems(params(source_password=None, source_server=None))
    assert 'source_server, source_password' in missing[0]
    assert 'cutover applies to an existing' in input_checks.create_problems(params(source_type='AzureVM', cutover=True))[0]
    assert 'needs migration_mode=online' in input_checks.create_problems(params(source_type='AzureVM', wait_for='cutover_ready'))[0]
    assert input_checks.create_problems(params(source_type='AzureVM', wait_for='cutover_ready', migration_mode='online')) == []


def test_host_port_source_without_type_is_sent_as_on_premises():
    assert input_checks.create_problems(params()) == []
    assert request.create_body(params(), 'eastus')['properties']['sourceType'] == 'OnPremises'


def test_resource_id_source_is_sent_as_single_server_when_type_not_given():
    single = '/subscriptions/s/resourceGroups/g/providers/Microsoft.DBforPostgreSQL/servers/old'
    assert input_checks.create_problems(params(source_server=single)) == []
    body = request.create_body(params(source_server=single), 'eastus')
    assert body['properties']['sourceType'] == 'PostgreSQLSingleServer'
    assert request.create_body(params(source_type='AzureVM'), 'eastus')['properties']['sourceType'] == 'AzureVM'


def test_creating_without_databases_needs_defer_databases():
    assert 'databases (or defer_databases: true' in input_checks.create_problems(params(databases=None))[0]
    assert input_checks.create_problems(params(databases=None, defer_databases=True)) == []


def test_patch_bodies():
    assert request.cutover_patch() == {'properties': {'triggerCutover': 'True'}}
    assert request.cutover_patch(['a']) == {'properties': {'triggerCutover': 'True', 'dbsToTriggerCutoverOn': ['a']}}
    assert request.cancel_patch(['a']) == {'properties': {'cancel': 'True', 'dbsToCancelMigrationOn': ['a']}}
    assert request.answer_patch({'overwrite_databases': True, 'start_data_migration': True}) == {
        'properties': {'overwriteDbsInTarget': 'True', 'startDataMigration': 'True'}}


@pytest.mark.parametrize('value', ['db.example.com', 'localhost', '10.0.0.4', '2001:db8::4', '::1', 'fe80::1ff:fe23:4567:890a',
                                   '::ffff:10.0.0.4', '2001:DB8:0:0:0:0:0:4'])
@pytest.mark.parametrize('option', ['source_fqdn', 'target_fqdn'])
def test_fqdn_options_take_dns_names_and_ip_literals(option, value):
    assert input_checks.setting_problems(params(**{option: value})) == []


@pytest.mark.parametrize('value', ['[2001:db8::4]', '2001:db8::4::5', 'not a host', 'db.example.com:5432', '2001:db8::g', '-db'])
def test_fqdn_options_refuse_what_is_neither(value):
    problems = input_checks.setting_problems(params(target_fqdn=value))
    assert len(problems) == 1 and 'target_fqdn' in problems[0] and 'not a host name or an IP address' in problems[0]


def test_secrets_patch_holds_only_the_sides_asked_for():
    given = params(source_username='migrator')
    assert request.rotated_sides(given) == ['source', 'target']
    assert request.rotated_sides(params(target_password=None)) == ['source']
    assert request.secrets_patch(given, ['source']) == {'properties': {'secretParameters': {
        'adminCredentials': {'sourceServerPassword': 'sp'}, 'sourceServerUsername': 'migrator'}}}
    assert 'secretParameters' not in request.without_secrets(request.secrets_patch(given, ['target']))['properties']


def test_the_settings_options_take_their_type_and_choices_from_the_table():
    spec = request.settings_argument_spec()
    assert sorted(spec) == sorted(setting.option for setting in request.SETTINGS)
    assert spec['migration_option'] == dict(type='str', choices=['validate', 'migrate', 'validate_and_migrate'])
    assert spec['source_type']['choices'] == list(request.SOURCE_TYPES)
    assert (spec['migrate_roles'], spec['databases'], spec['tags'], spec['migration_window_end']) == (
        dict(type='bool'), dict(type='list', elements='str'), dict(type='dict'), dict(type='str'))


@pytest.mark.parametrize('names, left_out, words', [
    (['a', ' '], None, 'no name may be empty'),
    ([], 'all', 'or be left out for all'),
    (['a', 'b', 'a'], None, 'databases lists a more than once'),
])
def test_database_list_problems(names, left_out, words):
    assert words in input_checks.database_list_problems(names, when_left_out=left_out)[0]
    assert input_checks.database_list_problems(None, when_left_out='all') == []
