"""Validation of migration request bodies (PUT, PATCH, name check) the way the service answers: 400 InvalidInput
naming the property. Enum values are matched case-insensitively and stored in their canonical spelling."""

import datetime
import re

from . import collection_code
from .api_versions import modernize_properties
from .httpcore import ArmError

# The one migration name rule lives in the collection (plugins/module_utils/naming.py, pure stdlib); the emulator loads
# that file by path so that the service it plays and the modules can never disagree (docs/service-assumptions.md, 1).
NAMING = collection_code.load('naming')
NAMING_PY = NAMING.__file__


def name_problem(name):
    """What the service says of a name outside the rule (the rule itself; explaining the slip is the modules' job), or
    None."""
    return None if NAMING.is_migration_name(name) else 'the migration name %r must be %s' % (name, NAMING.MIGRATION_NAME_RULE)


MAX_DBS = 50

SOURCE_TYPES = ('OnPremises', 'AWS', 'GCP', 'AzureVM', 'PostgreSQLSingleServer', 'AWS_RDS', 'AWS_AURORA', 'AWS_EC2', 'GCP_CloudSQL',
                'GCP_AlloyDB', 'GCP_Compute', 'EDB', 'EDB_Oracle_Server', 'EDB_PostgreSQL', 'PostgreSQLFlexibleServer',
                'PostgreSQLCosmosDB', 'Huawei_RDS', 'Huawei_Compute', 'Heroku_PostgreSQL', 'Crunchy_PostgreSQL', 'ApsaraDB_RDS',
                'Digital_Ocean_Droplets', 'Digital_Ocean_PostgreSQL', 'Supabase_PostgreSQL')
ENUMS = {
    'migrationMode': ('Offline', 'Online'),
    'migrationOption': ('Validate', 'Migrate', 'ValidateAndMigrate'),
    'sourceType': SOURCE_TYPES,
    'sslMode': ('Prefer', 'Require', 'VerifyCA', 'VerifyFull'),
}
FLAGS = ('setupLogicalReplicationOnSourceDbIfNeeded', 'overwriteDbsInTarget', 'migrateRoles', 'startDataMigration',
         'triggerCutover', 'cancel')
DB_LISTS = ('dbsToMigrate', 'dbsToTriggerCutoverOn', 'dbsToCancelMigrationOn')
STRINGS = ('sourceDbServerResourceId', 'sourceDbServerFullyQualifiedDomainName', 'targetDbServerFullyQualifiedDomainName',
           'migrationInstanceResourceId')
TIMES = ('migrationWindowStartTimeInUtc', 'migrationWindowEndTimeInUtc')
CREATE_ONLY = ('migrationOption', 'sourceType', 'sslMode', 'migrationInstanceResourceId', 'migrationWindowEndTimeInUtc')
READ_ONLY = ('migrationId', 'currentStatus', 'sourceDbServerMetadata', 'targetDbServerMetadata', 'targetDbServerResourceId')
SOURCE_ID = re.compile(r'^(?P<host>[^:@/\s]+):(?P<port>\d{1,5})@(?P<user>[^@/\s]+)$')


def invalid(message, target=None):
    return ArmError(400, 'InvalidInput', 'Invalid input. %s' % message, target=target)


def check_name(name, what='migration'):
    problem = name_problem(name)
    if problem:
        raise invalid("Parameter name: 'MigrationName'. Error: Invalid %s name '%s': %s." % (what, name, problem),
                      target='migrationName')


def parse_time(value, prop):
    if not isinstance(value, str):
        raise invalid("Property '%s' must be a date-time string such as '2026-01-31T12:00:00Z'." % prop, target=prop)
    text = value.strip().replace('Z', '+00:00').replace('z', '+00:00')
    text = re.sub(r'(\.\d{6})\d+', r'\1', text)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise invalid("Property '%s' has the invalid date-time value '%s'; use ISO 8601 such as '2026-01-31T12:00:00Z'."
                      % (prop, value), target=prop)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def _enum(prop, value, allowed):
    if isinstance(value, str):
        for candidate in allowed:
            if candidate.lower() == value.lower():
                return candidate
    if isinstance(value, bool):
        raise invalid("Property '%s' must be one of the strings %s; the JSON boolean %s is not accepted."
                      % (prop, ', '.join("'%s'" % a for a in allowed), str(value).lower()), target=prop)
    raise invalid("Property '%s' has the invalid value '%s'. Allowed values: %s." % (prop, value, ', '.join(allowed)), target=prop)


def _db_list(prop, value):
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise invalid("Property '%s' must be a list of database names." % prop, target=prop)
    if len(value) > MAX_DBS:
        raise invalid("Property '%s' lists %d databases; at most %d databases can be migrated by one migration. Split them "
                      'across several migrations.' % (prop, len(value), MAX_DBS), target=prop)
    if len(set(value)) != len(value):
        raise invalid("Property '%s' lists a database more than once." % prop, target=prop)
    return list(value)


def normalize_properties(props, allowed):
    """Check and normalize the writable properties present in `props`; return them (secrets excluded)."""
    out = {}
    for prop, value in props.items():
        if prop in READ_ONLY or prop == 'secretParameters' or value is None:
            continue
        if prop not in allowed:
            if prop in CREATE_ONLY:
                raise invalid("Property '%s' can only be set when the migration is created." % prop, target=prop)
            continue  # unknown properties are ignored, like ARM does
        if prop in ENUMS:
            out[prop] = _enum(prop, value, ENUMS[prop])
        elif prop in FLAGS:
            out[prop] = _enum(prop, value, ('True', 'False'))
        elif prop in DB_LISTS:
            out[prop] = _db_list(prop, value)
        elif prop in TIMES:
            parse_time(value, prop)
            out[prop] = value
        elif prop in STRINGS:
            if not isinstance(value, str):
                raise invalid("Property '%s' must be a string." % prop, target=prop)
            out[prop] = value
    return out


CREATE_ALLOWED = set(ENUMS) | set(FLAGS) | set(DB_LISTS) | set(STRINGS) | set(TIMES)
PATCH_ALLOWED = CREATE_ALLOWED - set(CREATE_ONLY)


def _secrets(raw, require_passwords):
    if raw is None:
        if require_passwords:
            raise invalid("Property 'secretParameters.adminCredentials' is required: give sourceServerPassword and "
                          'targetServerPassword.', target='secretParameters')
        return {}
    if not isinstance(raw, dict):
        raise invalid("Property 'secretParameters' must be an object.", target='secretParameters')
    out = {}
    creds = raw.get('adminCredentials')
    if creds is None and require_passwords:
        raise invalid("Property 'secretParameters.adminCredentials' is required: give sourceServerPassword and "
                      'targetServerPassword.', target='secretParameters.adminCredentials')
    if creds is not None:
        if not isinstance(creds, dict):
            raise invalid("Property 'secretParameters.adminCredentials' must be an object.", target='secretParameters.adminCredentials')
        for key in ('sourceServerPassword', 'targetServerPassword'):
            value = creds.get(key)
            if value is None and require_passwords:
                raise invalid("Property 'secretParameters.adminCredentials.%s' is required." % key,
                              target='secretParameters.adminCredentials.%s' % key)
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise invalid("Property 'secretParameters.adminCredentials.%s' must be a non-empty string." % key,
                                  target='secretParameters.adminCredentials.%s' % key)
                out[key] = value
    for key in ('sourceServerUsername', 'targetServerUsername'):
        value = raw.get(key)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise invalid("Property 'secretParameters.%s' must be a non-empty string." % key, target='secretParameters.%s' % key)
            out[key] = value
    return out


def _tags(body):
    tags = body.get('tags')
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise invalid("Property 'tags' must be an object of string values.", target='tags')
    return dict(tags)


def parse_source_id(value):
    """'host:port@user' -> (host, port, user); None for anything else (an ARM ID, for instance)."""
    found = SOURCE_ID.match(value or '')
    if not found:
        return None
    return found.group('host'), int(found.group('port')), found.group('user')


def _modern(props, api_version):
    return modernize_properties(props) if api_version is not None and api_version.legacy_shape else props


def parse_create(body, api_version=None):
    """Return (location, tags, properties, secrets) of a PUT body; raise ArmError 400 on bad input."""
    location = body.get('location')
    if not isinstance(location, str) or not location.strip():
        raise invalid("Property 'location' is required: give the region of the target server, for example 'eastus'.",
                      target='location')
    props = body.get('properties')
    if not isinstance(props, dict):
        raise invalid("Property 'properties' is required and must be an object.", target='properties')
    props = _modern(props, api_version)
    normalized = normalize_properties(props, CREATE_ALLOWED)
    secrets = _secrets(props.get('secretParameters'), require_passwords=True)
    source = normalized.get('sourceDbServerResourceId')
    if not source:
        raise invalid("Property 'sourceDbServerResourceId' is required: give 'host:port@user' of the source server, or the "
                      'resource ID of a Single Server.', target='sourceDbServerResourceId')
    if not source.startswith('/') and parse_source_id(source) is None:
        raise invalid("Property 'sourceDbServerResourceId' has the invalid value '%s'; use 'host:port@user' (for example "
                      "'10.0.0.4:5432@postgres') or the resource ID of a Single Server." % source, target='sourceDbServerResourceId')
    return location, _tags(body), normalized, secrets


def parse_patch(body, api_version):
    """Return (tags or None, properties, secrets) of a PATCH body."""
    props = body.get('properties', {})
    if not isinstance(props, dict):
        raise invalid("Property 'properties' must be an object.", target='properties')
    props = _modern(props, api_version)
    normalized = normalize_properties(props, PATCH_ALLOWED)
    # 2024-08-01 and older reused the create model: adminCredentials with both passwords when secretParameters is sent.
    secrets = _secrets(props.get('secretParameters'),
                       require_passwords=api_version.patch_needs_both_passwords and 'secretParameters' in props)
    return _tags(body), normalized, secrets
