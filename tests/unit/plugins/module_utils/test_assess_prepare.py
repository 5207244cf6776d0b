# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preparing a target: which server parameters change, and which inputs are refused."""

from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.assess_prepare import parameter_problems, wanted_values


def test_an_extension_is_appended_once():
    current = {'azure.extensions': 'pg_trgm, citext'}
    assert wanted_values(current, ['postgres_fdw'], {}) == {'azure.extensions': 'pg_trgm,citext,postgres_fdw'}
    assert wanted_values({'azure.extensions': 'pg_trgm,POSTGRES_FDW'}, ['postgres_fdw'], {}) == {}


def test_an_empty_allow_list_gets_the_extension():
    assert wanted_values({'azure.extensions': ''}, ['vector'], {}) == {'azure.extensions': 'vector'}


def test_parameters_compare_as_the_service_stores_them():
    current = {'azure.migration_copy_with_binary': 'off', 'azure.migration_table_split_size': '20480'}
    assert wanted_values(current, [], {'azure.migration_copy_with_binary': True}) == {'azure.migration_copy_with_binary': 'on'}
    assert wanted_values(current, [], {'azure.migration_copy_with_binary': 'off'}) == {}
    assert wanted_values(current, [], {'azure.migration_table_split_size': 20480}) == {}
    assert wanted_values(current, [], {'azure.migration_table_split_size': 1024}) == {'azure.migration_table_split_size': '1024'}


def test_a_whole_allow_list_and_an_addition():
    current = {'azure.extensions': 'a,b,c'}
    assert wanted_values(current, [], {'azure.extensions': 'a, b,c'}) == {}
    assert wanted_values(current, ['d'], {'azure.extensions': 'a'}) == {'azure.extensions': 'a,d'}


@pytest.mark.parametrize('parameters, words', [
    ({'azure.migration_skip_role_user': 'off'}, 'read-only'),
    ({'azure.migration_copy_binary': 'on'}, 'not a migration parameter'),
    ({'azure.migration_skip_analyze': ''}, 'has no value'),
])
def test_bad_parameters_are_named(parameters, words):
    [problem] = parameter_problems(parameters)
    assert words in problem and list(parameters)[0] in problem


def test_good_parameters_pass():
    assert parameter_problems({'azure.migration_skip_large_objects': 'on', 'shared_preload_libraries': 'pg_cron'}) == []
