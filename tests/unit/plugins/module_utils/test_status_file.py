# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

from ansible_collections.pgflex.migration.plugins.module_utils import status_file

MIGRATION = {'name': 'm1', 'properties': {
    'migrationMode': 'Online', 'secretParameters': {'adminCredentials': {'sourceServerPassword': 'pw'}},
    'currentStatus': {'state': 'InProgress', 'currentSubStateDetails': {'currentSubState': 'MigratingData'}}}}


def test_written_atomically_and_read_back_without_secrets(tmp_path):
    path = str(tmp_path / 'status.json')
    assert status_file.read(path) is None
    status_file.write(path, MIGRATION)
    found = status_file.read(path)
    assert found['name'] == 'm1' and found['migration_mode'] == 'Online'
    assert found['status']['substate'] == 'MigratingData'
    assert 'pw' not in open(path).read()
    assert os.listdir(str(tmp_path)) == ['status.json']


def test_writing_is_best_effort(tmp_path):
    status_file.write(str(tmp_path / 'missing' / 'status.json'), MIGRATION)  # no directory: ignored
    status_file.write(None, MIGRATION)
    status_file.write(str(tmp_path / 'status.json'), None)
    assert os.listdir(str(tmp_path)) == []
