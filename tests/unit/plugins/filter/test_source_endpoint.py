# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.filter.source_endpoint import FilterModule, source_endpoint
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import setting_problems


@pytest.mark.parametrize('source, expected', [
    ('10.0.0.4:5432@postgres', {'host': '10.0.0.4', 'port': 5432, 'user': 'postgres'}),
    ('pg.example.com:6432@migration@pg', {'host': 'pg.example.com', 'port': 6432, 'user': 'migration@pg'}),
    ('[2001:db8::4]:5432@postgres', {'host': '2001:db8::4', 'port': 5432, 'user': 'postgres'}),
])
def test_host_port_and_user(source, expected):
    assert source_endpoint(source) == expected


@pytest.mark.parametrize('source', [
    '/subscriptions/s/resourceGroups/g/providers/Microsoft.DBforPostgreSQL/servers/single',
    'pg.example.com@postgres', 'pg.example.com:5432', '', None, 5432,
])
def test_anything_else_is_empty(source):
    assert source_endpoint(source) == {}


@pytest.mark.parametrize('source', ['10.0.0.4:5432@postgres', '[2001:db8::4]:5432@postgres', 'bad source', 'h:5432'])
def test_the_same_rule_as_the_module(source):
    # What the filter reads is what the module accepts as host:port@user.
    accepted = not setting_problems({'source_server': source, 'source_type': 'OnPremises'})
    assert bool(source_endpoint(source)) == accepted


def test_registered():
    assert FilterModule().filters()['source_endpoint'] is source_endpoint
