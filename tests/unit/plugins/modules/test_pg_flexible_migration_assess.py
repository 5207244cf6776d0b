# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration_assess and _prepare: bad input fails with a message naming the option, before Azure is called."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_assess as module_under_test
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_prepare as prepare_module
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Fail, patch_exit_and_fail, run_main

BASE = {'resource_group': 'rg', 'server_name': 'flex1', 'source_host': 'db.example.com', 'source_username': 'migrator',
        'source_password': 'Marker-Secret-7f3a9', 'subscription_id': '00000000-0000-0000-0000-000000000000',
        'auth_source': 'env'}


@pytest.mark.parametrize('changes, words', [
    ({'databases': []}, 'databases must list'),
    ({'databases': ['a', '']}, 'databases must list'),
    ({'databases': ['a', 'a']}, 'databases lists a more than once'),
    ({'source_host': ' '}, 'source_host is empty'),
    ({'target_host': ''}, 'target_host is empty'),
    ({'source_port': 0}, 'source_port'),
    ({'connect_timeout': 0}, 'connect_timeout'),
    ({'api_timeout': 10 ** 9}, 'api_timeout'),
])
def test_bad_input_names_the_option(monkeypatch, changes, words):
    patch_exit_and_fail(monkeypatch)
    monkeypatch.setattr(module_under_test.assess_azure, 'read_target',
                        lambda *args: pytest.fail('Azure was called despite bad input'))
    kind, result = run_main(module_under_test.main, dict(BASE, **changes))
    assert kind is Fail and words in result['msg']
    assert 'Marker-Secret' not in json.dumps(result)


@pytest.mark.parametrize('changes, words', [
    ({'parameters': {'azure.migration_skip_role_user': 'off'}}, 'parameters.azure.migration_skip_role_user is read-only'),
    ({'allow_extensions': ['']}, 'allow_extensions has an empty name'),
    ({'api_timeout': 0}, 'api_timeout'),
])
def test_prepare_bad_input_names_the_option(monkeypatch, changes, words):
    patch_exit_and_fail(monkeypatch)
    monkeypatch.setattr(prepare_module.assess_azure, 'get_configuration',
                        lambda *args: pytest.fail('Azure was called despite bad input'))
    args = dict(resource_group='rg', server_name='flex1', subscription_id=BASE['subscription_id'], auth_source='env', **changes)
    kind, result = run_main(prepare_module.main, args)
    assert kind is Fail and words in result['msg'] and 'Nothing was changed' in result['msg']
