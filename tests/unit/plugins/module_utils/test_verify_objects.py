# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure comparison of sequences, large objects and the inventory of schema objects."""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.verify_objects import INVENTORY, compare_objects


def side(sequences=None, large_objects=(0, 0, 0), **inventory):
    kinds = dict((kind, set()) for kind in INVENTORY)
    kinds.update((kind.replace('_', ' '), set(names)) for kind, names in inventory.items())
    return {'inventory': kinds, 'sequences': sequences or {}, 'large_objects': large_objects}


def test_equal_sides_have_no_problem():
    same = side({'public.s': (10, 1)}, (2, 5, 7), index=['public.i'], materialized_view=['public.m'])
    problems, summary = compare_objects('shop', same, same)
    assert problems == [] and summary['large_objects'] == {'source': 2, 'target': 2} and summary['notes'] == []


def test_missing_and_extra_objects_are_named_by_kind():
    problems, summary = compare_objects('shop', side(index=['public.a', 'public.b']), side(index=['public.b'], view=['x.v']))
    assert problems == ['database "shop" index "public.a" is missing on the target',
                        'database "shop" view "x.v" exists on the target but not on the source']
    assert summary['missing_in_target'] == {'index': ['public.a']} and summary['extra_in_target'] == {'view': ['x.v']}


def test_sequences_must_not_be_behind_in_their_direction():
    source = side({'public.up': (100, 1), 'public.down': (-5, -1), 'public.unused': (None, 1), 'public.gone': (1, 1)})
    target = side({'public.up': (99, 1), 'public.down': (-6, -1), 'public.unused': (None, 1)})
    problems, summary = compare_objects('shop', source, target)
    assert problems == ['database "shop" sequence "public.gone" is missing on the target',
                        'database "shop" sequence "public.up" is at 99 on the target, behind the source (100): the next '
                        'value could repeat a key; set it with setval()']
    assert summary['sequences_behind'] == ['public.up']


def test_large_objects_count_content_and_unreadable():
    assert compare_objects('d', side(large_objects=(2, 1, 1)), side(large_objects=(1, 1, 1)))[0] == [
        'database "d" has 2 large objects on the source but 1 on the target']
    assert compare_objects('d', side(large_objects=(2, 1, 1)), side(large_objects=(2, 1, 2)))[0] == [
        'database "d" has the same number of large objects (2) but different content']
    problems, summary = compare_objects('d', side(large_objects='permission denied for large object 7'), side())
    assert problems == [] and 'reading them on the source failed' in summary['notes'][0]
