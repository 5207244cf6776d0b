# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import request
from ansible_collections.pgflex.migration.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.spellings import matching_choice, normalise_choices, spelling_key
from ansible_collections.pgflex.migration.plugins.modules import (
    pg_flexible_migration, pg_flexible_migration_fleet_report, pg_flexible_migration_info, pg_flexible_migration_verify,
)

SPECS = [pg_flexible_migration.ARGUMENT_SPEC, pg_flexible_migration_info.ARGUMENT_SPEC,
         pg_flexible_migration_fleet_report.ARGUMENT_SPEC, pg_flexible_migration_verify.argument_spec(), AUTH_ARGUMENT_SPEC]


@pytest.mark.parametrize('value, choices, expected', [
    ('Offline', ['offline', 'online'], 'offline'),
    ('OFFLINE', ['offline', 'online'], 'offline'),
    ('ValidateAndMigrate', ['validate', 'migrate', 'validate_and_migrate'], 'validate_and_migrate'),
    ('validate-and-migrate', ['validate', 'migrate', 'validate_and_migrate'], 'validate_and_migrate'),
    ('VerifyFull', ['prefer', 'require', 'verify_ca', 'verify_full'], 'verify_full'),
    ('verify-full', ['prefer', 'require', 'verify_ca', 'verify_full'], 'verify_full'),
    ('VerifyCA', ['prefer', 'require', 'verify_ca', 'verify_full'], 'verify_ca'),
    ('Active', ['all', 'active'], 'active'),
    ('Canceled', ['present', 'cancelled'], 'cancelled'),
    ('CutoverReady', ['completed', 'validated', 'cutover_ready', 'user_action'], 'cutover_ready'),
    ('onpremises', list(request.SOURCE_TYPES), 'OnPremises'),
    ('aws-rds', list(request.SOURCE_TYPES), 'AWS_RDS'),
    ('Offlin', ['offline', 'online'], None),
    (True, ['offline', 'online'], None),
])
def test_matching_choice(value, choices, expected):
    assert matching_choice(value, choices) == expected


@pytest.mark.parametrize('spec', SPECS)
def test_no_two_choices_of_an_option_share_a_spelling(spec):
    for option, settings in spec.items():
        keys = [spelling_key(choice) for choice in settings.get('choices') or []]
        assert len(keys) == len(set(keys)), option


def test_normalise_changes_only_options_with_choices_and_leaves_unknown_values():
    spec = {'mode': {'choices': ['offline', 'online']}, 'name': {'type': 'str'}}
    params = {'mode': 'Online', 'name': 'Online'}
    normalise_choices(params, spec)
    assert params == {'mode': 'online', 'name': 'Online'}
    params = {'mode': 'sideways'}
    normalise_choices(params, spec)
    assert params == {'mode': 'sideways'}  # AnsibleModule's message lists the choices


def test_the_properties_file_and_the_options_share_the_rule():
    for option, table in request.ENUMS.items():
        for documented, api_value in table.items():
            assert matching_choice(api_value, list(table)) == documented
            assert request.api_enum(option, api_value.upper()) == api_value
            assert request.api_enum(option, documented.replace('_', '-')) == api_value
