# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import hashlib

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import auth
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import KNOWN_CLOUDS, Cloud

SUB = '00000000-0000-0000-0000-000000000001'
CUSTOM = Cloud('emu', 'https://127.0.0.1:8443/', 'https://127.0.0.1:8443', 'https://management.core.windows.net/', True)


def params(**values):
    result = dict((key, None) for key in auth.AUTH_ARGUMENT_SPEC)
    result['auth_source'] = 'auto'
    result.update(values)
    return result


@pytest.fixture
def no_az(monkeypatch):
    monkeypatch.setattr(auth.shutil, 'which', lambda name: None)


@pytest.fixture
def credentials_file(tmp_path):
    path = tmp_path / 'credentials'
    path.write_text('[default]\nsubscription_id = sub-default\nclient_id = app-default\nsecret = s-default\ntenant = t-default\n'
                    '[other]\nsubscription_id = sub-other\nclient_id = app-other\nsecret = s-other\ntenant = t-other\n'
                    'cloud_environment = AzureChinaCloud\n'
                    '[nosub]\nclient_id = x\n')
    return str(path)


def test_options_with_client_id_win_over_environment(no_az, credentials_file):
    env = {'AZURE_SUBSCRIPTION_ID': 'sub-env', 'AZURE_CLIENT_ID': 'app-env', 'AZURE_SECRET': 's-env', 'AZURE_TENANT': 't-env'}
    settings = auth.resolve_auth(params(client_id='app', secret='s', tenant='t', subscription_id=SUB), env, credentials_file)
    assert settings['source'] == 'options'
    assert (settings['client_id'], settings['secret'], settings['subscription_id']) == ('app', 's', SUB)


def test_options_take_subscription_from_environment(no_az):
    settings = auth.resolve_auth(params(client_id='app', secret='s', tenant='t'), {'AZURE_SUBSCRIPTION_ID': 'sub-env'}, '/nonexistent')
    assert settings['subscription_id'] == 'sub-env'


def test_profile_option_wins_over_everything(no_az, credentials_file):
    settings = auth.resolve_auth(params(profile='other', client_id='app', secret='s', tenant='t'), {}, credentials_file)
    assert settings['source'] == 'credential_file'
    assert settings['client_id'] == 'app-other'
    assert settings['cloud_environment'] == 'AzureChinaCloud'


@pytest.mark.parametrize('env', [
    {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'app', 'AZURE_SECRET': 's', 'AZURE_TENANT': 't'},
    {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'app', 'AZURE_CLIENT_SECRET': 's', 'AZURE_TENANT_ID': 't'},
])
def test_environment_both_naming_styles(no_az, credentials_file, env):
    settings = auth.resolve_auth(params(), env, credentials_file)
    assert settings['source'] == 'env'
    assert (settings['client_id'], settings['secret'], settings['tenant']) == ('app', 's', 't')


def test_azcollection_names_win_over_azure_identity_names():
    env = {'AZURE_SECRET': 'first', 'AZURE_CLIENT_SECRET': 'second', 'AZURE_TENANT_ID': 'tid'}
    assert auth.env_credentials(env) == {'secret': 'first', 'tenant': 'tid'}


def test_environment_profile_selects_profile(no_az, credentials_file):
    settings = auth.resolve_auth(params(), {'AZURE_PROFILE': 'other'}, credentials_file)
    assert (settings['source'], settings['client_id']) == ('credential_file', 'app-other')


def test_default_profile_after_environment(no_az, credentials_file):
    settings = auth.resolve_auth(params(), {}, credentials_file)
    assert (settings['source'], settings['subscription_id']) == ('credential_file', 'sub-default')


def test_cli_is_last_and_only_with_az(monkeypatch):
    monkeypatch.setattr(auth.shutil, 'which', lambda name: '/usr/bin/az')
    assert auth.resolve_auth(params(), {}, '/nonexistent')['source'] == 'cli'


def test_nothing_found_says_what_to_set(no_az):
    with pytest.raises(auth.AuthError, match='no Azure credentials found'):
        auth.resolve_auth(params(), {}, '/nonexistent')


def test_federated_token_file_from_environment(no_az, tmp_path):
    token = tmp_path / 'token'
    token.write_text('eyJ.fake.token\n')
    env = {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'app', 'AZURE_TENANT_ID': 't', 'AZURE_FEDERATED_TOKEN_FILE': str(token)}
    settings = auth.resolve_auth(params(), env, '/nonexistent')
    assert settings['oidc_token_file_path'] == str(token)
    assert auth.credential_kind(settings) == 'federated token'
    assert auth._federated_token_reader(settings)() == 'eyJ.fake.token'  # pylint: disable=protected-access


def test_explicit_sources(no_az, credentials_file):
    env = {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'app', 'AZURE_SECRET': 's', 'AZURE_TENANT': 't'}
    assert auth.resolve_auth(params(auth_source='env', client_id='ignored'), env, credentials_file)['client_id'] == 'app'
    assert auth.resolve_auth(params(auth_source='credential_file'), env, credentials_file)['client_id'] == 'app-default'
    msi = auth.resolve_auth(params(auth_source='msi'), env, credentials_file)
    assert (msi['source'], msi['client_id'], msi['subscription_id']) == ('msi', 'app', SUB)
    cli = auth.resolve_auth(params(auth_source='cli'), {}, credentials_file)
    assert cli['source'] == 'cli' and not cli.get('subscription_id')


def test_msi_needs_subscription(no_az):
    with pytest.raises(auth.AuthError, match='subscription_id is required'):
        auth.resolve_auth(params(auth_source='msi'), {}, '/nonexistent')


def test_profile_problems_are_named(no_az, credentials_file):
    with pytest.raises(auth.AuthError, match="profile 'missing' was not found"):
        auth.resolve_auth(params(profile='missing'), {}, credentials_file)
    with pytest.raises(auth.AuthError, match="profile 'nosub' .* has no subscription_id"):
        auth.resolve_auth(params(profile='nosub'), {}, credentials_file)


def test_incomplete_service_principal_names_missing_options(no_az):
    with pytest.raises(auth.AuthError) as info:
        auth.resolve_auth(params(client_id='app', subscription_id=SUB), {}, '/nonexistent')
    assert 'module options' in str(info.value)
    assert 'tenant' in str(info.value) and 'secret, x509_certificate_path or oidc_token_file_path' in str(info.value)


@pytest.mark.parametrize('values, env', [
    ({'ad_user': 'me@example.com', 'password': 'pw', 'subscription_id': SUB}, {}),
    ({}, {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_AD_USER': 'me@example.com', 'AZURE_PASSWORD': 'pw'}),
])
def test_username_password_is_refused_with_alternatives(no_az, values, env):
    with pytest.raises(auth.AuthError) as info:
        auth.resolve_auth(params(**values), env, '/nonexistent')
    text = str(info.value)
    assert 'not supported' in text and 'multi-factor' in text and 'auth_source=msi' in text
    assert 'pw' not in text.replace('password', '')


def test_connection_settings_precedence(no_az, credentials_file):
    env = {'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment', 'AZURE_CERT_VALIDATION_MODE': 'ignore', 'AZURE_DISABLE_INSTANCE_DISCOVERY': 'true'}
    from_profile = auth.resolve_auth(params(profile='other'), env, credentials_file)
    assert from_profile['cloud_environment'] == 'AzureChinaCloud'  # the profile beats the environment
    assert from_profile['cert_validation_mode'] == 'ignore'
    assert from_profile['disable_instance_discovery'] is True
    from_option = auth.resolve_auth(params(profile='other', cloud_environment='AzureCloud'), env, credentials_file)
    assert from_option['cloud_environment'] == 'AzureCloud'


def test_bad_cert_validation_mode_from_environment(no_az):
    env = {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'a', 'AZURE_SECRET': 's', 'AZURE_TENANT': 't', 'AZURE_CERT_VALIDATION_MODE': 'off'}
    with pytest.raises(auth.AuthError, match="cert_validation_mode must be 'validate' or 'ignore'"):
        auth.resolve_auth(params(), env, '/nonexistent')


def test_identity_kwargs_for_custom_and_public_clouds():
    assert auth.identity_kwargs({}, CUSTOM) == {'authority': 'https://127.0.0.1:8443', 'disable_instance_discovery': True}
    assert auth.identity_kwargs({}, KNOWN_CLOUDS['AzureCloud']) == {'authority': 'https://login.microsoftonline.com'}
    ignore = auth.identity_kwargs({'cert_validation_mode': 'ignore', 'disable_instance_discovery': True}, KNOWN_CLOUDS['AzureCloud'])
    assert ignore['connection_verify'] is False and ignore['disable_instance_discovery'] is True


def _settings(**values):
    base = {'source': 'options', 'subscription_id': SUB, 'client_id': 'app', 'tenant': '72f988bf-86f1-41af-91ab-2d7cd011db47'}
    base.update(values)
    return base


def test_build_credential_types(tmp_path):
    from azure import identity
    assert isinstance(auth.build_credential(_settings(secret='s'), CUSTOM), identity.ClientSecretCredential)
    token = tmp_path / 'token'
    token.write_text('tok')
    assert isinstance(auth.build_credential(_settings(oidc_token_file_path=str(token)), CUSTOM), identity.ClientAssertionCredential)
    assert isinstance(auth.build_credential({'source': 'msi', 'subscription_id': SUB}, CUSTOM), identity.ManagedIdentityCredential)
    assert isinstance(auth.build_credential({'source': 'cli'}, CUSTOM), identity.AzureCliCredential)


def test_unreadable_token_file_is_named():
    with pytest.raises(auth.AuthError, match="oidc_token_file_path '/nonexistent/token'"):
        auth.build_credential(_settings(oidc_token_file_path='/nonexistent/token'), CUSTOM)


def _self_signed_pem():
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'pgflex-unit')])
    now = datetime.datetime(2026, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem, hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def test_certificate_thumbprint_checked(tmp_path):
    from azure import identity
    pem, thumbprint = _self_signed_pem()
    path = tmp_path / 'sp.pem'
    path.write_bytes(pem)
    assert auth.pem_certificate_thumbprint(pem) == thumbprint
    colons = ':'.join(thumbprint[i:i + 2] for i in range(0, len(thumbprint), 2)).lower()
    credential = auth.build_credential(_settings(x509_certificate_path=str(path), thumbprint=colons), CUSTOM)
    assert isinstance(credential, identity.CertificateCredential)
    with pytest.raises(auth.AuthError, match='does not match the certificate'):
        auth.build_credential(_settings(x509_certificate_path=str(path), thumbprint='AB' * 20), CUSTOM)


def test_certificate_problems_are_named(tmp_path):
    with pytest.raises(auth.AuthError, match="x509_certificate_path '/nonexistent.pem' cannot be read"):
        auth.build_credential(_settings(x509_certificate_path='/nonexistent.pem'), CUSTOM)
    junk = tmp_path / 'junk.pem'
    junk.write_bytes(b'-----BEGIN CERTIFICATE-----\n' + base64.b64encode(b'junk') + b'\n-----END CERTIFICATE-----\n')
    with pytest.raises(auth.AuthError, match='holds no usable certificate'):
        auth.build_credential(_settings(x509_certificate_path=str(junk)), CUSTOM)


def test_cli_subscription(monkeypatch):
    monkeypatch.setattr(auth.shutil, 'which', lambda name: '/usr/bin/' + name)
    assert auth.subscription_for({'source': 'cli'}, lambda argv: (0, '{"id": "sub-cli"}', '')) == 'sub-cli'
    assert auth.subscription_for({'source': 'cli', 'subscription_id': SUB}, None) == SUB
    with pytest.raises(auth.AuthError, match='az login'):
        auth.subscription_for({'source': 'cli'}, lambda argv: (1, '', 'ERROR: Please run az login'))


def test_cli_subscription_without_az(monkeypatch):
    monkeypatch.setattr(auth.shutil, 'which', lambda name: None)
    with pytest.raises(auth.AuthError, match='Azure CLI'):
        auth.subscription_for({'source': 'cli'}, lambda argv: (0, '', ''))


def test_describe_has_no_secret():
    text = auth.describe(_settings(secret='very-secret'))
    assert text == 'client secret from options' and 'very-secret' not in text


def test_username_refused_even_with_a_secret(no_az):
    with pytest.raises(auth.AuthError, match='not supported'):
        auth.resolve_auth(params(client_id='a', secret='s', tenant='t', subscription_id=SUB, ad_user='me@example.com'), {}, '/nonexistent')


def test_stray_azure_password_in_environment_is_ignored(no_az):
    env = {'AZURE_SUBSCRIPTION_ID': SUB, 'AZURE_CLIENT_ID': 'a', 'AZURE_SECRET': 's', 'AZURE_TENANT': 't', 'AZURE_PASSWORD': 'other-tool'}
    assert auth.resolve_auth(params(), env, '/nonexistent')['source'] == 'env'
