# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.properties_file import (
    PropertiesFileError, load_properties_file, parse_properties,
)

CLI_FILE = {
    'properties': {
        'SourceDbServerResourceId': '10.1.0.4:5432@postgres',
        'SecretParameters': {
            'AdminCredentials': {'SourceServerPassword': 'src-secret', 'TargetServerPassword': 'tgt-secret'},
            'SourceServerUsername': 'migrator',
            'TargetServerUsername': 'admin2',
        },
        'DbsToMigrate': ['app', 'audit'],
        'OverwriteDbsInTarget': 'True',
        'SetupLogicalReplicationOnSourceDbIfNeeded': 'false',
        'SourceType': 'OnPremises',
        'SslMode': 'VerifyFull',
        'SourceDbServerFullyQualifiedDomainName': 'src.example.com',
        'TargetDbServerFullyQualifiedDomainName': 'tgt.example.com',
        'MigrationRuntimeResourceId': '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/rt',
    }
}
EXPECTED = {
    'source_server': '10.1.0.4:5432@postgres',
    'source_password': 'src-secret',
    'target_password': 'tgt-secret',
    'source_username': 'migrator',
    'target_username': 'admin2',
    'databases': ['app', 'audit'],
    'overwrite_databases': True,
    'setup_logical_replication': False,
    'source_type': 'OnPremises',
    'ssl_mode': 'verify_full',
    'source_fqdn': 'src.example.com',
    'target_fqdn': 'tgt.example.com',
    'migration_instance_resource_id': '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/rt',
}


def recase(obj, how):
    if isinstance(obj, dict):
        return dict((how(k), recase(v, how)) for k, v in obj.items())
    return obj


@pytest.mark.parametrize('how', [str, str.lower, str.upper, lambda k: k[0].lower() + k[1:]])
def test_cli_file_in_any_casing(how):
    options, warnings = parse_properties(recase(CLI_FILE, how))
    assert options == EXPECTED
    assert warnings == []


def test_json_booleans_are_accepted():
    doc = {'properties': {'overwriteDbsInTarget': True, 'setupLogicalReplicationOnSourceDbIfNeeded': False}}
    assert parse_properties(doc)[0] == {'overwrite_databases': True, 'setup_logical_replication': False}


def test_unknown_and_unread_keys_are_warned_not_dropped_silently():
    properties = {'Colour': 'blue', 'MigrationMode': 'Online', 'SecretParameters': {'AdminCredentials': {'Extra': 1}, 'Other': 2}}
    doc = {'location': 'eastus', 'properties': properties}
    options, warnings = parse_properties(doc)
    assert options == {}
    text = '\n'.join(warnings)
    assert "'Colour' is not a known key" in text
    assert "'MigrationMode' is not read from the file" in text and 'migration_mode option' in text
    assert "top-level key 'location' was ignored" in text and 'location option' in text
    assert "'Extra'" in text and "'Other'" in text


@pytest.mark.parametrize('doc, words', [
    ({'SourceDbServerResourceId': 'h:1@u'}, 'no top-level "properties" object'),
    ([], 'must be a JSON object'),
    ({'properties': None}, 'must be a JSON object, got null'),
    ({'properties': {'SourceServerUsername': 'u'}}, 'must be inside SecretParameters'),
    ({'properties': {'TargetServerUsername': 'u'}}, 'must be inside SecretParameters'),
    ({'properties': {'AdminCredentials': {}}}, 'must be inside SecretParameters.AdminCredentials'),
    ({'properties': {'SourceServerPassword': 'x'}}, 'must be inside SecretParameters.AdminCredentials'),
    ({'properties': {'SecretParameters': {'SourceServerUsername': 'u'}}}, 'has no AdminCredentials'),
    ({'properties': {'SecretParameters': None}}, 'must be a JSON object'),
    ({'properties': {'OverwriteDbsInTarget': 'yes'}}, "'OverwriteDbsInTarget' must be true/false"),
    ({'properties': {'DbsToMigrate': 'app'}}, 'must be a list'),
    ({'properties': {'SslMode': 'Always'}}, "unknown value 'Always'"),
    ({'properties': {'SourceType': 'Oracle'}}, "unknown value 'Oracle'"),
    ({'properties': {'sslmode': 'Prefer', 'SslMode': 'Require'}}, 'keys are case-insensitive'),
])
def test_defects_get_precise_messages(doc, words):
    with pytest.raises(PropertiesFileError) as caught:
        parse_properties(doc)
    assert words in str(caught.value)


def test_load_from_disk(tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps(CLI_FILE), encoding='utf-8')
    options, warnings = load_properties_file(str(path))
    assert options == EXPECTED and warnings == []


def test_load_prefixes_the_path(tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps({'properties': {'SourceServerUsername': 'u', 'Odd': 1}}), encoding='utf-8')
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    assert str(caught.value).startswith('properties_file %s: ' % path)


def test_missing_file(tmp_path):
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(tmp_path / 'nope.json'))
    assert 'does not exist' in str(caught.value)


def test_directory(tmp_path):
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(tmp_path))
    assert 'is a directory' in str(caught.value)


def test_invalid_json_gives_position_but_not_content(tmp_path):
    path = tmp_path / 'bad.json'
    path.write_text('{"properties": {"SecretParameters": {"AdminCredentials": {"SourceServerPassword": "hunter2" }}', encoding='utf-8')
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    message = str(caught.value)
    assert 'not valid JSON' in message and 'line 1' in message
    assert 'hunter2' not in message


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / 'bom.json'
    path.write_bytes(b'\xef\xbb\xbf' + json.dumps({'properties': {}}).encode())
    assert load_properties_file(str(path)) == ({}, [])
