# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import migration_name_problem
from ansible_collections.pgflex.migration.plugins.module_utils.naming import (
    MIGRATION_NAME_PATTERN, attempt_name, is_migration_name, is_role_run_name,
)
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration, pg_flexible_migration_info

# Recorded: the real service accepted the az CLI's uuid4 name (nameAvailable true, PUT 201, GET 200).
RECORDED_ACCEPTED = ['632df460-4e58-44d2-acbf-42bbce2008ee']


def test_the_pattern_is_azures():
    assert MIGRATION_NAME_PATTERN == r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'


@pytest.mark.parametrize('name', RECORDED_ACCEPTED + [
    'a', '7', 'mig1', 'wave2-db7', '1mig', '0-0', 'z' * 63, '9' * 63, 'a' + '-' * 61 + 'b',
])
def test_valid_names(name):
    assert migration_name_problem(name) is None
    assert re.match(MIGRATION_NAME_PATTERN, name) and is_migration_name(name)


@pytest.mark.parametrize('name, words', [
    ('', 'empty'),
    ('MyMigration', 'uppercase'),
    ('632DF460-4E58-44D2-ACBF-42BBCE2008EE', 'uppercase'),
    ('mig_1', "'_'"),
    ('mig-', 'ends with a hyphen'),
    ('-mig', 'starts with a hyphen'),
    ('-', 'starts with a hyphen'),
    ('Mig_1', "'_'"),
    ('m' * 64, '64 characters'),
    ('1' * 64, '64 characters'),
    ('mig 1', "' '"),
    ('migé', "'é'"),
])
def test_invalid_names_say_why(name, words):
    problem = migration_name_problem(name)
    assert problem is not None
    assert words in problem
    assert not re.match(MIGRATION_NAME_PATTERN, name) and not is_migration_name(name)


def test_uppercase_suggests_lowercase():
    assert "'mymigration'" in migration_name_problem('MyMigration')
    assert "'632df460-4e58-44d2-acbf-42bbce2008ee'" in migration_name_problem('632DF460-4E58-44D2-ACBF-42BBCE2008EE')


def test_non_string_is_invalid():
    assert migration_name_problem(None) is not None


def test_retry_attempts_of_a_uuid_name_are_valid_while_short_enough():
    assert migration_name_problem(attempt_name(RECORDED_ACCEPTED[0], 2)) is None
    assert migration_name_problem(attempt_name('a' * 62, 2)) is not None


@pytest.mark.parametrize('name, prefix, expected', [
    ('fleetb01mig', 'fleet', True), ('fleetb01val', 'fleet', True), ('fleetb12migr3', 'fleet', True),
    ('fleetb101mig', 'fleet', True), ('fleet2b01mig', 'fleet', False), ('fleetb01', 'fleet', False),
    ('fleetb01migx', 'fleet', False), ('other', 'fleet', False), (None, 'fleet', False), ('a.b01mig', 'a.', True),
])
def test_role_run_names_belong_to_their_prefix_only(name, prefix, expected):
    assert is_role_run_name(name, prefix) is expected


@pytest.mark.parametrize('module', [pg_flexible_migration, pg_flexible_migration_info])
def test_migration_names_in_the_module_examples_follow_the_rule(module):
    # A copied example must not fail on its own name (issue 19: hyphenated names in EXAMPLES vs the name docs).
    tasks = yaml.safe_load(module.EXAMPLES)
    names = [args['name'] for task in tasks for key, args in task.items()
             if key.startswith('pgflex.migration.pg_flexible_migration') and isinstance(args, dict) and 'name' in args]
    assert names and [name for name in names if migration_name_problem(name)] == []
