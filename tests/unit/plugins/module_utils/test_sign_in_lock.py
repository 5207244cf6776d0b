# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes that miss the token cache together sign in once: the others wait on the lock beside the cache and read
the token it stored; a holder that never lets go delays them by at most the lock's wait, never fails them."""
from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.sign_in import CachedCredential
from ansible_collections.pgflex.migration.plugins.module_utils.token_cache import TokenCache
from ansible_collections.pgflex.migration.tests.unit.plugins.module_utils.fake_azure import SignIns

SCOPE = 'https://management.core.windows.net/.default'
KEY_PARTS = ('authority', 'tenant', 'app', 'identity')


def held_lock(path):
    """The lock beside the cache, held as another process's sign-in would hold it (a descriptor of its own)."""
    fd = os.open(path + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / 'azure' / 'cache.json')


def test_a_process_waiting_for_another_sign_in_uses_its_token(path):
    sign_ins = SignIns()
    credential = CachedCredential(TokenCache(path, pytest.fail), KEY_PARTS, lambda: sign_ins)
    os.makedirs(os.path.dirname(path))
    fd = held_lock(path)
    got = []
    waiter = threading.Thread(target=lambda: got.append(credential.get_token(SCOPE)))
    waiter.start()
    time.sleep(0.3)  # the waiter missed the cache and waits on the lock
    assert not got
    # The other process signs in and stores its token, then lets go.
    other = CachedCredential(TokenCache(path, pytest.fail), KEY_PARTS, lambda: None)
    TokenCache(path, pytest.fail).store_token(other._key((SCOPE,), None), 'from-the-other', int(time.time()) + 3600)
    os.close(fd)
    waiter.join(10)
    assert got[0].token == 'from-the-other' and sign_ins.count == 0


def test_a_holder_past_the_wait_delays_but_does_not_stop_a_sign_in(path, monkeypatch):
    monkeypatch.setattr('ansible_collections.pgflex.migration.plugins.module_utils.token_cache.SIGN_IN_LOCK_WAIT', 0.2)
    os.makedirs(os.path.dirname(path))
    fd = held_lock(path)
    try:
        sign_ins = SignIns()
        cache = TokenCache(path, pytest.fail)
        credential = CachedCredential(cache, KEY_PARTS, lambda: sign_ins)
        assert credential.get_token(SCOPE).token == 'fresh-1' and sign_ins.count == 1
        # The token is cached all the same: the next process reads it.
        assert CachedCredential(TokenCache(path, pytest.fail), KEY_PARTS, lambda: sign_ins).get_token(SCOPE).token == 'fresh-1'
    finally:
        os.close(fd)


def test_a_lock_file_that_cannot_be_opened_does_not_stop_the_sign_in(path):
    os.makedirs(path + '.lock')  # a directory where the lock file belongs: it cannot be opened
    sign_ins = SignIns()
    assert CachedCredential(TokenCache(path, pytest.fail), KEY_PARTS, lambda: sign_ins).get_token(SCOPE).token == 'fresh-1'
    assert sign_ins.count == 1


def test_the_lock_file_is_private_and_kept(path):
    cache = TokenCache(path, pytest.fail)
    with cache.sign_in_lock():
        pass
    assert os.stat(path + '.lock').st_mode & 0o777 == 0o600
