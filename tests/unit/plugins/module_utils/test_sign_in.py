# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import time

from azure.core.credentials import AccessToken

from ansible_collections.pgflex.migration.plugins.module_utils import sign_in

SECRET = 'pfmSecretMarker93'
SETTINGS = {'source': 'options', 'client_id': 'app', 'tenant': 'tid', 'secret': SECRET, 'subscription_id': 'sub',
            'cloud_environment': 'https://emu.example/'}
METADATA = [{'name': 'emu', 'resourceManager': 'https://emu.example/',
             'authentication': {'loginEndpoint': 'https://login.emu.example/', 'audiences': ['https://arm.emu/']}}]


class FakeCredential(object):
    def __init__(self, log):
        self.log = log

    def get_token(self, *scopes, **kwargs):
        self.log.append(('token', scopes))
        return AccessToken('tok-%d' % len(self.log), int(time.time()) + 3600)


def make_connect(monkeypatch, params, warnings, settings=None):
    settings = SETTINGS if settings is None else settings
    log = []
    monkeypatch.setattr(sign_in, 'build_credential', lambda s, cloud, transport=None: log.append(('build',)) or FakeCredential(log))

    def fetch(url, verify=True):
        log.append(('fetch', url))
        return METADATA
    connect = sign_in.connector(settings, params, True, None, warnings.append)
    return (lambda: connect(fetch)), log


def run_task(connect):
    """What one module process does: connect, then the SDK asks for a token for the ARM audience."""
    cloud, credential = connect()
    return credential.get_token(cloud.audience + '.default').token


def test_off_by_default_every_task_fetches_and_signs_in(monkeypatch):
    connect, log = make_connect(monkeypatch, {'token_cache': False, 'token_cache_path': None}, [])
    run_task(connect)
    run_task(connect)
    assert [entry[0] for entry in log] == ['fetch', 'build', 'token'] * 2


def test_with_the_cache_a_second_task_makes_no_sign_in_request(monkeypatch, tmp_path):
    path = tmp_path / 'cache.json'
    warnings = []
    connect, log = make_connect(monkeypatch, {'token_cache': False, 'token_cache_path': str(path)}, warnings)
    first = run_task(connect)
    assert [entry[0] for entry in log] == ['fetch', 'build', 'token']
    assert run_task(connect) == first
    assert len(log) == 3  # neither the metadata, nor the credential, nor a token request
    assert warnings == []
    assert SECRET not in path.read_text() and 'app' not in path.read_text()


def test_another_secret_or_scope_misses_the_cache(monkeypatch, tmp_path):
    params = {'token_cache': False, 'token_cache_path': str(tmp_path / 'cache.json')}
    run_task(make_connect(monkeypatch, params, [])[0])
    other, log = make_connect(monkeypatch, params, [], settings=dict(SETTINGS, secret='rotated'))
    run_task(other)
    assert log[-1] == ('token', ('https://arm.emu/.default',))
    cloud, credential = other()
    credential.get_token('https://other/.default')
    assert log[-1] == ('token', ('https://other/.default',))


def test_a_claims_challenge_asks_for_a_new_token(monkeypatch, tmp_path):
    connect, log = make_connect(monkeypatch, {'token_cache_path': str(tmp_path / 'c.json')}, [])
    run_task(connect)
    cloud, credential = connect()
    credential.get_token(cloud.audience + '.default', claims='{"access_token": {}}')
    assert log[-1][0] == 'token'


def test_token_cache_alone_uses_the_default_path_and_cli_logins_are_not_cached():
    assert sign_in.cache_path({'token_cache': True}) == sign_in.DEFAULT_TOKEN_CACHE_PATH
    assert sign_in.cache_path({'token_cache': False, 'token_cache_path': None}) is None
    assert sign_in.credential_fingerprint({'source': 'cli'}) is None
    assert SECRET not in sign_in.credential_fingerprint(SETTINGS)
