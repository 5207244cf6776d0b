"""Emulated Entra ID (OpenID discovery, OAuth2 client-credentials token endpoint), managed identity and
ARM cloud metadata. Audiences accepted by ARM are listed in ``audiences()``."""

import datetime
import time
import uuid

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .config import federated_credentials
from .httpcore import Response
from .tokens import b64url_decode, decode_unverified

ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
PUBLIC_AUDIENCES = ('https://management.core.windows.net/', 'https://management.azure.com/')


def audiences(app):
    """Token audiences ARM accepts: its own URL first (what the metadata advertises), then the public ones."""
    return [app.base_url + '/'] + list(PUBLIC_AUDIENCES)


def _entra_error(status, error, code, description, app):
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%SZ')
    trace = str(uuid.uuid4())
    return Response(status, {
        'error': error,
        'error_description': 'AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s' % (code, description, trace, uuid.uuid4(), now),
        'error_codes': [code], 'timestamp': now, 'trace_id': trace, 'correlation_id': str(uuid.uuid4()),
        'error_uri': '%s/error?code=%d' % (app.base_url, code),
    })


def _tenant_ok(app, tenant):
    return tenant in (app.config.tenant_id, 'organizations', 'common')


def openid_configuration(app, req):
    tenant = req.params['tenant']
    if not _tenant_ok(app, tenant):
        return _entra_error(400, 'invalid_tenant', 90002, "Tenant '%s' not found." % tenant, app)
    base = '%s/%s' % (app.base_url, app.config.tenant_id)
    return Response(200, {
        'token_endpoint': base + '/oauth2/v2.0/token',
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        'jwks_uri': base + '/discovery/v2.0/keys',
        'response_modes_supported': ['query', 'fragment', 'form_post'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'issuer': base + '/v2.0',
        'request_uri_parameter_supported': False,
        'userinfo_endpoint': base + '/openid/userinfo',
        'authorization_endpoint': base + '/oauth2/v2.0/authorize',
        'device_authorization_endpoint': base + '/oauth2/v2.0/devicecode',
        'end_session_endpoint': base + '/oauth2/v2.0/logout',
        'claims_supported': ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
        'tenant_region_scope': 'NA',
        'cloud_instance_name': 'emulator.local',
    })


def _audience_from_scope(scope):
    """'https://x/.default' -> 'https://x/'; None when the scope is not a resource '.default' scope."""
    for item in (scope or '').split():
        if item.endswith('/.default'):
            return item[:-len('.default')]
        if item.endswith('.default'):
            return item[:-len('.default')] + '/'
    return None


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%m/%d/%Y %H:%M:%S')


def _check_assertion(app, client, assertion):
    """A certificate assertion (iss = sub = client id, signed by a registered certificate), or a federated
    (workload identity) assertion; returns (AADSTS code, message) or (None, None)."""
    try:
        claims = decode_unverified(assertion)[1]
    except ValueError:
        return 'AADSTS50027', 'JWT token is invalid or malformed.'
    now = time.time()
    if not isinstance(claims.get('exp'), (int, float)) or claims['exp'] <= now or claims.get('nbf', 0) > now + 300:
        return 'AADSTS700024', ('Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, '
                                'expiry time of assertion %s.' % (_utc(now), _utc(claims.get('nbf', 0)), _utc(claims.get('exp') or 0)))
    if claims.get('iss') == client['client_id'] and claims.get('sub') == client['client_id']:
        return _check_certificate_assertion(client, assertion)
    return _check_federated_assertion(app, client, assertion, claims)


def _check_federated_assertion(app, client, assertion, claims):
    """Entra's order: a federated credential with this issuer, then this subject, then an accepted audience; then the
    signature against the issuer's key (the emulator is the only issuer it knows, so its own key)."""
    hint = ' Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.'
    candidates = [f for f in federated_credentials(client) if f['issuer'] == claims.get('iss')]
    if not candidates:
        return 'AADSTS700211', "No matching federated identity record found for presented assertion issuer '%s'.%s" % (claims.get('iss'), hint)
    candidates = [f for f in candidates if f['subject'] == claims.get('sub')]
    if not candidates:
        return 'AADSTS700213', "No matching federated identity record found for presented assertion subject '%s'.%s" % (claims.get('sub'), hint)
    presented = claims.get('aud') if isinstance(claims.get('aud'), list) else [claims.get('aud')]
    if not any(aud in f['audiences'] for f in candidates for aud in presented):
        return 'AADSTS700212', "No matching federated identity record found for presented assertion audience '%s'.%s" % (
            ','.join(str(a) for a in presented), hint)
    if not app.signer.assertion_key.signature_ok(assertion):
        return 'AADSTS50013', "Assertion failed signature validation. [Reason - The key was not found.] (issuer '%s')" % claims.get('iss')
    return None, None


def mint_federated_assertion(app, client, lifetime=3600, **overrides):
    """What an external OIDC issuer hands a workload: a signed assertion matching the client's first federated
    credential. overrides (issuer, subject, audience) let tests present a mismatching one; a lifetime <= 0 gives
    an assertion that has already expired."""
    federated = federated_credentials(client)[0]
    now = int(time.time())
    claims = {'iss': overrides.get('issuer') or federated['issuer'], 'sub': overrides.get('subject') or federated['subject'],
              'aud': [overrides.get('audience') or federated['audiences'][0]], 'iat': min(now, now + int(lifetime)),
              'nbf': min(now, now + int(lifetime)) - 60, 'exp': now + int(lifetime), 'jti': uuid.uuid4().hex}
    return app.signer.assertion_key.sign(claims), claims['exp']


def _check_certificate_assertion(client, assertion):
    head, body, signature = assertion.split('.')
    header = decode_unverified(assertion)[0]
    for pem in client.get('certificates', []):
        public_key = x509.load_pem_x509_certificate(pem.encode('ascii')).public_key()
        pad = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH) if header.get('alg') == 'PS256' else padding.PKCS1v15()
        try:
            public_key.verify(b64url_decode(signature), (head + '.' + body).encode('ascii'), pad, hashes.SHA256())
            return None, None
        except (InvalidSignature, ValueError, TypeError):
            continue
    return 'AADSTS700027', 'Client assertion contains an invalid signature. [Reason - The key was not found.]'


def token(app, req):
    tenant = req.params['tenant']
    if not _tenant_ok(app, tenant):
        return _entra_error(400, 'invalid_request', 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                                                           'and are signing into the correct cloud.' % tenant, app)
    form = req.form()
    if form.get('grant_type') != 'client_credentials':
        return _entra_error(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.', app)
    client_id = form.get('client_id', '')
    client = app.config.client(client_id)
    if client is None:
        return _entra_error(400, 'unauthorized_client', 700016,
                            "Application with identifier '%s' was not found in the directory '%s'. This can happen if the "
                            'application has not been installed by the administrator of the tenant or consented to by any user '
                            'in the tenant. You may have sent your authentication request to the wrong tenant.'
                            % (client_id, app.config.tenant_id), app)
    if form.get('client_assertion_type') == ASSERTION_TYPE:
        code, message = _check_assertion(app, client, form.get('client_assertion', ''))
        if code:
            return _entra_error(401, 'invalid_client', int(code[6:]), message, app)
    elif 'client_secret' in form:
        if form['client_secret'] != client.get('client_secret'):
            return _entra_error(401, 'invalid_client', 7000215,
                                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                                "value, not the client secret ID, for a secret added to app '%s'." % client_id, app)
    else:
        return _entra_error(401, 'invalid_client', 7000218,
                            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", app)
    audience = _audience_from_scope(form.get('scope'))
    if audience is None:
        return _entra_error(400, 'invalid_scope', 1002012, "The provided value for scope '%s' is not valid. Client credential flows "
                                                           "must have a scope value with /.default suffixed to the resource "
                                                           'identifier (application ID URI).' % form.get('scope', ''), app)
    if audience.rstrip('/').lower() not in {a.rstrip('/').lower() for a in audiences(app)}:
        return _entra_error(400, 'invalid_resource', 500011,
                            "The resource principal named %s was not found in the tenant named %s." % (audience, app.config.tenant_id),
                            app)
    lifetime = int(app.settings['token_lifetime_seconds'])
    access_token = app.signer.issue(app.config.tenant_id, audience, client.get('object_id', client_id), lifetime, client_id)[0]
    return Response(200, {'token_type': 'Bearer', 'expires_in': lifetime, 'ext_expires_in': lifetime, 'access_token': access_token})


def managed_identity(app, req):
    """App Service style endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), api-version 2019-08-01."""
    identity = app.config.managed_identity
    if req.header('X-IDENTITY-HEADER') != identity['header']:
        return Response(401, {'statusCode': 401, 'message': 'X-IDENTITY-HEADER is missing or does not match.'})
    resource = req.query.get('resource')
    wanted = req.query.get('client_id') or req.query.get('mi_res_id') or req.query.get('principal_id')
    if wanted and wanted not in (identity['client_id'], identity['principal_id'], identity.get('resource_id')):
        return Response(400, {'statusCode': 400, 'message': 'No managed identity found for the specified ClientId/ResourceId/PrincipalId.'})
    if not resource or resource.rstrip('/').lower() not in {a.rstrip('/').lower() for a in audiences(app)}:
        return Response(400, {'statusCode': 400, 'message': "Unknown resource '%s'." % resource})
    lifetime = int(app.settings['token_lifetime_seconds'])
    access_token, claims = app.signer.issue(app.config.tenant_id, resource, identity['principal_id'], lifetime,
                                            identity['client_id'], id_type='app')
    return Response(200, {'access_token': access_token, 'expires_on': str(claims['exp']), 'resource': resource,
                          'token_type': 'Bearer', 'client_id': identity['client_id']})


def metadata_endpoints(app, req):
    """ARM cloud metadata. 2022-09-01 and later: this cloud as one object (what `az cloud register
    --endpoint-resource-manager` reads); 2019-05-01 up to 2022-09-01: a list of clouds; older: the Azure Stack shape."""
    base = app.base_url
    auth = {'loginEndpoint': base, 'audiences': audiences(app), 'tenant': 'common', 'identityProvider': 'AAD'}
    version = req.query_lower.get('api-version', '2022-09-01')
    if version < '2019-05-01':
        return Response(200, {'galleryEndpoint': base + '/', 'graphEndpoint': base + '/', 'portalEndpoint': base + '/',
                              'authentication': auth})
    cloud = {
        'name': 'PgflexEmulator', 'portal': base + '/', 'resourceManager': base + '/', 'authentication': auth,
        'graph': base + '/', 'graphAudience': base + '/', 'microsoftGraphResourceId': base + '/',
        'media': base + '/', 'gallery': base + '/', 'batch': base + '/', 'activeDirectoryDataLake': base + '/',
        'sqlManagement': base + '/', 'vmImageAliasDoc': base + '/', 'appInsightsResourceId': base + '/',
        'appInsightsTelemetryChannelResourceId': base + '/', 'attestationResourceId': base + '/',
        'synapseAnalyticsResourceId': base + '/', 'logAnalyticsResourceId': base + '/', 'ossrDbmsResourceId': base + '/',
        'suffixes': {'acrLoginServer': 'azurecr.emulator.local', 'keyVaultDns': 'vault.emulator.local',
                     'storage': 'core.emulator.local', 'postgresqlServerEndpoint': 'postgres.database.azure.com'},
    }
    return Response(200, cloud if version >= '2022-09-01' else [cloud])
