# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the JSON file users pass to ``az postgres flexible-server migration create --properties``.

Same keys as the CLI, matched case-insensitively, under the top-level ``properties`` object.
Unlike the CLI this reader accepts JSON booleans, refuses unknown keys (naming the closest known
one) instead of dropping them, reads regular files of at most MAX_FILE_BYTES only, and turns every
defect the CLI crashes on into a precise message. It returns module option values; the caller
merges them under the task's explicit options.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import json
import os
import stat

from ansible_collections.pgflex.migration.plugins.module_utils.request import ENUMS, SETTING_BY_OPTION, api_enum, option_enum, parse_flag
from ansible_collections.pgflex.migration.plugins.module_utils.spellings import closest_name


# Real files are a few hundred bytes; the limit only keeps a wrong path (a log, a dump) from being read whole.
MAX_FILE_BYTES = 1024 * 1024
# Real files nest 3 levels deep; JSON nested deeper than this is refused before Python's recursion limit is hit.
MAX_NESTING = 32


class PropertiesFileError(Exception):
    """The file cannot be used; the message says where and how to fix it."""


# The file's keys as the CLI spells them (the spellings "did you mean" hints show); the reader ignores case.
# Under "properties": key -> option (how its value is read follows the option's kind in request.SETTINGS).
PROPERTY_KEYS = {
    'SourceDbServerResourceId': 'source_server',
    'SourceDbServerFullyQualifiedDomainName': 'source_fqdn',
    'TargetDbServerFullyQualifiedDomainName': 'target_fqdn',
    'DbsToMigrate': 'databases',
    'OverwriteDbsInTarget': 'overwrite_databases',
    'SetupLogicalReplicationOnSourceDbIfNeeded': 'setup_logical_replication',
    'SourceType': 'source_type',
    'SslMode': 'ssl_mode',
    'MigrationRuntimeResourceId': 'migration_instance_resource_id',
}
SECRET_PARAMETERS, ADMIN_CREDENTIALS = 'SecretParameters', 'AdminCredentials'
# Under "properties.SecretParameters": key -> option.
SECRET_KEYS = {
    'SourceServerUsername': 'source_username',
    'TargetServerUsername': 'target_username',
}
# Under "properties.SecretParameters.AdminCredentials": key -> option.
CREDENTIAL_KEYS = {
    'SourceServerPassword': 'source_password',
    'TargetServerPassword': 'target_password',
}


def _by_lower_case(table):
    return dict((key.lower(), value) for key, value in table.items())


_PROPERTY_KEYS = _by_lower_case(PROPERTY_KEYS)
_SECRET_KEYS = _by_lower_case(SECRET_KEYS)
_CREDENTIAL_KEYS = _by_lower_case(CREDENTIAL_KEYS)
_SECRETS, _ADMIN = SECRET_PARAMETERS.lower(), ADMIN_CREDENTIALS.lower()
# The nesting the CLI reads the passwords from, as the fix in messages shows it.
CREDENTIALS_SHAPE = '"SecretParameters": {"AdminCredentials": {"SourceServerPassword": ..., "TargetServerPassword": ...}}'
# API fields the CLI never reads from the file: say which option to use instead.
_OPTION_HINTS = {
    'migrationmode': 'migration_mode',
    'migrationoption': 'migration_option',
    'migrationwindowstarttimeinutc': 'migration_window_start',
    'migrationwindowendtimeinutc': 'migration_window_end',
    'migrateroles': 'migrate_roles',
    'startdatamigration': 'start_data_migration',
    'triggercutover': 'cutover',
    'dbstotriggercutoveron': 'cutover',
    'cancel': 'state=cancelled',
    'dbstocancelmigrationon': 'cancel_databases',
    'migrationinstanceresourceid': 'migration_instance_resource_id (the file key is MigrationRuntimeResourceId)',
}
_TOP_LEVEL_HINTS = {'location': 'location', 'tags': 'tags'}


def _lower_keys(obj, where):
    """{lower-case key: (original key, value)}; two keys differing only in case are ambiguous."""
    found = {}
    for key, value in obj.items():
        lowered = str(key).lower()
        if lowered in found:
            raise PropertiesFileError('%s has both %r and %r; the keys are case-insensitive, keep one'
                                      % (where, found[lowered][0], key))
        found[lowered] = (key, value)
    return found


def _object(value, where, fix):
    if not isinstance(value, dict):
        raise PropertiesFileError('%s must be a JSON object, got %s; %s' % (where, _json_type(value), fix))
    return value


def _json_type(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, list):
        return 'a list'
    return 'an object'


def _convert(key, option, value, path):
    where = '%s key %r' % (path, key)
    kind = SETTING_BY_OPTION[option].kind if option in SETTING_BY_OPTION else 'text'  # the usernames: text
    if kind == 'flag':
        parsed = parse_flag(value)
        if parsed is None:
            raise PropertiesFileError("%s must be true/false or the strings 'True'/'False', got %r" % (where, value))
        return parsed
    if kind == 'databases':
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise PropertiesFileError('%s must be a list of database names, got %s' % (where, _json_type(value)))
        if not value:
            # An empty list creates a migration that waits for databases and blocks the server meanwhile.
            raise PropertiesFileError('%s is an empty list; name at least one database, or leave the key out and '
                                      'give the databases option' % where)
        return list(value)
    if not isinstance(value, str) or not value.strip():
        raise PropertiesFileError('%s must be a non-empty string, got %s' % (where, _json_type(value)))
    if kind == 'enum':
        api_value = api_enum(option, value)
        if api_value is None:
            raise PropertiesFileError('%s has the unknown value %r; use one of: %s'
                                      % (where, value, ', '.join(ENUMS[option].values())))
        return option_enum(option, api_value)
    return value


# The keys known at each level, for "did you mean" hints.
_KNOWN_SPELLINGS = {
    'properties': list(PROPERTY_KEYS) + [SECRET_PARAMETERS],
    'secrets': [ADMIN_CREDENTIALS] + list(SECRET_KEYS),
    'credentials': list(CREDENTIAL_KEYS),
    'top': ['properties'],
}


def _unknown_key(where, key, level):
    """The error for a key the reader does not know: a typo must not silently drop a setting."""
    known = _KNOWN_SPELLINGS[level]
    close = closest_name(key, known)
    hint = 'did you mean %r? ' % close if close else ''
    return PropertiesFileError('%s key %r is not a known key; %sthe known keys there are: %s'
                               % (where, key, hint, ', '.join(known)))


def _password_key(lowered):
    """A password key, also when written flat as a dotted path ('AdminCredentials.SourceServerPassword')."""
    return lowered.split('.')[-1] in _CREDENTIAL_KEYS


def _read_credentials(value, where, options, warnings):
    credentials = _lower_keys(_object(value, where, 'it is an object holding the two passwords: write %s' % CREDENTIALS_SHAPE),
                              where)
    for lowered, (key, password) in credentials.items():
        if lowered not in _CREDENTIAL_KEYS:
            raise _unknown_key(where, key, 'credentials')
        elif not isinstance(password, str):
            raise PropertiesFileError('%s key %r must be a string' % (where, key))
        else:
            options[_CREDENTIAL_KEYS[lowered]] = password


def _read_secrets(found, path, options, warnings):
    key, secrets = found[_SECRETS]
    where = '%s.%s' % (path, key)
    secrets = _object(secrets, where, 'it holds AdminCredentials and the optional usernames')
    secret_keys = _lower_keys(secrets, where)
    flat = [original for lowered, (original, dummy) in secret_keys.items() if _password_key(lowered)]
    if flat:
        # The passwords one level too high (or as dotted keys): the CLI would crash on this file.
        raise PropertiesFileError('%s holds %s directly; the passwords go one level deeper, in its AdminCredentials '
                                  'object: write %s' % (where, ', '.join(repr(key) for key in flat), CREDENTIALS_SHAPE))
    if _ADMIN not in secret_keys:
        raise PropertiesFileError('%s has no AdminCredentials object; write %s' % (where, CREDENTIALS_SHAPE))
    for lowered, (original, value) in secret_keys.items():
        if lowered == _ADMIN:
            _read_credentials(value, '%s.%s' % (where, original), options, warnings)
        elif lowered in _SECRET_KEYS:
            options[_SECRET_KEYS[lowered]] = _convert(original, _SECRET_KEYS[lowered], value, where)
        else:
            raise _unknown_key(where, original, 'secrets')


def parse_properties(document):
    """Parsed JSON -> (options dict, warnings list); raises PropertiesFileError.

    Messages name the JSON path of the offending key (e.g. properties.SecretParameters).
    """
    document = _object(document, 'the file', 'it must hold {"properties": {...}}')
    top = _lower_keys(document, 'the file')
    if 'properties' not in top:
        close = [original for original, _value in top.values() if closest_name(original, ['properties'])]
        raise PropertiesFileError('the file has no top-level "properties" object%s; wrap the settings as '
                                  '{"properties": {"SourceDbServerResourceId": ..., "SecretParameters": {...}, ...}}'
                                  % (' (did you mean "properties" instead of %r?)' % close[0] if close else ''))
    warnings = []
    for lowered, (original, _value) in top.items():
        if lowered == 'properties':
            continue
        if lowered not in _TOP_LEVEL_HINTS:
            raise _unknown_key('the file', original, 'top')
        warnings.append('top-level key %r was ignored (as the CLI does); use the %s option instead'
                        % (original, _TOP_LEVEL_HINTS[lowered]))
    path, properties = top['properties']
    found = _lower_keys(_object(properties, path, 'put the migration settings inside it'), path)

    options = {}
    for lowered, (original, value) in found.items():
        if lowered in _PROPERTY_KEYS:
            option = _PROPERTY_KEYS[lowered]
            options[option] = _convert(original, option, value, path)
        elif lowered in _SECRET_KEYS:
            raise PropertiesFileError(
                '%s key %r must be inside SecretParameters, not directly under properties; move it to '
                '"SecretParameters": {"%s": ..., "AdminCredentials": {...}}' % (path, original, original))
        elif _password_key(lowered) or lowered == _ADMIN:
            raise PropertiesFileError('%s key %r must be inside %s; write %s' % (
                path, original, 'SecretParameters' if lowered == _ADMIN else 'SecretParameters.AdminCredentials',
                CREDENTIALS_SHAPE))
        elif lowered == _SECRETS:
            _read_secrets(found, path, options, warnings)
        elif lowered in _OPTION_HINTS:
            warnings.append('%s key %r is not read from the file (the CLI ignores it too); use the %s option instead'
                            % (path, original, _OPTION_HINTS[lowered]))
        else:
            raise _unknown_key(path, original, 'properties')
    return options, warnings


def _read_regular_file(path):
    """The file's bytes; only a regular file of at most MAX_FILE_BYTES (a FIFO or a device would block or never end)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise PropertiesFileError('properties_file %s does not exist; give the path of the JSON file you pass to '
                                  'az postgres flexible-server migration create --properties' % path)
    except OSError as exc:
        raise PropertiesFileError('properties_file %s cannot be read: %s' % (path, exc.strerror or exc))
    if stat.S_ISDIR(info.st_mode):
        raise PropertiesFileError('properties_file %s is a directory; give the path of the JSON file' % path)
    if not stat.S_ISREG(info.st_mode):
        raise PropertiesFileError('properties_file %s is not a regular file (it is a %s); give the path of the JSON file'
                                  % (path, _file_kind(info.st_mode)))
    if info.st_size > MAX_FILE_BYTES:
        raise PropertiesFileError('properties_file %s is %d bytes, more than the %d bytes a properties file may have; '
                                  'check the path' % (path, info.st_size, MAX_FILE_BYTES))
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still does not hang.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
        with os.fdopen(descriptor, 'rb') as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise PropertiesFileError('properties_file %s is not a regular file; give the path of the JSON file' % path)
            raw = handle.read(MAX_FILE_BYTES + 1)
    except (IOError, OSError) as exc:
        raise PropertiesFileError('properties_file %s cannot be read: %s' % (path, exc.strerror or exc))
    if len(raw) > MAX_FILE_BYTES:
        raise PropertiesFileError('properties_file %s is more than the %d bytes a properties file may have; check the path'
                                  % (path, MAX_FILE_BYTES))
    return raw


def _file_kind(mode):
    kinds = ((stat.S_ISFIFO, 'named pipe (FIFO)'), (stat.S_ISCHR, 'character device'), (stat.S_ISBLK, 'block device'),
             (stat.S_ISSOCK, 'socket'))
    return next((name for test, name in kinds if test(mode)), 'special file')


def _nesting_depth(text):
    """How deep brackets nest outside strings (cheap, and it runs before json.loads could recurse)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in '[{':
            depth += 1
            deepest = max(deepest, depth)
        elif char in ']}':
            depth -= 1
    return deepest


def load_properties_file(path):
    """Read and parse the file at ``path`` -> (options dict, warnings list); raises PropertiesFileError."""
    raw = _read_regular_file(path)
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError:
        raise PropertiesFileError('properties_file %s is not UTF-8 text' % path)
    if _nesting_depth(text) > MAX_NESTING:
        raise PropertiesFileError('properties_file %s nests objects or lists more than %d levels deep; a properties file '
                                  'has 3 levels ({"properties": {"SecretParameters": {"AdminCredentials": {...}}}})'
                                  % (path, MAX_NESTING))
    try:
        document = json.loads(text)
    except ValueError as exc:
        # The decoder's position is useful; its text never includes the file's content (passwords).
        raise PropertiesFileError('properties_file %s is not valid JSON (%s); fix the syntax there' % (path, _position(exc)))
    try:
        options, warnings = parse_properties(document)
    except PropertiesFileError as exc:
        raise PropertiesFileError('properties_file %s: %s' % (path, exc))
    return options, ['properties_file %s: %s' % (path, warning) for warning in warnings]


def _position(exc):
    line, column, msg = getattr(exc, 'lineno', None), getattr(exc, 'colno', None), getattr(exc, 'msg', None)
    if line is None:
        return 'parse error'
    return '%s at line %s column %s' % (msg, line, column)
