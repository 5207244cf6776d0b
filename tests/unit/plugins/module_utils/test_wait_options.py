# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait options' argument spec, its doc fragment and the table of wait targets agree."""
from __future__ import annotations

import yaml

from ansible_collections.pgflex.migration.plugins.doc_fragments import wait_options as fragment
from ansible_collections.pgflex.migration.plugins.module_utils import waiter
from ansible_collections.pgflex.migration.plugins.module_utils.wait_options import WAIT_ARGUMENT_SPEC, wait_default


def test_the_fragment_documents_the_spec():
    documented = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options']
    assert sorted(documented) == sorted(WAIT_ARGUMENT_SPEC)
    for option, spec in WAIT_ARGUMENT_SPEC.items():
        for key in ('type', 'default', 'choices'):
            assert documented[option].get(key) == spec.get(key), (option, key)


def test_the_wait_for_choices_are_the_targets_a_user_can_choose():
    assert WAIT_ARGUMENT_SPEC['wait_for']['choices'] == [t.name for t in waiter.WAIT_TARGETS if t.choice]
    assert wait_default('wait_for') == 'completed' and wait_default('max_latency') is None


def test_every_target_has_a_description_and_a_spelling_variant_finds_it():
    assert all(target.description for target in waiter.WAIT_TARGETS)
    assert waiter.description('Cutover-Ready') == 'be ready for cutover'
    assert waiter.description('something') == 'something'
