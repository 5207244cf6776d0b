"""Emulated Azure Resource Manager: subscriptions, tenants, resource groups, flexible servers and migrations."""

from urllib.parse import urlencode

import datetime

from . import api_versions, bodies, scope, single_servers
from .config import display_location, normalize_location
from .httpcore import ArmError, Response
from .resources import MIGRATION_TYPE, PROVIDER, Migration, iso, server_id

SUB = r'/subscriptions/(?P<sub>[^/]+)'
RG = SUB + r'/resourceGroups/(?P<rg>[^/]+)'
SERVER = RG + r'/providers/Microsoft\.DBforPostgreSQL/flexibleServers/(?P<server>[^/]+)'
MIGRATION = SERVER + r'/migrations/(?P<name>[^/]+)'
SINGLE_SERVER = RG + r'/providers/Microsoft\.DBforPostgreSQL/servers/(?P<server>[^/]+)'


def routes(router, app):
    def bind(handler):
        return lambda req: handler(app, req)
    router.add('GET', r'/subscriptions', bind(list_subscriptions))
    router.add('GET', SUB, bind(get_subscription))
    router.add('GET', r'/tenants', bind(list_tenants))
    router.add('GET HEAD', RG, bind(get_resource_group))
    router.add('GET', RG + r'/providers/Microsoft\.DBforPostgreSQL/flexibleServers', bind(list_servers))
    router.add('GET', SERVER, bind(get_server))
    router.add('GET', RG + r'/providers/Microsoft\.DBforPostgreSQL/servers', bind(single_servers.list_servers))
    router.add('GET', SINGLE_SERVER, bind(single_servers.get_server))
    router.add('GET', SERVER + r'/migrations', bind(list_migrations))
    router.add('POST', SERVER + r'/checkMigrationNameAvailability', bind(check_name))
    router.add('PUT', MIGRATION, bind(create_migration))
    router.add('GET', MIGRATION, bind(get_migration))
    router.add('PATCH', MIGRATION, bind(update_migration))
    router.add('DELETE', MIGRATION, bind(delete_migration))


# -- lookups --------------------------------------------------------------------------------------

def _api_version(app, req, server_level=False):
    """The request's ApiVersion (api_versions.py): every published version of the migrations resource, plus the
    configured extra ones; `server_level` (the flexibleServers GET) also takes the server's older versions."""
    version = req.query_lower.get('api-version')
    if not version:
        raise ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.")
    extra = tuple(app.config.extra_api_versions) + (api_versions.SERVER_ONLY_VERSIONS if server_level else ())
    found = api_versions.lookup(version, extra)
    if found is None:
        supported = sorted(set(api_versions.VERSIONS) | set(extra))
        raise ArmError(400, 'NoRegisteredProviderFound',
                       "No registered resource provider found for location '%s' and API version '%s' for type '%s'. "
                       "The supported api-versions are '%s'." % ('eastus', version, 'flexibleServers' if server_level else
                                                                 'flexibleServers/migrations', ', '.join(supported)))
    return found


def _server(app, req, child=None):
    sub, group_name = scope.resource_group(app, req)[:2]
    server = app.config.server(group_name, req.params['server'], sub)
    if server is None:
        if child:
            raise ArmError(404, 'ParentResourceNotFound',
                           "Failed to perform '%s' on resource(s) of type 'flexibleServers/migrations', because the parent resource "
                           "'%s' could not be found." % (child, server_id(sub, group_name, req.params['server'])))
        raise ArmError(404, 'ResourceNotFound',
                       "The Resource '%s/flexibleServers/%s' under resource group '%s' was not found. For more details please go to "
                       'https://aka.ms/ARMResourceNotFoundFix' % (PROVIDER, req.params['server'], group_name))
    return group_name, server


def _migration(app, req, action='read'):
    group_name, server = _server(app, req, child=action)
    name = req.params['name']
    bodies.check_name(name)
    migration = app.store.get(server.subscription_id, group_name, server.name, name)
    if migration is None:
        raise ArmError(404, 'ResourceNotFound',
                       "The Resource '%s/flexibleServers/%s/migrations/%s' under resource group '%s' was not found."
                       % (PROVIDER, server.name, name, group_name))
    return migration


def _caller(req):
    claims = req.claims or {}
    kind = 'ManagedIdentity' if claims.get('oid') != claims.get('appid') else 'Application'
    return claims.get('appid', 'unknown'), kind


# -- subscription level -----------------------------------------------------------------------------

def _subscription_body(app, sub):
    return {'id': '/subscriptions/' + sub, 'subscriptionId': sub,
            'tenantId': app.config.tenant_id, 'displayName': app.config.subscription_names[sub], 'state': 'Enabled',
            'subscriptionPolicies': {'locationPlacementId': 'Public_2014-09-01', 'quotaId': 'PayAsYouGo_2014-09-01',
                                     'spendingLimit': 'Off'}, 'authorizationSource': 'RoleBased', 'managedByTenants': []}


def list_subscriptions(app, req):
    subs = app.config.subscription_ids
    return Response(200, {'value': [_subscription_body(app, sub) for sub in subs], 'count': {'type': 'Total', 'value': len(subs)}})


def get_subscription(app, req):
    return Response(200, _subscription_body(app, scope.subscription(app, req)))


def list_tenants(app, req):
    tenant = app.config.tenant_id
    return Response(200, {'value': [{'id': '/tenants/' + tenant, 'tenantId': tenant, 'tenantCategory': 'Home',
                                     'displayName': 'pgflex emulated tenant', 'defaultDomain': 'emulator.local',
                                     'domains': ['emulator.local'], 'tenantType': 'AAD'}]})


def get_resource_group(app, req):
    sub, name, group = scope.resource_group(app, req)
    if req.method == 'HEAD':
        return Response(204)
    return Response(200, {'id': '/subscriptions/%s/resourceGroups/%s' % (sub, name), 'name': name,
                          'type': 'Microsoft.Resources/resourceGroups', 'location': normalize_location(group.get('location')),
                          'properties': {'provisioningState': 'Succeeded'}})


# -- flexible servers -------------------------------------------------------------------------------

# Premium SSD tier and IOPS by size in GiB (the recorded 32 GiB server: P4, 120; 128 GiB: P10, 500).
DISK_TIERS = ((32, 'P4', 120), (64, 'P6', 240), (128, 'P10', 500), (256, 'P15', 1100), (512, 'P20', 2300), (1024, 'P30', 5000),
              (2048, 'P40', 7500), (4096, 'P50', 7500), (8192, 'P60', 16000), (16384, 'P70', 18000), (32768, 'P80', 20000))
STARTED = datetime.datetime.now(datetime.timezone.utc)  # stands for the servers' creation time
NEWER_SERVER_SHAPE = '2026-07-01'  # versions from here on add fipsMode, privateEndpointConnections, backup.immutableBackup


def _disk(size_gb):
    for limit, tier, iops in DISK_TIERS:
        if size_gb <= limit:
            return tier, iops
    return DISK_TIERS[-1][1:]


def server_body(app, group_name, server, version=None):
    """A flexible server as the recorded GET shows it (tests/emulator/recordings/)."""
    size_gb = server.storage_mb // 1024
    tier, iops = _disk(size_gb)
    backup = {'backupRetentionDays': 7, 'geoRedundantBackup': 'Disabled',
              'earliestRestoreDate': STARTED.isoformat()}
    props = {
        'replica': {'role': 'Primary', 'capacity': 5},
        'storage': {'type': 'Premium_LRS', 'iops': iops, 'tier': tier, 'storageSizeGB': size_gb, 'autoGrow': 'Disabled'},
        'network': {'publicNetworkAccess': 'Enabled'}, 'dataEncryption': {'type': 'SystemManaged'},
        'authConfig': {'activeDirectoryAuth': 'Disabled', 'passwordAuth': 'Enabled'},
        'fullyQualifiedDomainName': server.fqdn, 'version': server.version, 'minorVersion': server.minor_version,
        'administratorLogin': server.admin_user, 'state': 'Ready', 'availabilityZone': '1', 'backup': backup,
        'highAvailability': {'mode': 'Disabled', 'state': 'NotEnabled'},
        'maintenanceWindow': {'customWindow': 'Disabled', 'dayOfWeek': 0, 'startHour': 0, 'startMinute': 0},
        'replicationRole': 'Primary', 'replicaCapacity': 5,
    }
    if version is not None and version.name >= NEWER_SERVER_SHAPE:
        backup['immutableBackup'] = 'Disabled'
        props.update(fipsMode='Disabled', privateEndpointConnections=[])
    return {
        'sku': dict(server.sku), 'systemData': {'createdAt': iso(STARTED)}, 'properties': props,
        'location': display_location(server.location),
        'id': server_id(server.subscription_id, group_name, server.name), 'name': server.name,
        'type': PROVIDER + '/flexibleServers',
    }


def list_servers(app, req):
    version = _api_version(app, req, server_level=True)
    sub, group_name = scope.resource_group(app, req)[:2]
    return Response(200, {'value': [server_body(app, group_name, s, version) for s in app.config.servers
                                    if s.subscription_id == sub and s.resource_group.lower() == group_name.lower()]})


def get_server(app, req):
    version = _api_version(app, req, server_level=True)
    group_name, server = _server(app, req)
    return Response(200, server_body(app, group_name, server, version))


# -- migrations -------------------------------------------------------------------------------------

def create_migration(app, req):
    version = _api_version(app, req)
    group_name, server = _server(app, req, child='write')
    name = req.params['name']
    bodies.check_name(name)
    location, tags, props, secrets = bodies.parse_create(req.json(), version)
    single_servers.check_ssl_mode(props)
    if normalize_location(location) != server.location:
        raise bodies.invalid("Property 'location' is '%s' but the target server '%s' is in '%s'; a migration must be created in "
                             'the location of its target server.' % (location, server.name, server.location), target='location')
    with app.store.lock:
        existing = app.store.get(server.subscription_id, group_name, server.name, name)
        if existing is not None and existing.props.get('sourceDbServerResourceId') == props['sourceDbServerResourceId'] \
                and existing.dbs == list(props.get('dbsToMigrate') or []) and not existing.terminal:
            return Response(200, existing.render(created=True))   # an idempotent retry of the same create
        if app.store.exists(server.subscription_id, group_name, server.name, name):
            raise ArmError(409, 'MigrationNameAlreadyExists',
                           "A migration named '%s' already exists (or existed) on server '%s'. Migration names cannot be reused; "
                           'choose a new name.' % (name, server.name), target='migrationName')
        # Another active migration on the server does not refuse the create (recorded: 201); the engine applies the
        # one-active rule afterwards, as the setting concurrent_migration says (engine.Runner._one_active).
        migration = Migration(server.subscription_id, group_name, server, name, location, tags, props, secrets, _caller(req))
        app.store.add(migration)
    app.engine.start(migration)
    return Response(201, migration.render(created=True))


def get_migration(app, req):
    _api_version(app, req)
    return Response(200, _migration(app, req).render())


def list_migrations(app, req):
    _api_version(app, req)
    group_name, server = _server(app, req, child='read')
    flt = req.query.get('migrationListFilter', 'Active')
    if flt.lower() not in ('active', 'all'):
        raise bodies.invalid("Parameter 'migrationListFilter' has the invalid value '%s'. Allowed values: Active, All." % flt,
                             target='migrationListFilter')
    items = app.store.on_server(server.subscription_id, group_name, server.name)
    if flt.lower() == 'active':
        items = [m for m in items if not m.terminal]
    try:
        skip = max(0, int(req.query.get('$skipToken', '0')))
    except ValueError:
        raise bodies.invalid("Parameter '$skipToken' is not valid.", target='$skipToken')
    size = max(1, int(app.settings['page_size']))
    page = items[skip:skip + size]
    body = {'value': [m.render() for m in page]}
    if skip + size < len(items):
        query = dict(req.query, **{'$skipToken': str(skip + size)})
        body['nextLink'] = app.base_url + req.path + '?' + urlencode(query)
    return Response(200, body)


def check_name(app, req):
    _api_version(app, req)
    group_name, server = _server(app, req, child='action')
    body = req.json()
    name, kind = body.get('name'), body.get('type')
    if not isinstance(name, str) or not isinstance(kind, str):
        raise bodies.invalid("Properties 'name' and 'type' are required, for example {\"name\": \"mymigration\", \"type\": "
                             "\"%s\"}." % MIGRATION_TYPE, target='name' if not isinstance(name, str) else 'type')
    if kind.lower() != MIGRATION_TYPE.lower():
        raise bodies.invalid("Property 'type' must be '%s'." % MIGRATION_TYPE, target='type')
    # The official example answers reason/message null, which the schema forbids; they are left out instead.
    answer = {'name': name, 'type': kind, 'nameAvailable': True}
    problem = bodies.name_problem(name)
    if problem:
        answer.update(nameAvailable=False, reason='Invalid', message=problem[0].upper() + problem[1:] + '.')
    elif app.store.exists(server.subscription_id, group_name, server.name, name):
        answer.update(nameAvailable=False, reason='AlreadyExists',
                      message="A migration named '%s' already exists (or existed) on server '%s'." % (name, server.name))
    return Response(200, answer)


def update_migration(app, req):
    version = _api_version(app, req)
    migration = _migration(app, req, action='write')
    tags, props, secrets = bodies.parse_patch(req.json(), version)
    app.engine.update(migration, tags, props, secrets, _caller(req))
    return Response(200, migration.render())


def delete_migration(app, req):
    version = _api_version(app, req)
    group_name, server = _server(app, req, child='delete')
    bodies.check_name(req.params['name'])
    migration = app.store.get(server.subscription_id, group_name, server.name, req.params['name'])
    if migration is None:
        return Response(204)
    if version.delete_deletes:  # Migrations_Delete (2025-01-01-preview and older): hide it; the name stays used
        app.engine.cancel(migration, None, _caller(req))
        with migration.lock:
            migration.deleted = True
        return Response(200, raw=b'')
    app.engine.cancel(migration, None, _caller(req))
    return Response(200, migration.render())
