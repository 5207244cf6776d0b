# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module options -> REST request bodies (camelCase, flags as the strings "True"/"False").

Also the table that ties each user-visible option to its REST field (used by drift.py for comparison and diffs)
and the value conversions; the input checks that use them are in input_checks.py.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.pgflex.migration.plugins.module_utils.spellings import matching_choice
from ansible_collections.pgflex.migration.plugins.module_utils.times import format_time, parse_time

MAX_DATABASES = 50  # Migrations.json: dbsToMigrate maxItems

SOURCE_TYPES = (
    'OnPremises', 'AWS', 'GCP', 'AzureVM', 'PostgreSQLSingleServer', 'AWS_RDS', 'AWS_AURORA', 'AWS_EC2',
    'GCP_CloudSQL', 'GCP_AlloyDB', 'GCP_Compute', 'EDB', 'EDB_Oracle_Server', 'EDB_PostgreSQL',
    'PostgreSQLFlexibleServer', 'PostgreSQLCosmosDB', 'Huawei_RDS', 'Huawei_Compute', 'Heroku_PostgreSQL',
    'Crunchy_PostgreSQL', 'ApsaraDB_RDS', 'Digital_Ocean_Droplets', 'Digital_Ocean_PostgreSQL', 'Supabase_PostgreSQL',
)
SINGLE_SERVER = 'PostgreSQLSingleServer'

# option value -> API value
MIGRATION_MODES = {'offline': 'Offline', 'online': 'Online'}
MIGRATION_OPTIONS = {'validate': 'Validate', 'migrate': 'Migrate', 'validate_and_migrate': 'ValidateAndMigrate'}
SSL_MODES = {'prefer': 'Prefer', 'require': 'Require', 'verify_ca': 'VerifyCA', 'verify_full': 'VerifyFull'}
ENUMS = {
    'source_type': dict((value, value) for value in SOURCE_TYPES),
    'migration_mode': MIGRATION_MODES,
    'migration_option': MIGRATION_OPTIONS,
    'ssl_mode': SSL_MODES,
}
DEFAULT_MIGRATION_MODE = 'offline'
DEFAULT_SOURCE_TYPE = 'OnPremises'
DEFAULT_MIGRATION_OPTION = 'validate_and_migrate'

# One user-visible setting: option name, REST path below the resource, and how to compare it.
# kinds: enum, flag, databases, time, resource (ARM id or host:port@user), host, location, tags.
Setting = namedtuple('Setting', ['option', 'path', 'kind'])
SETTINGS = (
    Setting('source_type', ('properties', 'sourceType'), 'enum'),
    Setting('source_server', ('properties', 'sourceDbServerResourceId'), 'resource'),
    Setting('source_fqdn', ('properties', 'sourceDbServerFullyQualifiedDomainName'), 'host'),
    Setting('target_fqdn', ('properties', 'targetDbServerFullyQualifiedDomainName'), 'host'),
    Setting('databases', ('properties', 'dbsToMigrate'), 'databases'),
    Setting('migration_mode', ('properties', 'migrationMode'), 'enum'),
    Setting('migration_option', ('properties', 'migrationOption'), 'enum'),
    Setting('ssl_mode', ('properties', 'sslMode'), 'enum'),
    Setting('overwrite_databases', ('properties', 'overwriteDbsInTarget'), 'flag'),
    Setting('setup_logical_replication', ('properties', 'setupLogicalReplicationOnSourceDbIfNeeded'), 'flag'),
    Setting('migrate_roles', ('properties', 'migrateRoles'), 'flag'),
    Setting('start_data_migration', ('properties', 'startDataMigration'), 'flag'),
    Setting('migration_window_start', ('properties', 'migrationWindowStartTimeInUtc'), 'time'),
    Setting('migration_window_end', ('properties', 'migrationWindowEndTimeInUtc'), 'time'),
    Setting('migration_instance_resource_id', ('properties', 'migrationInstanceResourceId'), 'resource'),
    Setting('location', ('location',), 'location'),
    Setting('tags', ('tags',), 'tags'),
)
SETTING_BY_OPTION = dict((setting.option, setting) for setting in SETTINGS)
# kind -> the argument spec of its options (enums take their choices from ENUMS; other kinds are strings).
_KIND_SPECS = {'flag': dict(type='bool'), 'databases': dict(type='list', elements='str'), 'tags': dict(type='dict')}


def settings_argument_spec():
    """The migration module's options for the settings, from the table (documented in that module)."""
    spec = {}
    for setting in SETTINGS:
        if setting.kind == 'enum':
            spec[setting.option] = dict(type='str', choices=list(ENUMS[setting.option]))
        else:
            spec[setting.option] = dict(_KIND_SPECS.get(setting.kind, {'type': 'str'}))
    return spec


_ARM_SEGMENT = r'[^/\s]+'
SINGLE_SERVER_ID_RE = re.compile(
    r'^/subscriptions/%s/resourceGroups/%s/providers/Microsoft\.DBforPostgreSQL/servers/%s/?$'
    % (_ARM_SEGMENT, _ARM_SEGMENT, _ARM_SEGMENT), re.IGNORECASE)
FLEXIBLE_SERVER_ID_RE = re.compile(
    r'^/subscriptions/(?P<sub>%s)/resourceGroups/(?P<rg>%s)/providers/Microsoft\.DBforPostgreSQL/flexibleServers/(?P<server>%s)/?$'
    % (_ARM_SEGMENT, _ARM_SEGMENT, _ARM_SEGMENT), re.IGNORECASE)
# host:port@user, host being a DNS name, an IPv4 address or a bracketed IPv6 address.
ENDPOINT_RE = re.compile(r'^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):(?P<port>\d{1,5})@(?P<user>\S+)$')
HOST_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$')


# ---- value conversions shared with drift.py -------------------------------------------------

def flag(value):
    """Ansible boolean -> the API's "True"/"False" string."""
    return 'True' if value else 'False'


def parse_flag(value):
    """API flag ("True"/"false"/JSON bool) -> bool, or None when not a flag."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    return None


def api_enum(option, value):
    """Option value in any spelling (spellings.py: API, CLI, any case) -> the API's spelling, or None if unknown."""
    if value is None:
        return None
    choice = matching_choice(value, list(ENUMS[option])) if isinstance(value, str) else None
    return ENUMS[option][choice] if choice else None


def option_enum(option, api_value):
    """API value (any case) -> option value; unknown values come back unchanged."""
    if api_value is None:
        return None
    lowered = str(api_value).lower()
    for option_value, known in ENUMS[option].items():
        if known.lower() == lowered:
            return option_value
    return api_value


def normalise_location(value):
    """'Canada Central' and 'canadacentral' are the same region."""
    return re.sub(r'[\s_-]', '', str(value)).lower() if value is not None else None


# ---- merging the properties file ----------------------------------------------------------

def merge_options(params, file_options):
    """Options given in the task win over the properties file; returns a new dict."""
    merged = dict(params)
    for option, value in (file_options or {}).items():
        if merged.get(option) is None:
            merged[option] = value
    return merged


def is_resource_id(source_server):
    """A source given as an ARM resource id (a Single Server), not as host:port@user."""
    return str(source_server or '').startswith('/')


# ---- bodies ---------------------------------------------------------------------------------

# The credentials of each side (options <side>_password and <side>_username): their keys in secretParameters.
SIDES = ('source', 'target')
_SECRET_KEYS = {'source': ('sourceServerPassword', 'sourceServerUsername'),
                'target': ('targetServerPassword', 'targetServerUsername')}


def _set_path(body, path, value):
    node = body
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def rest_value(setting, value):
    """An option value -> its REST form."""
    if setting.kind == 'enum':
        return api_enum(setting.option, value)
    if setting.kind == 'flag':
        return flag(value)
    if setting.kind == 'time':
        return format_time(parse_time(value))
    if setting.kind == 'databases':
        return list(value)
    if setting.kind == 'tags':
        return dict(value)
    return value


def settings_body(params):
    """The REST fields for every setting given in ``params`` (no secrets, no defaults)."""
    body = {}
    for setting in SETTINGS:
        value = params.get(setting.option)
        if value is not None:
            _set_path(body, setting.path, rest_value(setting, value))
    return body


def create_body(params, location):
    """The PUT body: the given settings, the create-time defaults, the location and the secrets."""
    with_defaults = dict(params)
    with_defaults.setdefault('migration_mode', None)
    with_defaults.setdefault('migration_option', None)
    if with_defaults['migration_mode'] is None:
        with_defaults['migration_mode'] = DEFAULT_MIGRATION_MODE
    if with_defaults['migration_option'] is None:
        with_defaults['migration_option'] = DEFAULT_MIGRATION_OPTION
    if with_defaults.get('location') is None:
        with_defaults['location'] = location
    if with_defaults.get('source_type') is None and with_defaults.get('source_server'):
        # Said explicitly, never left to the service's inference: a resource id is a Single Server's, any
        # host:port@user source is OnPremises unless the task says otherwise.
        with_defaults['source_type'] = SINGLE_SERVER if is_resource_id(with_defaults['source_server']) else DEFAULT_SOURCE_TYPE
    body = settings_body(with_defaults)
    body.setdefault('properties', {})
    body['properties']['secretParameters'] = _secret_parameters(params, SIDES)
    return body


def _secret_parameters(params, sides):
    """secretParameters with the password (and the user name, when given) of each side in ``sides``."""
    secrets = {'adminCredentials': {}}
    for side in sides:
        password_key, username_key = _SECRET_KEYS[side]
        secrets['adminCredentials'][password_key] = params['%s_password' % side]
        if params.get('%s_username' % side):
            secrets[username_key] = params['%s_username' % side]
    return secrets


def rotated_sides(params):
    """The sides whose password the task gives: what update_password=always sends to a running migration."""
    return [side for side in SIDES if params.get('%s_password' % side)]


def secrets_patch(params, sides):
    """PATCH body that hands the service new credentials for ``sides`` (MigrationSecretParametersForPatch: every field
    optional from 2025-08-01 on). Holds secrets: never shown; results name only the sides."""
    return {'properties': {'secretParameters': _secret_parameters(params, sides)}}


def without_secrets(body):
    """A copy of a request body safe to show (diffs, check-mode results)."""
    shown = dict(body)
    if 'properties' in shown:
        shown['properties'] = dict((k, v) for k, v in shown['properties'].items() if k != 'secretParameters')
    return shown


def cutover_patch(databases=None):
    properties = {'triggerCutover': 'True'}
    if databases:
        properties['dbsToTriggerCutoverOn'] = list(databases)
    return {'properties': properties}


def cancel_patch(databases):
    return {'properties': {'cancel': 'True', 'dbsToCancelMigrationOn': list(databases)}}


def answer_patch(answers):
    """PATCH body for answers to WaitingForUserAction substates: {option: value}."""
    body = {}
    for option, value in answers.items():
        setting = SETTING_BY_OPTION[option]
        _set_path(body, setting.path, rest_value(setting, value))
    return body
