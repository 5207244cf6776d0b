# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import token_cache
from ansible_collections.pgflex.migration.plugins.module_utils.token_cache import TokenCache

NOW = 1800000000


class Warnings(list):
    def __call__(self, text):
        self.append(text)


@pytest.fixture
def warnings():
    return Warnings()


def cache_at(path, warnings, now=NOW):
    return TokenCache(str(path), warnings, clock=lambda: now)


def test_a_new_file_has_mode_0600_in_a_new_0700_directory(tmp_path, warnings):
    path = tmp_path / 'azure' / 'cache.json'
    cache_at(path, warnings).store_token('k', 'tok', NOW + 3600)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700
    assert cache_at(path, warnings).token('k') == ('tok', NOW + 3600)
    assert warnings == []


def test_a_token_is_reused_only_with_more_than_five_minutes_left(tmp_path, warnings):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_token('k', 'tok', NOW + 3600)
    assert cache_at(path, warnings, now=NOW + 3600 - 301).token('k') == ('tok', NOW + 3600)
    assert cache_at(path, warnings, now=NOW + 3600 - 300).token('k') is None
    assert cache_at(path, warnings).token('other') is None


def test_expired_tokens_are_dropped_on_the_next_write(tmp_path, warnings):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_token('old', 'tok1', NOW + 10)
    cache_at(path, warnings, now=NOW + 20).store_token('new', 'tok2', NOW + 3600)
    assert list(json.loads(path.read_text())['tokens']) == ['new']


@pytest.mark.parametrize('content', ['{not json', '[]', '{"format": "something else"}', ''])
def test_a_corrupt_or_foreign_file_is_ignored_with_a_warning_and_replaced(tmp_path, warnings, content):
    path = tmp_path / 'cache.json'
    path.write_text(content)
    path.chmod(0o600)
    cache = cache_at(path, warnings)
    assert cache.token('k') is None
    assert len(warnings) == 1 and 'is not a pgflex.migration token cache or is corrupt' in warnings[0]
    cache.store_token('k', 'tok', NOW + 3600)
    assert cache_at(path, warnings).token('k') == ('tok', NOW + 3600)


@pytest.mark.parametrize('mode', [0o644, 0o660, 0o604])
def test_a_file_others_can_read_or_write_is_not_used_nor_touched(tmp_path, warnings, mode):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_token('k', 'tok', NOW + 3600)
    path.chmod(mode)
    before = path.read_text()
    cache = cache_at(path, warnings)
    assert cache.token('k') is None
    cache.store_token('k2', 'tok2', NOW + 3600)
    assert path.read_text() == before
    assert len(warnings) == 1 and 'it must be 0600' in warnings[0] and 'signing in without the cache' in warnings[0]


def test_a_file_of_another_user_is_not_used(tmp_path, warnings, monkeypatch):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_token('k', 'tok', NOW + 3600)
    monkeypatch.setattr(token_cache.os, 'geteuid', lambda: os.stat(str(path)).st_uid + 1)
    assert cache_at(path, warnings).token('k') is None
    assert 'belongs to another user' in warnings[0]


def test_a_symlink_is_not_followed(tmp_path, warnings):
    target = tmp_path / 'real.json'
    cache_at(target, warnings).store_token('k', 'tok', NOW + 3600)
    link = tmp_path / 'cache.json'
    link.symlink_to(target)
    assert cache_at(link, warnings).token('k') is None
    assert 'cannot be opened' in warnings[0]


def test_an_unwritable_directory_costs_a_warning_not_a_failure(tmp_path, warnings, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(token_cache.tempfile, 'mkstemp', refuse)
    cache_at(tmp_path / 'cache.json', warnings).store_token('k', 'tok', NOW + 3600)
    assert 'cannot be written (Permission denied)' in warnings[0]


def test_writes_are_atomic_renames_that_keep_other_forks_entries(tmp_path, warnings, monkeypatch):
    path = tmp_path / 'cache.json'
    first, second = cache_at(path, warnings), cache_at(path, warnings)
    assert first.token('a') is None and second.token('b') is None  # both read the (absent) file first
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(token_cache.os, 'replace', lambda src, dst: renames.append((src, dst)) or real_replace(src, dst))
    first.store_token('a', 'tok-a', NOW + 3600)
    second.store_token('b', 'tok-b', NOW + 3600)
    assert [dst for _src, dst in renames] == [str(path), str(path)]
    assert all(os.path.dirname(src) == str(tmp_path) for src, _dst in renames)  # same file system: rename is atomic
    assert sorted(json.loads(path.read_text())['tokens']) == ['a', 'b']
    assert os.listdir(str(tmp_path)) == ['cache.json']  # no temporary file left


def test_documents_are_kept_for_a_day(tmp_path, warnings):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_document('https://emu/metadata/endpoints', [{'name': 'emu'}])
    assert cache_at(path, warnings, now=NOW + 3600).document('https://emu/metadata/endpoints') == [{'name': 'emu'}]
    assert cache_at(path, warnings, now=NOW + 24 * 3600).document('https://emu/metadata/endpoints') is None
    assert 'https://emu' not in path.read_text()  # keys are hashes


def test_a_forgotten_token_is_gone_and_the_others_stay(tmp_path, warnings):
    path = tmp_path / 'cache.json'
    cache_at(path, warnings).store_token('stale', 'tok1', NOW + 3600)
    cache_at(path, warnings).store_token('other', 'tok2', NOW + 3600)
    cache = cache_at(path, warnings)
    cache.forget_token('stale')
    assert cache.token('stale') is None
    assert cache_at(path, warnings).token('stale') is None
    assert cache_at(path, warnings).token('other') == ('tok2', NOW + 3600)
    assert warnings == []
