# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.naming import migration_name_problem


@pytest.mark.parametrize('name', ['a', 'mig1', 'wave2-db7', 'z' * 63])
def test_valid_names(name):
    assert migration_name_problem(name) is None


@pytest.mark.parametrize('name, words', [
    ('', 'empty'),
    ('MyMigration', 'uppercase'),
    ('1mig', 'start with a letter'),
    ('mig_1', "'_'"),
    ('mig-', 'ends with a hyphen'),
    ('Mig_1', "'_'"),
    ('m' * 64, '64 characters'),
    ('mig 1', "' '"),
])
def test_invalid_names_say_why(name, words):
    problem = migration_name_problem(name)
    assert problem is not None
    assert words in problem


def test_uppercase_suggests_lowercase():
    assert "'mymigration'" in migration_name_problem('MyMigration')


def test_non_string_is_invalid():
    assert migration_name_problem(None) is not None
