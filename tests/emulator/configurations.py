"""Emulated server parameters: flexibleServers/{name}/configurations (GET list, GET one, PUT/PATCH as ARM long-running
operations answered 202 with Azure-AsyncOperation and Location).

Only the parameters the collection reads or writes exist. azure.extensions is the server's allow-list itself
(ServerConfig.extensions), so a value PUT here is what the migration's ExtensionsValidation then honours.
"""

import threading
import uuid

from . import arm, scope
from .config import display_location
from .httpcore import ArmError, Response
from .resources import PROVIDER, iso, server_id, utcnow

CONFIGURATIONS = arm.SERVER + r'/configurations'
CONFIGURATION = CONFIGURATIONS + r'/(?P<name>[^/]+)'
LOCATION_OPS = arm.SUB + r'/providers/Microsoft\.DBforPostgreSQL/locations/(?P<location>[^/]+)'
DOCS = 'https://learn.microsoft.com/en-us/azure/postgresql/server-parameters/'

# name -> (dataType, default, allowedValues, read-only, description). The azure.migration_* rows follow Microsoft's
# "Migration" parameter page (param-migration); azure.extensions' allowed values are the extensions a flexible
# server offers (a subset here), its default the server's configured allow-list.
PARAMETERS = {
    'azure.extensions': ('Set', None, 'address_standardizer,age,amcheck,azure_storage,btree_gin,btree_gist,citext,cube,'
                         'dblink,dict_int,earthdistance,fuzzystrmatch,hstore,intarray,isn,lo,ltree,pg_buffercache,pg_cron,'
                         'pg_partman,pg_prewarm,pg_stat_statements,pg_trgm,pgaudit,pgcrypto,pgrowlocks,pgstattuple,plpgsql,'
                         'postgis,postgres_fdw,seg,tablefunc,tcn,timescaledb,tsm_system_rows,unaccent,uuid-ossp,vector',
                         False, 'Specifies which extensions are allowed to be created in the server.'),
    'shared_preload_libraries': ('Set', 'pg_cron,pg_stat_statements', 'age,auto_explain,azure_storage,pg_cron,pg_hint_plan,'
                                 'pg_partman_bgw,pg_prewarm,pg_squeeze,pg_stat_statements,pgaudit,pglogical,timescaledb,'
                                 'wal2json', False, 'Sets which shared libraries are preloaded at server start.'),
    'azure.migration_copy_with_binary': ('Boolean', 'off', 'on,off', False,
                                         'When on, the migration copies data in binary format.'),
    'azure.migration_skip_analyze': ('Boolean', 'off', 'on,off', False, 'When on, the migration skips the analyze phase.'),
    'azure.migration_skip_extensions': ('Boolean', 'off', 'on,off', False, 'When on, the migration skips extensions.'),
    'azure.migration_skip_large_objects': ('Boolean', 'off', 'on,off', False,
                                           'When on, the migration skips large objects such as BLOBs.'),
    'azure.migration_skip_role_user': ('Boolean', 'on', 'on', True, 'When on, the migration excludes user roles.'),
    'azure.migration_table_split_size': ('Integer', '20480', '1-204800', False,
                                         'When set, the size at which the migration splits a table.'),
}
TYPE = PROVIDER + '/flexibleServers/configurations'
_LOCK = threading.Lock()


def routes(router, app):
    def bind(handler):
        return lambda req: handler(app, req)
    router.add('GET', CONFIGURATIONS, bind(list_configurations))
    router.add('GET', CONFIGURATION, bind(get_configuration))
    router.add('PUT PATCH', CONFIGURATION, bind(put_configuration))
    router.add('GET', LOCATION_OPS + r'/azureAsyncOperation/(?P<op>[^/]+)', bind(operation_status))
    router.add('GET', LOCATION_OPS + r'/operationResults/(?P<op>[^/]+)', bind(operation_result))


def _values(server):
    """The server's user-set values (kept on the ServerConfig, so every handler sees the same ones)."""
    if not hasattr(server, 'parameter_values'):
        server.parameter_values = {}
    return server.parameter_values


def value_of(server, name):
    if name == 'azure.extensions':
        return ','.join(server.extensions)
    return _values(server).get(name, PARAMETERS[name][1])


def _body(app, group_name, server, name):
    kind, default, allowed, read_only, description = PARAMETERS[name]
    value = value_of(server, name)
    if name == 'azure.extensions':
        default = ''
    return {
        'properties': {'value': value, 'description': description, 'defaultValue': default, 'dataType': kind,
                       'allowedValues': allowed, 'source': 'system-default' if value == default else 'user-override',
                       'isDynamicConfig': name != 'shared_preload_libraries', 'isReadOnly': read_only,
                       'isConfigPendingRestart': False, 'documentationLink': DOCS},
        'id': server_id(server.subscription_id, group_name, server.name) + '/configurations/' + name,
        'name': name, 'type': TYPE,
    }


def _parameter(req, server):
    name = req.params['name']
    for known in PARAMETERS:
        if known.lower() == name.lower():
            return known
    raise ArmError(404, 'ResourceNotFound', "The Resource '%s/flexibleServers/%s/configurations/%s' was not found."
                   % (PROVIDER, server.name, name))


def list_configurations(app, req):
    arm._api_version(app, req, server_level=True)  # pylint: disable=protected-access
    group_name, server = arm._server(app, req)  # pylint: disable=protected-access
    return Response(200, {'value': [_body(app, group_name, server, name) for name in sorted(PARAMETERS)]})


def get_configuration(app, req):
    arm._api_version(app, req, server_level=True)  # pylint: disable=protected-access
    group_name, server = arm._server(app, req)  # pylint: disable=protected-access
    return Response(200, _body(app, group_name, server, _parameter(req, server)))


def checked_value(name, value):
    """The value to store, or ArmError 400 naming what is wrong (Azure's code for a bad value: InvalidParameterValue)."""
    kind, _default, allowed, read_only, _description = PARAMETERS[name]
    if read_only:
        raise ArmError(400, 'ParameterIsReadOnly', "The server parameter '%s' is read-only." % name)
    if not isinstance(value, str):
        raise ArmError(400, 'InvalidRequestContent', "Property 'properties.value' must be a string.", target='value')
    if kind == 'Set':
        items = [item.strip() for item in value.split(',') if item.strip()]
        bad = [item for item in items if item.lower() not in allowed.split(',')]
        if bad:
            raise ArmError(400, 'InvalidParameterValue', "Invalid value given for parameter '%s': %s. Specify a valid "
                           'parameter value.' % (name, ', '.join(bad)), target='value')
        return ','.join(item.lower() for item in items)
    if kind == 'Boolean':
        if value.lower() not in allowed.split(','):
            raise ArmError(400, 'InvalidParameterValue', "Invalid value given for parameter '%s'. Specify a valid parameter "
                           'value (%s).' % (name, allowed), target='value')
        return value.lower()
    low, high = (int(part) for part in allowed.split('-'))
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ArmError(400, 'InvalidParameterValue', "Invalid value given for parameter '%s'. Specify a value between %d "
                       'and %d.' % (name, low, high), target='value')
    return str(int(value))


def put_configuration(app, req):
    arm._api_version(app, req, server_level=True)  # pylint: disable=protected-access
    group_name, server = arm._server(app, req)  # pylint: disable=protected-access
    name = _parameter(req, server)
    props = (req.json() or {}).get('properties') or {}
    if 'value' not in props and req.method == 'PATCH':
        return _accepted(app, req, server)
    value = checked_value(name, props.get('value'))
    with _LOCK:
        if name == 'azure.extensions':
            server.extensions = value.split(',') if value else []
        else:
            _values(server)[name] = value
    return _accepted(app, req, server)


# Finished operations by id: the change is applied before the 202 is sent, so the first poll answers Succeeded.
_OPERATIONS = {}


def _accepted(app, req, server):
    op = str(uuid.uuid4())
    now = iso(utcnow())
    with _LOCK:
        _OPERATIONS[op] = {'name': op, 'status': 'Succeeded', 'startTime': now, 'endTime': now}
    version = req.query_lower.get('api-version')
    base = '%s/subscriptions/%s/providers/%s/locations/%s' % (app.base_url, server.subscription_id, PROVIDER,
                                                              display_location(server.location).replace(' ', '').lower())
    headers = {'Azure-AsyncOperation': '%s/azureAsyncOperation/%s?api-version=%s' % (base, op, version),
               'Location': '%s/operationResults/%s?api-version=%s' % (base, op, version), 'Retry-After': '0'}
    return Response(202, None, headers)


def _operation(app, req):
    scope.subscription(app, req)
    with _LOCK:
        found = _OPERATIONS.get(req.params['op'])
    if found is None:
        raise ArmError(404, 'OperationNotFound', "The operation '%s' could not be found." % req.params['op'])
    return found


def operation_status(app, req):
    return Response(200, dict(_operation(app, req)))


def operation_result(app, req):
    _operation(app, req)
    return Response(204)
