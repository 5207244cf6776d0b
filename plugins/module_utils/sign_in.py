# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud and the credential of a task, from the token cache when the user turned it on.

With a valid cached token a module process makes one request, the API call: the cloud's metadata comes
from the cache too, and no azure-identity credential (msal, cryptography, OpenID discovery) is built.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.auth import build_credential, normalise_thumbprint
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import resolve_cloud
from ansible_collections.pgflex.migration.plugins.module_utils.token_cache import (
    DEFAULT_TOKEN_CACHE_PATH, TokenCache, fingerprint,
)


def cache_path(params):
    """The cache file for the module options, or None when the cache is off."""
    if params.get('token_cache_path'):
        return params['token_cache_path']
    if params.get('token_cache'):
        return DEFAULT_TOKEN_CACHE_PATH
    return None


def credential_fingerprint(settings):
    """What tells one identity's tokens from another's, hashed with the rest of the key; None: do not cache.

    A secret or certificate is part of it (a rotated secret misses the cache, so a revoked one is noticed);
    an `az login` session is not cached here: az keeps its own cache, and another `az login` changes the account.
    """
    source = settings['source']
    if source == 'cli':
        return None
    if source == 'msi':
        return fingerprint('msi', settings.get('client_id'))
    if settings.get('secret'):
        return fingerprint('secret', settings['secret'])
    if settings.get('x509_certificate_path'):
        return fingerprint('certificate', settings['x509_certificate_path'], normalise_thumbprint(settings.get('thumbprint')))
    return fingerprint('federated', settings.get('oidc_token_file_path') or settings.get('oidc_token'))


class CachedCredential(object):
    """An azure-core token credential answering from the cache, building the real one only when it must sign in."""

    def __init__(self, cache, key_parts, build):
        self._cache = cache
        self._key_parts = key_parts
        self._build = build
        self._credential = None
        self._served_key = None  # the cache key of the last token handed out, when it came from the cache

    def _key(self, scopes, tenant_id):
        return fingerprint(*(list(self._key_parts) + [tenant_id] + sorted(scopes)))

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken  # pylint: disable=import-outside-toplevel
        key = self._key(scopes, kwargs.get('tenant_id'))
        self._served_key = None
        if kwargs.get('claims'):  # a claims challenge asks for a new token
            return self._sign_in(key, scopes, kwargs)
        cached = self._cache.token(key)
        if cached is None:
            # Forks that missed the cache together: one signs in, the others wait for its token and read it.
            with self._cache.sign_in_lock():
                cached = self._cache.token(key, reread=True)
                if cached is None:
                    return self._sign_in(key, scopes, kwargs)
        self._served_key = key
        return AccessToken(*cached)

    def _sign_in(self, key, scopes, kwargs):
        if self._credential is None:
            self._credential = self._build()
        token = self._credential.get_token(*scopes, **kwargs)
        self._cache.store_token(key, token.token, token.expires_on)
        return token

    def forget_served_token(self):
        """Drop the cached token handed out last, which the service refused; False when it was not from the cache."""
        if self._served_key is None:
            return False
        self._cache.forget_token(self._served_key)
        self._served_key = None
        return True

    def close(self):
        if self._credential is not None and hasattr(self._credential, 'close'):
            self._credential.close()


def connector(settings, params, verify, transport, warn):
    """``connect(fetch)`` for MigrationClient: (cloud, credential), through the token cache when it is on."""
    path = cache_path(params)
    cache = TokenCache(path, warn) if path else None

    def cached_fetch(fetch):
        def fetch_or_reuse(url, verify=True):
            document = cache.document(url)
            if document is None:
                document = fetch(url, verify=verify)
                cache.store_document(url, document)
            return document
        return fetch_or_reuse

    def connect(fetch):
        cloud = resolve_cloud(settings.get('cloud_environment'), verify=verify,
                              fetch=cached_fetch(fetch) if cache else fetch)

        def build():
            return build_credential(settings, cloud, transport=transport)
        identity = credential_fingerprint(settings)
        if cache is None or identity is None:
            return cloud, build()
        key_parts = (cloud.authority, settings.get('tenant'), settings.get('client_id'), identity)
        return cloud, CachedCredential(cache, key_parts, build)
    return connect
