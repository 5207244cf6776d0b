"""Single Server sources: GET of Microsoft.DBforPostgreSQL/servers/{name} (api-version 2017-12-01, as ARM serves that
retired resource type) and the service's TLS rule for migrations from them."""

from . import scope
from .config import display_location
from .endpoints import SINGLE_SERVER_ID
from .httpcore import ArmError, Response

API_VERSIONS = ('2017-12-01', '2017-12-01-preview')
PROVIDER = 'Microsoft.DBforPostgreSQL'
# The service reaches a Single Server over its public endpoint with the certificate checked (see
# docs/service-assumptions.md); these are the modes it accepts for such a source.
SINGLE_SERVER_SSL_MODES = ('VerifyFull', 'VerifyCA')


def _api_version(req):
    version = req.query_lower.get('api-version')
    if version not in API_VERSIONS:
        raise ArmError(400, 'InvalidApiVersionParameter' if version else 'MissingApiVersionParameter',
                       "The api-version '%s' is invalid. The supported versions are '%s'." % (version or '', ', '.join(API_VERSIONS)))
    return version


def body(app, server):
    resource_id = '/subscriptions/%s/resourceGroups/%s/providers/%s/servers/%s' % (
        server.subscription_id, server.resource_group, PROVIDER, server.name)
    return {
        'id': resource_id,
        'name': server.name, 'type': PROVIDER + '/servers', 'location': display_location(server.location), 'tags': {},
        'sku': {'name': 'GP_Gen5_2', 'tier': 'GeneralPurpose', 'family': 'Gen5', 'capacity': 2},
        'properties': {
            'administratorLogin': server.admin_user, 'version': server.version, 'sslEnforcement': 'Enabled',
            'minimalTlsVersion': 'TLS1_2', 'userVisibleState': 'Ready', 'fullyQualifiedDomainName': server.fqdn,
            'storageProfile': {'backupRetentionDays': 7, 'geoRedundantBackup': 'Disabled', 'storageMB': 51200,
                               'storageAutogrow': 'Disabled'},
            'replicationRole': 'None', 'publicNetworkAccess': 'Enabled', 'infrastructureEncryption': 'Disabled',
        },
    }


def list_servers(app, req):
    _api_version(req)
    sub, group = scope.resource_group(app, req)[:2]
    return Response(200, {'value': [body(app, s) for s in app.config.single_servers
                                    if s.subscription_id == sub and s.resource_group.lower() == group.lower()]})


def get_server(app, req):
    _api_version(req)
    sub, group = scope.resource_group(app, req)[:2]
    server = app.config.single_server(group, req.params['server'], sub)
    if server is None:
        raise ArmError(404, 'ResourceNotFound', "The Resource '%s/servers/%s' under resource group '%s' was not found. For more "
                                                'details please go to https://aka.ms/ARMResourceNotFoundFix'
                       % (PROVIDER, req.params['server'], group))
    return Response(200, body(app, server))


def check_ssl_mode(props):
    """A migration from a Single Server must verify the server's certificate; Prefer/Require are refused at create."""
    single = props.get('sourceType') == 'PostgreSQLSingleServer' or SINGLE_SERVER_ID.match(props.get('sourceDbServerResourceId', ''))
    mode = props.get('sslMode')
    if single and mode and mode not in SINGLE_SERVER_SSL_MODES:
        raise ArmError(400, 'InvalidInput',
                       "Invalid input. SSL mode '%s' is not supported for a source of type 'PostgreSQLSingleServer'. Single "
                       "Server sources require SSL mode 'VerifyFull' (the default) or 'VerifyCA'." % mode, target='sslMode')
