# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module options -> REST request bodies (camelCase, flags as the strings "True"/"False").

Also the input checks that must pass before any API call, and the table that ties each
user-visible option to its REST field (used by drift.py for comparison and diffs).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible_collections.pgflex.migration.plugins.module_utils.limits import number_problems
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


# ---- input checks (no API call may happen before these pass) --------------------------------

def _check_databases(option, databases, problems):
    if databases is None:
        return
    if not isinstance(databases, list) or not all(isinstance(db, str) and db.strip() for db in databases):
        problems.append('%s must be a list of database names (non-empty strings)' % option)
        return
    if not databases:
        # An empty list is never "all databases": for databases it would create a migration that blocks the server.
        problems.append('%s is an empty list; %s' % (option, EMPTY_LIST_HINTS[option]))
        return
    duplicates = sorted(set(db for db in databases if databases.count(db) > 1))
    if duplicates:
        problems.append('%s lists %s more than once; name each database once' % (option, ', '.join(duplicates)))
    if option == 'databases' and len(databases) > MAX_DATABASES:
        problems.append('databases lists %d databases but one migration takes at most %d (the API limit); '
                        'split them over several migrations' % (len(databases), MAX_DATABASES))


def is_resource_id(source_server):
    """A source given as an ARM resource id (a Single Server), not as host:port@user."""
    return str(source_server or '').startswith('/')


EMPTY_LIST_HINTS = {
    'databases': 'name at least one database (to create a migration that waits for its databases, leave databases '
                 'out and set defer_databases: true)',
    'cancel_databases': 'leave cancel_databases out to cancel the whole migration, or name the databases to cancel',
}


def _check_source_server(params, problems):
    server = params.get('source_server')
    if server is None:
        return
    source_type = api_enum('source_type', params.get('source_type'))
    if source_type == SINGLE_SERVER or (source_type is None and is_resource_id(server)):
        if not SINGLE_SERVER_ID_RE.match(server):
            problems.append(
                "source_server %r is not a Single Server resource id; for source_type PostgreSQLSingleServer give "
                "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/servers/<name>" % server)
        return
    match = ENDPOINT_RE.match(str(server))
    if match and not 0 < int(match.group('port')) < 65536:
        problems.append('source_server %r has port %s; the port must be between 1 and 65535'
                        % (server, int(match.group('port'))))
    elif not match:
        problems.append(
            "source_server %r is not in the form host:port@user (for example 10.0.0.4:5432@postgres)%s; "
            "only source_type PostgreSQLSingleServer takes a resource id"
            % (server, ' as source_type %s needs' % source_type if source_type else ''))


def _check_enums(params, problems):
    for option in ENUMS:
        value = params.get(option)
        if value is not None and api_enum(option, value) is None:
            problems.append('%s %r is not one of: %s' % (option, value, ', '.join(ENUMS[option])))


def _check_window(params, problems):
    moments = {}
    for option in ('migration_window_start', 'migration_window_end'):
        value = params.get(option)
        if value is None:
            continue
        moments[option] = parse_time(value)
        if moments[option] is None:
            problems.append('%s %r is not an ISO 8601 date and time; write it like 2026-05-01T22:00:00Z' % (option, value))
    start, end = moments.get('migration_window_start'), moments.get('migration_window_end')
    if start and end and end <= start:
        problems.append('migration_window_end (%s) must be after migration_window_start (%s)' % (format_time(end), format_time(start)))


def _check_runtime_server(params, problems, subscription_id=None):
    runtime = params.get('migration_instance_resource_id')
    if runtime is None:
        return
    match = FLEXIBLE_SERVER_ID_RE.match(str(runtime))
    if not match:
        problems.append(
            'migration_instance_resource_id must be the resource id of a flexible server, '
            '/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>; got %r' % runtime)
        return
    same_server = (match.group('rg').lower() == str(params.get('resource_group') or '').lower()
                   and match.group('server').lower() == str(params.get('server_name') or '').lower()
                   and (not subscription_id or match.group('sub').lower() == str(subscription_id).lower()))
    if same_server:
        problems.append('migration_instance_resource_id points at the target server %s itself; give a different '
                        'flexible server as the migration runtime, or leave the option out' % params.get('server_name'))


def _check_tags(params, problems):
    tags = params.get('tags')
    if tags is not None and not (isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())):
        problems.append('tags must be a dictionary of string values')


def setting_problems(params, subscription_id=None):
    """Every problem with the migration settings in ``params`` (already merged with the file)."""
    problems = []
    _check_enums(params, problems)
    _check_source_server(params, problems)
    _check_databases('databases', params.get('databases'), problems)
    _check_window(params, problems)
    _check_runtime_server(params, problems, subscription_id)
    _check_tags(params, problems)
    for option in ('source_fqdn', 'target_fqdn'):
        value = params.get(option)
        if value is not None and not is_host(value):
            problems.append('%s %r is not a host name or an IP address (IPv4 like 10.0.0.4, IPv6 like 2001:db8::4, '
                            'without brackets)' % (option, value))
    return problems


def is_host(value):
    """A DNS name or an IPv4 / IPv6 address literal: the API's "FQDN or IP address"."""
    text = str(value)
    if HOST_RE.match(text):
        return True
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def action_problems(params):
    """Problems with the combination of state and actions (cutover, cancel_databases, wait_for)."""
    problems = []
    state = params.get('state')
    cutover = params.get('cutover')
    if state == 'cancelled' and cutover not in (None, False, []):
        problems.append('cutover cannot be combined with state=cancelled; use state=present with cutover, '
                        'or state=cancelled alone to cancel')
    if params.get('cancel_databases') and state != 'cancelled':
        problems.append('cancel_databases only applies with state=cancelled')
    if params.get('drop_copied_databases') and state != 'cancelled':
        problems.append('drop_copied_databases only applies with state=cancelled')
    _check_databases('cancel_databases', params.get('cancel_databases'), problems)
    if isinstance(cutover, list):
        _check_databases('cutover', cutover, problems)
    wait_for = params.get('wait_for')
    if state == 'cancelled' and wait_for not in (None, 'completed'):
        problems.append('wait_for=%s does not apply to state=cancelled, which waits until the cancel is done' % wait_for)
    option = api_enum('migration_option', params.get('migration_option'))
    if wait_for == 'validated' and option == 'Migrate':
        problems.append('wait_for=validated needs migration_option validate or validate_and_migrate; '
                        'migration_option migrate skips validation')
    problems.extend(number_problems(params, ('wait_timeout', 'poll_interval', 'progress_interval', 'api_timeout', 'max_latency')))
    return problems


def create_problems(params):
    """What is missing to create a migration that does not exist yet."""
    missing = [option for option in ('source_server', 'source_password', 'target_password') if params.get(option) in (None, '')]
    problems = []
    if params.get('databases') is None and not params.get('defer_databases'):
        missing.append('databases (or defer_databases: true to create it without databases, waiting for them)')
    if missing:
        problems.append('creating migration %r needs %s (directly or in properties_file)' % (params.get('name'), ', '.join(missing)))
    if params.get('cutover') not in (None, False, []):
        problems.append('cutover applies to an existing online migration; create it first (wait_for: cutover_ready), '
                        'then run the task again with cutover')
    mode = api_enum('migration_mode', params.get('migration_mode')) or MIGRATION_MODES[DEFAULT_MIGRATION_MODE]
    if params.get('wait_for') == 'cutover_ready' and mode != 'Online':
        problems.append('wait_for=cutover_ready needs migration_mode=online; offline migrations cut over by themselves')
    return problems


# ---- bodies ---------------------------------------------------------------------------------

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
    secrets = {'adminCredentials': {'sourceServerPassword': params['source_password'],
                                    'targetServerPassword': params['target_password']}}
    for option, key in (('source_username', 'sourceServerUsername'), ('target_username', 'targetServerUsername')):
        if params.get(option):
            secrets[key] = params[option]
    body['properties']['secretParameters'] = secrets
    return body


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
