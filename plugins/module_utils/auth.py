# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials resolved the way azure.azcollection users already configure them.

Two steps: resolve_auth() picks a credential source from options, environment variables and
~/.azure/credentials profiles (pure, no Azure SDK import); build_credential() turns the result
into an azure-identity credential. No dependency on azure-cli-core.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil

from ansible.module_utils.basic import env_fallback

AUTH_SOURCES = ['auto', 'cli', 'env', 'credential_file', 'msi']

AUTH_ARGUMENT_SPEC = dict(
    auth_source=dict(type='str', choices=AUTH_SOURCES, default='auto',
                     fallback=(env_fallback, ['ANSIBLE_AZURE_AUTH_SOURCE'])),
    profile=dict(type='str'),
    subscription_id=dict(type='str'),
    client_id=dict(type='str'),
    secret=dict(type='str', no_log=True),
    tenant=dict(type='str'),
    x509_certificate_path=dict(type='path'),
    x509_certificate_password=dict(type='str', no_log=True),
    thumbprint=dict(type='str'),
    oidc_token=dict(type='str', no_log=True),
    oidc_token_file_path=dict(type='path'),
    cloud_environment=dict(type='str'),
    cert_validation_mode=dict(type='str', choices=['validate', 'ignore']),
    disable_instance_discovery=dict(type='bool'),
    ad_user=dict(type='str'),
    password=dict(type='str', no_log=True),
    # Not credentials: where a sign-in's access token is kept between tasks (module_utils/token_cache.py).
    token_cache=dict(type='bool', default=False, fallback=(env_fallback, ['PGFLEX_TOKEN_CACHE'])),
    token_cache_path=dict(type='path', fallback=(env_fallback, ['PGFLEX_TOKEN_CACHE_PATH'])),
)

# Option name -> environment variables, azcollection's name first, then azure-identity's.
ENV_MAPPING = {
    'profile': ['AZURE_PROFILE'],
    'subscription_id': ['AZURE_SUBSCRIPTION_ID'],
    'client_id': ['AZURE_CLIENT_ID'],
    'secret': ['AZURE_SECRET', 'AZURE_CLIENT_SECRET'],
    'tenant': ['AZURE_TENANT', 'AZURE_TENANT_ID'],
    'x509_certificate_path': ['AZURE_X509_CERTIFICATE_PATH', 'AZURE_CLIENT_CERTIFICATE_PATH'],
    'x509_certificate_password': ['AZURE_X509_CERTIFICATE_PASSWORD', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'],
    'thumbprint': ['AZURE_THUMBPRINT'],
    'oidc_token': ['AZURE_FEDERATED_TOKEN'],
    'oidc_token_file_path': ['AZURE_FEDERATED_TOKEN_FILE'],
    'cloud_environment': ['AZURE_CLOUD_ENVIRONMENT'],
    'cert_validation_mode': ['AZURE_CERT_VALIDATION_MODE'],
    'disable_instance_discovery': ['AZURE_DISABLE_INSTANCE_DISCOVERY'],
    'ad_user': ['AZURE_AD_USER'],
    'password': ['AZURE_PASSWORD'],
}

CREDENTIAL_KEYS = [k for k in ENV_MAPPING if k != 'profile']
# Settings that any source may carry; module options win over them (azcollection's precedence).
CONNECTION_KEYS = ['cloud_environment', 'cert_validation_mode', 'disable_instance_discovery']

DEFAULT_CREDENTIALS_PATH = '~/.azure/credentials'

NO_PASSWORD_AUTH = (
    'username/password authentication (ad_user/password, AZURE_AD_USER/AZURE_PASSWORD) is not supported: '
    'Microsoft Entra ID requires multi-factor authentication for user accounts, which a non-interactive '
    'sign-in cannot complete. Use a service principal (client_id + secret or x509_certificate_path), '
    'workload identity (client_id + oidc_token_file_path), a managed identity (auth_source=msi) or an '
    '`az login` session (auth_source=cli) instead')


class AuthError(Exception):
    """Credentials cannot be resolved or built; the message names the options to fix."""


def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('1', 'true', 'yes', 'on')


def env_credentials(environ):
    """Every credential setting found in the environment, by option name."""
    found = {}
    for key, names in ENV_MAPPING.items():
        for name in names:
            if environ.get(name):
                found[key] = environ[name]
                break
    return found


def read_profile(name, path=DEFAULT_CREDENTIALS_PATH):
    """Settings of one [section] of the credentials INI file, or None when absent/unusable."""
    import configparser  # pylint: disable=import-outside-toplevel
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error as exc:
        raise AuthError('cannot parse %s: %s' % (path, str(exc).splitlines()[0]))
    if not parser.has_section(name):
        return None
    settings = dict((key, value) for key, value in parser.items(name, raw=True) if key in ENV_MAPPING and value)
    settings['profile'] = name
    return settings


def _profile_or_fail(name, path):
    settings = read_profile(name, path)
    if settings is None:
        raise AuthError("profile '%s' was not found in %s; add a [%s] section with subscription_id and the "
                        "credentials, or choose another profile" % (name, path, name))
    if not settings.get('subscription_id'):
        raise AuthError("profile '%s' in %s has no subscription_id; add one" % (name, path))
    return settings


def _option_credentials(params):
    return dict((key, params[key]) for key in CREDENTIAL_KEYS if params.get(key) not in (None, ''))


def _pick_source(params, environ, path):
    """(source, settings) following azcollection's order for auth_source=auto."""
    source = params.get('auth_source') or 'auto'
    options = _option_credentials(params)
    env = env_credentials(environ)

    if source == 'msi':
        return 'msi', options
    if source == 'cli':
        return 'cli', options
    if source == 'credential_file':
        return 'credential_file', _profile_or_fail(params.get('profile') or env.get('profile') or 'default', path)
    if source == 'env':
        if env.get('profile'):
            return 'credential_file', _profile_or_fail(env['profile'], path)
        return 'env', env

    # auto: profile option, then options with a client_id (or ad_user), then the environment,
    # then the [default] profile, then an `az login` session.
    if params.get('profile'):
        return 'credential_file', _profile_or_fail(params['profile'], path)
    if options.get('client_id') or options.get('ad_user'):
        return 'options', options
    if env.get('profile'):
        return 'credential_file', _profile_or_fail(env['profile'], path)
    if env.get('subscription_id') and (env.get('client_id') or env.get('ad_user')):
        return 'env', env
    default = read_profile('default', path)
    if default and default.get('subscription_id'):
        return 'credential_file', default
    if shutil.which('az'):
        return 'cli', options
    raise AuthError(
        'no Azure credentials found: set client_id with secret, x509_certificate_path or oidc_token_file_path '
        '(plus tenant and subscription_id) as module options or AZURE_* environment variables, add a profile to '
        '%s, use auth_source=msi on an Azure host, or log in with `az login` (auth_source=cli)' % path)


def resolve_auth(params, environ=None, credentials_path=DEFAULT_CREDENTIALS_PATH):
    """Pick the credential source and merge its settings; returns a plain dict.

    Keys: source (options, env, credential_file, msi, cli) plus every key of ENV_MAPPING that is known.
    Raises AuthError with an actionable message.
    """
    environ = os.environ if environ is None else environ
    source, settings = _pick_source(params, environ, credentials_path)
    settings = dict(settings)
    env = env_credentials(environ)

    # Module options win; then the source's own value; then the environment.
    for key in CONNECTION_KEYS:
        if params.get(key) is not None:
            settings[key] = params[key]
        elif settings.get(key) is None and env.get(key) is not None:
            settings[key] = env[key]
    if settings.get('disable_instance_discovery') is not None:
        settings['disable_instance_discovery'] = _truthy(settings['disable_instance_discovery'])
    mode = settings.get('cert_validation_mode')
    if mode is not None and mode not in ('validate', 'ignore'):
        raise AuthError("cert_validation_mode must be 'validate' or 'ignore', got '%s'" % mode)

    if params.get('subscription_id'):
        settings['subscription_id'] = params['subscription_id']
    elif not settings.get('subscription_id') and env.get('subscription_id'):
        settings['subscription_id'] = env['subscription_id']
    if source == 'msi' and not settings.get('client_id') and env.get('client_id'):
        settings['client_id'] = env['client_id']

    settings['source'] = source
    _check_complete(settings)
    return settings


def _check_complete(settings):
    """Fail early, naming the missing option, before any network call."""
    source = settings['source']
    if source in ('options', 'env', 'credential_file'):
        # Refused even next to other credentials: silently ignoring a user's choice would be worse.
        # AZURE_PASSWORD alone may belong to another tool, so the environment needs AZURE_AD_USER.
        if settings.get('ad_user') or (source != 'env' and settings.get('password')):
            raise AuthError(NO_PASSWORD_AUTH)
        where = {'options': 'module options', 'env': 'environment variables',
                 'credential_file': "profile '%s'" % settings.get('profile')}[source]
        missing = [key for key in ('client_id', 'tenant') if not settings.get(key)]
        if not (settings.get('secret') or settings.get('x509_certificate_path') or _has_oidc(settings)):
            missing.append('secret, x509_certificate_path or oidc_token_file_path')
        if missing:
            raise AuthError('incomplete service principal credentials from %s: missing %s'
                            % (where, ', '.join(missing)))
    if source != 'cli' and not settings.get('subscription_id'):
        raise AuthError('subscription_id is required: set the subscription_id option or AZURE_SUBSCRIPTION_ID')


def _has_oidc(settings):
    return bool(settings.get('oidc_token') or settings.get('oidc_token_file_path'))


def subscription_for(settings, run_command):
    """The subscription to use: resolved settings, else the `az login` session for auth_source=cli.

    ``run_command`` follows AnsibleModule.run_command: it takes an argv list and returns (rc, stdout, stderr).
    """
    if settings.get('subscription_id'):
        return settings['subscription_id']
    return cli_subscription(run_command)


def describe(settings):
    """A secret-free one-liner saying which credentials are used (for messages and -v output)."""
    kind = credential_kind(settings)
    return '%s from %s' % (kind, settings['source'])


def credential_kind(settings):
    if settings['source'] in ('msi', 'cli'):
        return {'msi': 'managed identity', 'cli': 'Azure CLI login'}[settings['source']]
    if settings.get('secret'):
        return 'client secret'
    if settings.get('x509_certificate_path'):
        return 'client certificate'
    return 'federated token'


def normalise_thumbprint(value):
    return ''.join(ch for ch in (value or '') if ch not in ': ').upper()


def pem_certificate_thumbprint(pem_bytes):
    """SHA-1 thumbprint (upper-case hex) of the first certificate of a PEM bundle, or None."""
    begin, end = b'-----BEGIN CERTIFICATE-----', b'-----END CERTIFICATE-----'
    start = pem_bytes.find(begin)
    stop = pem_bytes.find(end, start)
    if start < 0 or stop < 0:
        return None
    der = base64.b64decode(b''.join(pem_bytes[start + len(begin):stop].split()))
    return hashlib.sha1(der).hexdigest().upper()


def _read_certificate(settings):
    path = settings['x509_certificate_path']
    try:
        with open(os.path.expanduser(path), 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise AuthError("x509_certificate_path '%s' cannot be read: %s" % (path, exc.strerror or exc))
    if settings.get('thumbprint'):
        actual = pem_certificate_thumbprint(data)
        expected = normalise_thumbprint(settings['thumbprint'])
        if actual is not None and actual != expected:
            raise AuthError("thumbprint %s does not match the certificate in x509_certificate_path '%s' (its SHA-1 "
                            "thumbprint is %s); fix or remove the thumbprint option" % (expected, path, actual))
    return data


def _federated_token_reader(settings):
    """A callable returning the current federated token (files are re-read: they rotate)."""
    if settings.get('oidc_token'):
        token = settings['oidc_token']
        return lambda: token
    path = os.path.expanduser(settings['oidc_token_file_path'])
    if not os.access(path, os.R_OK):
        raise AuthError("oidc_token_file_path '%s' does not exist or is not readable" % path)

    def read():
        with open(path) as handle:
            return handle.read().strip()
    return read


def identity_kwargs(settings, cloud):
    """Keyword arguments every azure-identity credential gets for this cloud."""
    kwargs = {'authority': cloud.authority}
    if cloud.custom or settings.get('disable_instance_discovery'):
        kwargs['disable_instance_discovery'] = True
    if settings.get('cert_validation_mode') == 'ignore':
        kwargs['connection_verify'] = False
    return kwargs


def build_credential(settings, cloud, transport=None):
    """An azure-identity credential for resolved settings (imports azure.identity lazily).

    transport: an azure-core HTTP transport to share with the API client (one connection pool).
    """
    from azure import identity  # pylint: disable=import-outside-toplevel
    source = settings['source']
    kwargs = identity_kwargs(settings, cloud)
    if transport is not None:
        kwargs['transport'] = transport
        # The API client's retry policy retries token requests within the task's deadline (client.py); the
        # credential's own retries would add waits that know no deadline.
        kwargs['retry_total'] = 0
    if source == 'msi':
        msi_kwargs = dict((k, v) for k, v in kwargs.items() if k in ('transport', 'connection_verify'))
        return identity.ManagedIdentityCredential(client_id=settings.get('client_id'), **msi_kwargs)
    if source == 'cli':
        return identity.AzureCliCredential(tenant_id=settings.get('tenant'))
    if settings.get('secret'):
        return identity.ClientSecretCredential(settings['tenant'], settings['client_id'], settings['secret'], **kwargs)
    if settings.get('x509_certificate_path'):
        data = _read_certificate(settings)
        password = settings.get('x509_certificate_password')
        try:
            return identity.CertificateCredential(settings['tenant'], settings['client_id'], certificate_data=data,
                                                  password=password, **kwargs)
        except ValueError as exc:
            raise AuthError("x509_certificate_path '%s' holds no usable certificate and private key (%s); it must be "
                            "PEM with the key appended, or PKCS12 with x509_certificate_password"
                            % (settings['x509_certificate_path'], str(exc).splitlines()[0] if str(exc) else 'invalid'))
    return identity.ClientAssertionCredential(settings['tenant'], settings['client_id'],
                                              _federated_token_reader(settings), **kwargs)


def cli_subscription(run_command):
    """The subscription of the current `az login` session (`az account show`)."""
    if not shutil.which('az'):
        raise AuthError('auth_source=cli needs the Azure CLI (`az`) on PATH, or set subscription_id')
    rc, out, err = run_command(['az', 'account', 'show', '--output', 'json'])
    if rc != 0:
        raise AuthError('`az account show` failed (run `az login`, or set subscription_id): %s'
                        % ''.join((err or '').strip().splitlines()[-1:]))
    try:
        return json.loads(out)['id']
    except (ValueError, KeyError, TypeError):
        raise AuthError('`az account show` gave no subscription id; set subscription_id')
