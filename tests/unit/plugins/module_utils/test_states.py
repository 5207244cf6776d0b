# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The states table covers the API specification, and every reader agrees with it."""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import fleet_render, fleet_report, states
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration

SPEC = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'emulator', 'spec', 'Migrations.json')


def spec_enum(definition, prop=None):
    with open(SPEC) as handle:
        definitions = json.load(handle)['definitions']
    entry = definitions[definition]
    if prop:
        entry = entry['properties'][prop]
    return entry['enum'], dict((v['value'], v.get('description')) for v in entry.get('x-ms-enum', {}).get('values', []))


@pytest.mark.parametrize('definition, table', [
    ('MigrationState', states.STATES),
    ('MigrationSubstate', states.SUBSTATES),
])
def test_every_state_and_substate_of_the_specification_has_an_entry_with_its_meaning(definition, table):
    values, meanings = spec_enum(definition)
    names = [entry.name for entry in table]
    assert sorted(names) == sorted(values)
    for entry in table:
        assert entry.meaning == meanings[entry.name]


def test_every_database_state_has_an_entry():
    values, dummy = spec_enum('DatabaseMigrationState', 'migrationState')
    assert sorted(entry.name for entry in states.DATABASE_STATES) == sorted(values)


def test_every_validation_state_has_an_entry():
    values, meanings = spec_enum('ValidationState')
    assert dict(states.VALIDATION_STATES) == dict((value, meanings[value]) for value in values)


def test_terminal_states_have_an_outcome_and_the_others_none():
    for entry in states.STATES:
        assert (entry.outcome is not None) == entry.terminal


def test_one_outcome_vocabulary():
    # Every outcome the code reports is a word of OUTCOMES: the states' and databases' outcomes, the validation
    # verdicts, and the fleet report's results and colours.
    words = set(entry.name for entry in states.OUTCOMES)
    assert len(words) == len(states.OUTCOMES)
    assert set(entry.outcome for entry in states.STATES + states.DATABASE_STATES if entry.terminal) <= words
    assert set(states.validation_verdict(entry.name) for entry in states.VALIDATION_STATES) <= words
    assert set(fleet_report.RESULTS) | set(fleet_render.COLOURS) <= words


def test_answer_options_are_options_of_the_module():
    for entry in states.SUBSTATES:
        if entry.answer_option:
            assert entry.answer_option in pg_flexible_migration.ARGUMENT_SPEC
            assert entry.hint and entry.answered_by
        if entry.waits_for_user:
            assert entry.answer_option


def test_lookups_ignore_case_and_accept_unknown_values():
    assert states.state('succeeded').terminal
    assert states.substate('WAITINGFORCUTOVERTRIGGER').answer_option == 'cutover'
    unknown = states.state('SomethingNew')
    assert not unknown.terminal and unknown.outcome is None and unknown.name == 'SomethingNew'
    assert states.substate(None).answer_option is None
    assert states.database_state('canceling').name == 'Canceling'


def test_the_doc_fragment_is_rendered_from_the_table():
    # scripts/render_docs.py rewrites the fragment after a change of the table.
    import yaml  # pylint: disable=import-outside-toplevel
    from ansible_collections.pgflex.migration.plugins.doc_fragments import migration_states  # pylint: disable=import-outside-toplevel
    assert yaml.safe_load(migration_states.ModuleDocFragment.DOCUMENTATION)['notes'] == states.doc_notes()


def test_the_table_says_which_database_states_a_cancel_drops():
    dropped = dict((entry.name, entry.dropped_on_cancel) for entry in states.DATABASE_STATES)
    assert dropped['Succeeded'] is False and dropped['Canceled'] is False
    assert dropped['InProgress'] and dropped['WaitingForCutoverTrigger'] and dropped['Failed']
    assert states.database_state('SomethingNew').dropped_on_cancel  # unknown: the safe reading
    assert not states.database_state('').dropped_on_cancel  # no state yet: nothing copied
