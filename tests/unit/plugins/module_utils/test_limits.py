# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import number_problems, shown
from ansible_collections.pgflex.migration.plugins.module_utils.limits import RANGES


def test_values_in_range_have_no_problem():
    assert number_problems(dict((option, low) for option, (low, _high, _unit) in RANGES.items())) == []
    assert number_problems(dict(wait_timeout=3600, poll_interval=15, api_timeout=None)) == []


@pytest.mark.parametrize('option', sorted(RANGES))
def test_each_bound_is_enforced(option):
    low, high, _unit = RANGES[option]
    for value in (low - 1, high + 1, 10 ** 400, -10 ** 400):
        problems = number_problems({option: value}, [option])
        assert len(problems) == 1 and problems[0].startswith('%s must be between %d and %d' % (option, low, high))


def test_booleans_and_floats_are_not_numbers_of_seconds():
    assert 'whole number' in number_problems({'poll_interval': True})[0]
    assert 'whole number' in number_problems({'poll_interval': 1.5})[0]


def test_poll_interval_not_above_wait_timeout_only_when_both_are_in_range():
    assert number_problems({'poll_interval': 60, 'wait_timeout': 30}) == [
        'poll_interval (60) must not be above wait_timeout (30); lower poll_interval or raise wait_timeout']
    assert number_problems({'poll_interval': 60, 'wait_timeout': 0}) == []  # 0 reads once
    assert len(number_problems({'poll_interval': 60, 'wait_timeout': -1})) == 1


def test_huge_numbers_are_described_not_printed():
    assert shown(10 ** 400) == 'a 401-digit number'
    assert shown(-10 ** 30) == 'a 31-digit number'
    assert shown(12) == '12'
