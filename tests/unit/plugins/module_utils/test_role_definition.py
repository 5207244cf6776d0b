# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/azure-role-definition.json grants exactly the ARM actions of the operations the client makes."""

from __future__ import annotations

import json
import os

from ansible_collections.pgflex.migration.plugins.module_utils.client import OPERATIONS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
PROVIDER = 'Microsoft.DBforPostgreSQL/flexibleServers/'
# Operation of client.OPERATIONS -> the ARM action Azure checks for it (Microsoft Learn, resource provider operations).
ACTION_OF_CALL = {
    'servers.get': PROVIDER + 'read',
    'migrations.check_name_availability': PROVIDER + 'checkMigrationNameAvailability/action',
    'migrations.get': PROVIDER + 'migrations/read',
    'migrations.list_by_target_server': PROVIDER + 'migrations/read',
    'migrations.create': PROVIDER + 'migrations/write',
    'migrations.update': PROVIDER + 'migrations/write',
    'migrations.cancel': PROVIDER + 'migrations/delete',
    'configurations.get': PROVIDER + 'configurations/read',
    'configurations.put': PROVIDER + 'configurations/write',
}


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding='utf-8') as handle:
        return handle.read()


def test_the_role_grants_the_actions_of_every_operation():
    calls = set(OPERATIONS)
    unknown = calls - set(ACTION_OF_CALL)
    assert not unknown, 'new operations %s: add their ARM actions here and to docs/azure-role-definition.json' % sorted(unknown)
    role = json.loads(_read('docs', 'azure-role-definition.json'))
    assert sorted(role['Actions']) == sorted(set(ACTION_OF_CALL[call] for call in calls))
    assert role['IsCustom'] is True and role['NotActions'] == [] and role['DataActions'] == []
