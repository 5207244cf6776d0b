# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.filter.next_migration_name import next_migration_name


def attempt(name, terminal=False, outcome=None):
    return {'name': name, 'status': {'terminal': terminal, 'outcome': outcome}}


@pytest.mark.parametrize('migrations, expected', [
    ([], 'w1b01val'),
    (None, 'w1b01val'),
    ([attempt('w1b01val')], 'w1b01val'),  # still running: resumed
    ([attempt('w1b01val', True, 'success')], 'w1b01val'),  # succeeded: its result is read again
    ([attempt('w1b01val', True, 'failure')], 'w1b01valr2'),
    ([attempt('w1b01val', True, 'cancelled')], 'w1b01valr2'),
    ([attempt('w1b01val', True, 'failure'), attempt('w1b01valr2')], 'w1b01valr2'),
    ([attempt('w1b01valr2', True, 'failure'), attempt('w1b01val', True, 'failure')], 'w1b01valr3'),
    ([attempt('w1b01valr10', True, 'success'), attempt('w1b01valr9', True, 'failure')], 'w1b01valr10'),
])
def test_next_attempt(migrations, expected):
    assert next_migration_name(migrations, 'w1b01val') == expected


def test_other_names_are_ignored():
    others = [attempt('w1b01mig', True, 'failure'), attempt('w1b01valx', True, 'failure'), attempt('w1b011val', True, 'failure'),
              attempt('w1b02val', True, 'failure'), {'name': None}]
    assert next_migration_name(others, 'w1b01val') == 'w1b01val'
