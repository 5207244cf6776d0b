# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which row hash a verification uses, from both sides' probes (verify_sql.hash_probe / choose_digest)."""

from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import verify_sql


class FakeCursor(object):
    """Answers the version query with ``version`` and the probe with ``probe``; records what ran."""

    def __init__(self, version, probe='-123'):
        self.answers = [(version,), (probe,)]
        self.queries = []

    def execute(self, query, params=None):
        self.queries.append(query)

    def fetchone(self):
        return self.answers[len(self.queries) - 1]


@pytest.mark.parametrize('probes, name', [
    (['-42', '-42'], 'hashtextextended'),  # both sides 11+ and computing it alike
    (['-42', None], 'md5'),  # a source before PostgreSQL 11: both sides use md5
    ([None, '-42'], 'md5'),
    (['-42', '17'], 'md5'),  # the same text hashes differently (another byte order): md5
    (['-42'], 'hashtextextended'),  # the database exists on one side only
    ([], 'md5'),
])
def test_both_sides_use_hashtextextended_only_when_both_have_it_and_agree(probes, name):
    assert verify_sql.choose_digest(probes).name == name


def test_a_digest_can_be_forced_by_name():
    assert verify_sql.choose_digest(['-42', '-42'], 'md5') is verify_sql.MD5


def test_the_probe_is_not_asked_of_a_server_before_11():
    old = FakeCursor(90624)
    assert verify_sql.hash_probe(old) is None and len(old.queries) == 1  # hashtextextended does not exist there
    new = FakeCursor(110000, '-5')
    assert verify_sql.hash_probe(new) == '-5' and 'hashtextextended' in new.queries[1]
