"""Entra ID, managed identity, cloud metadata and ARM authentication, through azure-identity."""

import json
import time

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientAssertionCredential, ManagedIdentityCredential

from emulator.tokens import AssertionKey, b64url, b64url_decode, decode_unverified

from .conftest import FEDERATED, RESOURCE_GROUP, SERVER_POOL


def test_client_secret_credential_gets_a_token(emu):
    token = emu.credential().get_token(emu.url + '/.default')
    assert token.token.count('.') == 2
    assert token.expires_on > time.time() + 600


def test_public_arm_scope_is_accepted_too(emu):
    """The SDK's default scope (management.azure.com) works, so a client needs no credential_scopes override."""
    from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
    client = PostgreSQLManagementClient(emu.credential(), emu.subscription_id, base_url=emu.url, connection_verify=emu.ca_file)
    assert client.servers.get(RESOURCE_GROUP, SERVER_POOL[0]).name == SERVER_POOL[0]


def test_wrong_secret_is_refused_with_aadsts7000215(emu):
    with pytest.raises(ClientAuthenticationError) as caught:
        emu.credential(secret='wrong').get_token(emu.url + '/.default')
    assert 'AADSTS7000215' in str(caught.value)
    assert emu.client_secret not in str(caught.value)


def test_unknown_client_is_refused_with_aadsts700016(emu):
    with pytest.raises(ClientAuthenticationError) as caught:
        emu.credential(client_id='00000000-0000-0000-0000-000000000001').get_token(emu.url + '/.default')
    assert 'AADSTS700016' in str(caught.value)


def _federated_credential(emu, assertion):
    return ClientAssertionCredential(emu.tenant_id, emu.client_id, lambda: assertion, authority=emu.url[8:],
                                     disable_instance_discovery=True, connection_verify=emu.ca_file)


def _refusal(emu, assertion):
    with pytest.raises(ClientAuthenticationError) as caught:
        _federated_credential(emu, assertion).get_token(emu.url + '/.default')
    return str(caught.value)


def _reclaim(assertion, **changes):
    """The assertion with changed claims and its original signature (a forgery)."""
    head, body, signature = assertion.split('.')
    claims = json.loads(b64url_decode(body))
    claims.update(changes)
    return '.'.join([head, b64url(json.dumps(claims).encode()), signature])


def test_federated_client_assertion(emu):
    minted = emu.admin('POST', '/federated-assertion', {})
    header, claims = decode_unverified(minted['assertion'])
    assert header['alg'] == 'RS256'
    assert (claims['iss'], claims['sub'], claims['aud']) == (FEDERATED['issuer'], FEDERATED['subject'], ['api://AzureADTokenExchange'])
    client = emu.mgmt_client(credential=_federated_credential(emu, minted['assertion']))
    assert client.servers.get(RESOURCE_GROUP, SERVER_POOL[0]).location == 'East US'


@pytest.mark.parametrize('override, code', [
    ({'issuer': 'https://token.actions.githubusercontent.com'}, 'AADSTS700211'),
    ({'subject': 'system:serviceaccount:other:intruder'}, 'AADSTS700213'),
    ({'audience': 'api://SomethingElse'}, 'AADSTS700212'),
    ({'lifetime': -5}, 'AADSTS700024'),
])
def test_mismatching_federated_assertion_is_refused(emu, override, code):
    """Signed by the right key, but issuer, subject, audience or validity do not match the federated credential."""
    assertion = emu.admin('POST', '/federated-assertion', override)['assertion']
    message = _refusal(emu, assertion)
    assert code in message
    assert assertion not in message


def test_forged_federated_assertion_is_refused(emu):
    """Matching claims, but not signed by the issuer's key: a changed claim, or another key altogether."""
    assertion = emu.admin('POST', '/federated-assertion', {})['assertion']
    assert 'AADSTS50013' in _refusal(emu, _reclaim(assertion, exp=int(time.time()) + 7200))
    claims = decode_unverified(assertion)[1]
    assert 'AADSTS50013' in _refusal(emu, AssertionKey().sign(claims))
    unsigned = assertion.rsplit('.', 1)[0] + '.' + b64url(b'unsigned')
    assert 'AADSTS50013' in _refusal(emu, unsigned)


def test_federated_subject_is_checked_before_the_signature(emu):
    """A forged subject is reported as unknown (what Entra says), not as a bad signature."""
    assertion = emu.admin('POST', '/federated-assertion', {})['assertion']
    assert 'AADSTS700213' in _refusal(emu, _reclaim(assertion, sub='system:serviceaccount:other:intruder'))


def test_malformed_federated_assertion_is_refused(emu):
    assert 'AADSTS50027' in _refusal(emu, 'not-a-jwt')


def test_certificate_credential(emu, client_cert, tmp_path):
    from azure.identity import CertificateCredential
    pem = tmp_path / 'sp.pem'
    pem.write_bytes(client_cert[1] + client_cert[0])
    credential = CertificateCredential(emu.tenant_id, emu.client_id, str(pem), authority=emu.url[8:], disable_instance_discovery=True,
                                       connection_verify=emu.ca_file)
    assert emu.mgmt_client(credential=credential).servers.get(RESOURCE_GROUP, SERVER_POOL[0]).name == SERVER_POOL[0]


def test_unregistered_certificate_is_refused(emu, tmp_path):
    from azure.identity import CertificateCredential
    from emulator.tls import client_certificate
    cert, key = client_certificate('intruder')
    pem = tmp_path / 'other.pem'
    pem.write_bytes(key + cert)
    credential = CertificateCredential(emu.tenant_id, emu.client_id, str(pem), authority=emu.url[8:], disable_instance_discovery=True,
                                       connection_verify=emu.ca_file)
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(emu.url + '/.default')
    assert 'AADSTS700027' in str(caught.value)


def test_managed_identity_app_service_endpoint(emu, monkeypatch):
    monkeypatch.setenv('IDENTITY_ENDPOINT', emu.identity_endpoint)
    monkeypatch.setenv('IDENTITY_HEADER', emu.managed_identity['header'])
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', emu.ca_file)
    monkeypatch.delenv('MSI_ENDPOINT', raising=False)
    credential = ManagedIdentityCredential()
    token = credential.get_token(emu.url + '/.default')
    assert token.expires_on > time.time()
    client = emu.mgmt_client(credential=credential)
    assert client.servers.get(RESOURCE_GROUP, SERVER_POOL[0]).name == SERVER_POOL[0]


def test_metadata_endpoints_describe_the_cloud(emu):
    entry = requests.get(emu.metadata_url, verify=emu.ca_file, timeout=10).json()
    assert entry['resourceManager'] == emu.url + '/'
    assert entry['authentication']['loginEndpoint'] == emu.url
    assert entry['authentication']['audiences'][0] == emu.url + '/'
    listed = requests.get(emu.url + '/metadata/endpoints?api-version=2019-05-01', verify=emu.ca_file, timeout=10).json()
    assert listed[0]['resourceManager'] == emu.url + '/'
    legacy = requests.get(emu.url + '/metadata/endpoints?api-version=2015-01-01', verify=emu.ca_file, timeout=10).json()
    assert legacy['authentication']['loginEndpoint'] == emu.url


def test_openid_discovery(emu):
    document = requests.get('%s/%s/v2.0/.well-known/openid-configuration' % (emu.url, emu.tenant_id), verify=emu.ca_file,
                            timeout=10).json()
    assert document['token_endpoint'] == '%s/%s/oauth2/v2.0/token' % (emu.url, emu.tenant_id)


def _arm_get(emu, headers):
    url = '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s?api-version=2026-10-01' % (
        emu.url, emu.subscription_id, RESOURCE_GROUP, SERVER_POOL[0])
    return requests.get(url, headers=headers, verify=emu.ca_file, timeout=10)


def test_arm_without_token_is_401_with_challenge(emu):
    response = _arm_get(emu, {})
    assert response.status_code == 401
    assert response.headers['WWW-Authenticate'].startswith('Bearer authorization_uri=')
    assert response.json()['error']['code'] == 'AuthenticationFailed'


def test_arm_with_forged_token_is_401(emu):
    token = emu.credential().get_token(emu.url + '/.default').token
    head, body = token.split('.')[:2]
    response = _arm_get(emu, {'Authorization': 'Bearer %s.%s.%s' % (head, body, 'AAAA')})
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'InvalidAuthenticationToken'


def test_expired_token_is_401(emu):
    emu.settings(token_lifetime_seconds=1)
    try:
        token = emu.credential().get_token(emu.url + '/.default').token
    finally:
        emu.settings(token_lifetime_seconds=3600)
    time.sleep(1.2)
    response = _arm_get(emu, {'Authorization': 'Bearer ' + token})
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'ExpiredAuthenticationToken'
    assert 'WWW-Authenticate' in response.headers


def test_subscriptions_and_tenants_for_cli_login(emu):
    token = emu.credential().get_token(emu.url + '/.default').token
    headers = {'Authorization': 'Bearer ' + token}
    subs = requests.get(emu.url + '/subscriptions?api-version=2022-12-01', headers=headers, verify=emu.ca_file, timeout=10).json()
    assert subs['value'][0]['subscriptionId'] == emu.subscription_id
    tenants = requests.get(emu.url + '/tenants?api-version=2022-12-01', headers=headers, verify=emu.ca_file, timeout=10).json()
    assert tenants['value'][0]['tenantId'] == emu.tenant_id
    group = requests.head('%s/subscriptions/%s/resourcegroups/%s?api-version=2021-04-01' % (emu.url, emu.subscription_id, RESOURCE_GROUP),
                          headers=headers, verify=emu.ca_file, timeout=10)
    assert group.status_code == 204
    missing = requests.get('%s/subscriptions/%s/resourcegroups/nope?api-version=2021-04-01' % (emu.url, emu.subscription_id),
                           headers=headers, verify=emu.ca_file, timeout=10)
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'ResourceGroupNotFound'
