# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.properties_file import (
    MAX_FILE_BYTES, PropertiesFileError, load_properties_file, parse_properties,
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


def test_keys_the_cli_ignores_are_warned_not_dropped_silently():
    doc = {'location': 'eastus', 'properties': {'MigrationMode': 'Online'}}
    options, warnings = parse_properties(doc)
    assert options == {}
    text = '\n'.join(warnings)
    assert "'MigrationMode' is not read from the file" in text and 'migration_mode option' in text
    assert "top-level key 'location' was ignored" in text and 'location option' in text


@pytest.mark.parametrize('doc, words', [
    ({'properties': {'DbsToMigrat': ['a']}}, "'DbsToMigrat' is not a known key; did you mean 'DbsToMigrate'?"),
    ({'properties': {'sourcedbserverresourceld': 'h:1@u'}}, "did you mean 'SourceDbServerResourceId'?"),
    ({'properties': {'Colour': 'blue'}}, "'Colour' is not a known key; the known keys there are: SourceDbServerResourceId"),
    ({'properties': {'SecretParameters': {'AdminCredentials': {}, 'SourceServerUser': 'u'}}},
     "did you mean 'SourceServerUsername'?"),
    ({'properties': {'SecretParameters': {'AdminCredentials': {'SourcePassword': 'x'}}}},
     "did you mean 'SourceServerPassword'?"),
    ({'propertys': {}}, 'did you mean "properties" instead of \'propertys\'?'),
    ({'properties': {}, 'colour': 1}, "the file key 'colour' is not a known key"),
])
def test_unknown_keys_are_errors_naming_the_closest_key(doc, words):
    with pytest.raises(PropertiesFileError) as caught:
        parse_properties(doc)
    assert words in str(caught.value)


def test_empty_database_list_is_refused():
    with pytest.raises(PropertiesFileError) as caught:
        parse_properties({'properties': {'DbsToMigrate': []}})
    assert "'DbsToMigrate' is an empty list" in str(caught.value)


@pytest.mark.parametrize('doc, words', [
    ({'SourceDbServerResourceId': 'h:1@u'}, 'no top-level "properties" object'),
    ([], 'must be a JSON object'),
    ({'properties': None}, 'must be a JSON object, got null'),
    ({'properties': {'SourceServerUsername': 'u'}}, 'must be inside SecretParameters'),
    ({'properties': {'TargetServerUsername': 'u'}}, 'must be inside SecretParameters'),
    ({'properties': {'AdminCredentials': {}}}, "'AdminCredentials' must be inside SecretParameters; write"),
    ({'properties': {'SourceServerPassword': 'x'}}, 'must be inside SecretParameters.AdminCredentials'),
    ({'properties': {'SecretParameters.AdminCredentials.SourceServerPassword': 'x'}},
     'must be inside SecretParameters.AdminCredentials'),
    ({'properties': {'SecretParameters': {'SourceServerUsername': 'u'}}}, 'has no AdminCredentials'),
    # A flat AdminCredentials: the passwords directly in SecretParameters, or as dotted keys, or as a string.
    ({'properties': {'SecretParameters': {'SourceServerPassword': 'x', 'TargetServerPassword': 'y'}}},
     "holds 'SourceServerPassword', 'TargetServerPassword' directly; the passwords go one level deeper"),
    ({'properties': {'SecretParameters': {'AdminCredentials': {'SourceServerPassword': 'x'}, 'TargetServerPassword': 'y'}}},
     "holds 'TargetServerPassword' directly"),
    ({'properties': {'SecretParameters': {'AdminCredentials.SourceServerPassword': 'x'}}},
     "holds 'AdminCredentials.SourceServerPassword' directly"),
    ({'properties': {'SecretParameters': {'AdminCredentials': 'x'}}},
     'must be a JSON object, got a string; it is an object holding the two passwords: write "SecretParameters": {"AdminCredentials"'),
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


def test_a_flat_admin_credentials_message_shows_no_password():
    with pytest.raises(PropertiesFileError) as caught:
        parse_properties({'properties': {'SecretParameters': {'SourceServerPassword': 'hunter2'}}})
    assert 'hunter2' not in str(caught.value) and 'AdminCredentials' in str(caught.value)


def test_load_from_disk(tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps(CLI_FILE), encoding='utf-8')
    options, warnings = load_properties_file(str(path))
    assert options == EXPECTED and warnings == []


def test_load_prefixes_the_path(tmp_path):
    path = tmp_path / 'props.json'
    path.write_text(json.dumps({'properties': {'SourceServerUsername': 'u'}}), encoding='utf-8')
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


def test_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / 'pipe.json'
    os.mkfifo(str(path))
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    assert str(caught.value) == ('properties_file %s is not a regular file (it is a named pipe (FIFO)); give the path '
                                 'of the JSON file' % path)


def test_device_is_refused():
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file('/dev/zero')
    assert 'properties_file /dev/zero is not a regular file (it is a character device)' in str(caught.value)


def test_file_above_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / 'big.json'
    with open(str(path), 'wb') as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    assert 'properties_file %s is %d bytes, more than the %d bytes' % (path, MAX_FILE_BYTES + 1, MAX_FILE_BYTES) in str(caught.value)


@pytest.mark.parametrize('text', ['[' * 100000 + ']' * 100000, '{"properties": ' + '{"a": ' * 50 + '1' + '}' * 51])
def test_deep_nesting_is_refused_before_parsing(tmp_path, text):
    path = tmp_path / 'deep.json'
    path.write_text(text, encoding='utf-8')
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    assert 'properties_file %s nests objects or lists more than 32 levels deep' % path in str(caught.value)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / 'odd.json'
    path.write_text(json.dumps({'properties': {'SourceDbServerResourceId': 'h:1@u', 'SslMode': 'Prefer'},
                                'tags': '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\'}), encoding='utf-8')
    options, _warnings = load_properties_file(str(path))
    assert options['source_server'] == 'h:1@u'


def test_unreadable_file_is_named(tmp_path):
    if os.geteuid() == 0:
        pytest.skip('root reads every file')
    path = tmp_path / 'secret.json'
    path.write_text('{}', encoding='utf-8')
    path.chmod(0)
    with pytest.raises(PropertiesFileError) as caught:
        load_properties_file(str(path))
    assert 'properties_file %s cannot be read: Permission denied' % path in str(caught.value)
