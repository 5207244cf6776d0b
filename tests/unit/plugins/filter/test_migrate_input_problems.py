# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.pgflex.migration.plugins.filter.migrate_input_problems import migrate_input_problems

SPEC_PATH = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'migrate', 'meta', 'argument_specs.yml')
with open(SPEC_PATH) as handle:
    SPECS = yaml.safe_load(handle)
DEFAULTS_PATH = os.path.join(os.path.dirname(SPEC_PATH), '..', 'defaults', 'main.yml')
with open(DEFAULTS_PATH) as handle:
    DEFAULTS = yaml.safe_load(handle)


def given(**changes):
    values = dict(DEFAULTS, migrate_resource_group='rg', migrate_server_name='target', migrate_source_server='src:5432@pg',
                  migrate_source_password='s3cret-src', migrate_target_password='s3cret-tgt', migrate_databases=['app', 'hr'],
                  migrate_name_prefix='wave1', migrate_report_dir='/tmp/reports')
    values.update(changes)
    return values


def test_defaults_and_good_values_have_no_problem():
    assert migrate_input_problems(given(), SPECS) == []
    assert migrate_input_problems(given(migrate_batch_size='8', migrate_report={'result': 'succeeded'}), SPECS) == []
    assert migrate_input_problems(given(migrate_migration_window_start='2030-01-01T22:00:00Z'), SPECS) == []


@pytest.mark.parametrize('changes, message', [
    (dict(migrate_source_password=['s3cret-src']), 'migrate_source_password must be a string, got a list.'),
    (dict(migrate_target_password=12345), 'migrate_target_password must be a string, got a number; quote it.'),
    (dict(migrate_verify='no'), "migrate_verify must be true or false (a YAML boolean), got the string 'no'"),
    (dict(migrate_batch_size=2.5), 'migrate_batch_size must be a whole number, got the number 2.5.'),
    (dict(migrate_databases='app'), "migrate_databases must be a list, got the string 'app'."),
    (dict(migrate_databases=['app', 7]), 'migrate_databases must be a list of strings; quote every item.'),
    (dict(migrate_azure_auth=['x']), 'migrate_azure_auth must be a dictionary, got a list.'),
    (dict(migrate_overwrite_database=True),
     'migrate_overwrite_database is not a variable of the pgflex.migration.migrate role; did you mean migrate_overwrite_databases?'),
    (dict(migrate_colour='blue'), 'migrate_colour is not a variable of the pgflex.migration.migrate role; see its'),
    (dict(migrate_validation_timeout=0), 'migrate_validation_timeout must be between 1 and 604800 seconds; got 0.'),
    (dict(migrate_migration_timeout=-60), 'migrate_migration_timeout must be between 1 and 604800 seconds; got -60.'),
    (dict(migrate_cutover_timeout=10 ** 400), 'migrate_cutover_timeout must be between 1 and 604800 seconds; got a 401-digit number.'),
    (dict(migrate_poll_interval=0), 'migrate_poll_interval must be between 1 and 3600 seconds; got 0.'),
    (dict(migrate_poll_interval=120, migrate_validation_timeout=60, migrate_progress_interval=120),
     'migrate_poll_interval (120) must not be above migrate_validation_timeout (60).'),
    (dict(migrate_progress_interval=5, migrate_poll_interval=10), 'migrate_progress_interval (5) must be at least migrate_poll_interval (10).'),
    (dict(migrate_batch_size=51), 'migrate_batch_size must be between 1 and 50 databases; got 51.'),
    (dict(migrate_verify_target_port=70000), 'migrate_verify_target_port must be between 1 and 65535; got 70000.'),
    (dict(migrate_cutover_max_lag_seconds=-5), 'migrate_cutover_max_lag_seconds must be between 0 and 86400 seconds; got -5.'),
    (dict(migrate_databases=[]), 'migrate_databases must list at least one database.'),
    (dict(migrate_databases=['a', 'a']), 'migrate_databases lists a more than once'),
    (dict(migrate_databases=['a', ' ']), 'migrate_databases has an empty name'),
    (dict(migrate_name_prefix='Wave-1'), "migrate_name_prefix must be lowercase letters and digits starting with a letter"),
    (dict(migrate_source_server='src@pg'), "migrate_source_server 'src@pg' is not in the form host:port@user"),
    (dict(migrate_source_server='src:70000@pg'), "migrate_source_server 'src:70000@pg' has port 70000"),
    (dict(migrate_source_type='PostgreSQLSingleServer'), "migrate_source_server 'src:5432@pg' is not a Single Server resource id"),
    (dict(migrate_azure_auth={'secert': 'x'}), "migrate_azure_auth has the unknown key 'secert'; did you mean 'secret'?"),
    (dict(migrate_migration_window_start='tonight'), "migrate_migration_window_start 'tonight' is not an ISO 8601 date and time"),
    (dict(migrate_migration_window_start='2030-01-02T00:00:00Z', migrate_migration_window_end='2030-01-01T00:00:00Z'),
     'migrate_migration_window_end (2030-01-01T00:00:00Z) must be after migrate_migration_window_start'),
])
def test_each_problem_names_the_role_variable(changes, message):
    problems = migrate_input_problems(given(**changes), SPECS)
    assert len(problems) == 1, problems
    assert message in problems[0]


def test_secrets_never_appear():
    problems = migrate_input_problems(given(migrate_source_password=['s3cret-src'], migrate_target_password={'a': 's3cret-tgt'},
                                            migrate_azure_auth={'secert': 's3cret-az'}), SPECS)
    assert len(problems) == 3
    assert not any('s3cret' in problem for problem in problems)


def test_a_report_dir_the_controller_cannot_write_is_refused_without_creating_anything(tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    problems = migrate_input_problems(given(migrate_report_dir=str(blocker / 'reports')), SPECS)
    assert problems == ['migrate_report_dir "%s" cannot be used as the report directory (%s is not a directory); set '
                        'migrate_report_dir to a directory the controller can write.' % (blocker / 'reports', blocker)]
    assert migrate_input_problems(given(migrate_report_dir=' '), SPECS)[0].startswith('migrate_report_dir " " cannot be used')
    assert migrate_input_problems(given(migrate_report_dir=str(tmp_path / 'new' / 'host1')), SPECS) == []
    assert not (tmp_path / 'new').exists()
