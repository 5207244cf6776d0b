# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chunk walk and the bisection of verify_chunks, with a fake reader holding rows in memory."""

from __future__ import annotations

import hashlib

from ansible_collections.pgflex.migration.plugins.module_utils import verify_chunks


class FakeReader(object):
    """A table keyed by one integer column; keys travel as 1-tuples of text like the real reader's."""

    def __init__(self, rows):
        self.rows = dict(rows)
        self.calls = []

    def _keys(self, after, through):
        low = int(after[0]) if after is not None else None
        high = int(through[0]) if through is not None else None
        return [k for k in sorted(self.rows) if (low is None or k > low) and (high is None or k <= high)]

    def _digest(self, keys):
        halves = [int(hashlib.md5(self.rows[k].encode()).hexdigest()[:16], 16) for k in keys]
        return (len(keys), sum(halves), 0)

    def hash_range(self, after, through):
        self.calls.append('hash')
        return self._digest(self._keys(after, through))

    def key_at(self, after, through, offset):
        keys = self._keys(after, through)
        return (str(keys[offset]),) if offset < len(keys) else None

    def rows_in(self, after, through, limit):
        return [((str(k),), self.rows[k]) for k in self._keys(after, through)[:limit]]


def table(count, start=1):
    return dict((k, 'row %d' % k) for k in range(start, start + count))


def with_row(rows, key, value):
    rows[key] = value
    return rows


def compare(source_rows, target_rows, chunk_rows=10, **caps):
    return verify_chunks.compare_keyed_table(FakeReader(source_rows), FakeReader(target_rows), chunk_rows, **caps)


def test_equal_tables_match_in_chunks_with_an_open_last_range():
    result = compare(table(95), table(95))
    assert result.chunks == 10 and result.source_rows == result.target_rows == 95
    assert result.ranges == [] and result.source_checksum == result.target_checksum


def test_an_exact_multiple_ends_with_an_empty_open_range():
    result = compare(table(20), with_row(table(20), 1000, 'late'))
    assert result.chunks == 3
    (found,) = result.ranges
    assert found['after'] == ['20'] and found['through'] is None and found['extra_in_target'] == [['1000']]


def test_a_changed_row_is_narrowed_to_its_key():
    target = table(1000)
    target[437] = 'changed'
    (found,) = compare(table(1000), target, chunk_rows=200).ranges
    assert found['changed'] == [['437']] and int(found['first'][0]) <= 437 <= int(found['last'][0])
    assert found['source_rows'] <= verify_chunks.LEAF_ROWS and found['narrowed'] is True


def test_a_row_before_the_first_key_lands_in_the_first_range():
    (found,) = compare(table(50, start=10), with_row(table(50, start=10), 1, 'early')).ranges
    assert found['after'] is None and found['extra_in_target'] == [['1']]


def test_missing_rows_in_two_chunks_give_two_ranges_in_key_order():
    target = table(100)
    del target[3], target[77]
    result = compare(table(100), target)
    assert [found['missing_in_target'] for found in result.ranges] == [[['3']], [['77']]]


def test_the_number_of_ranges_is_capped():
    target = dict((k, v + '!') for k, v in table(100).items())
    result = compare(table(100), target, max_ranges=3)
    assert len(result.ranges) == 3 and result.more_ranges is True


def test_narrowing_stops_at_its_query_budget():
    target = table(1000)
    target[500] = 'changed'
    (found,) = compare(table(1000), target, chunk_rows=1000, max_queries=3).ranges
    # One split (3 queries) and then the budget is spent: the half holding the row is reported as it is.
    assert found['narrowed'] is False and found['source_rows'] == 500
    assert 'not narrowed further' in verify_chunks.range_problem(['id'], found)


def test_the_target_hashes_each_chunk_through_submit():
    seen = []

    def submit(function, *args):
        seen.append(args)
        return verify_chunks.run_now(function, *args)
    verify_chunks.compare_keyed_table(FakeReader(table(25)), FakeReader(table(25)), 10, submit=submit)
    assert seen == [(None, ('10',)), (('10',), ('20',)), (('20',), None)]


def test_progress_is_told_the_rows_of_each_chunk():
    done = []
    verify_chunks.compare_keyed_table(FakeReader(table(25)), FakeReader(table(25)), 10, on_chunk=done.append)
    assert done == [10, 10, 5]


def test_range_sentences():
    found = {'after': ['39'], 'through': ['46'], 'first': ['40'], 'last': ['41'], 'source_rows': 7, 'target_rows': 6,
             'missing_in_target': [['41']], 'extra_in_target': [], 'changed': [['40']], 'narrowed': True}
    assert verify_chunks.range_problem(['id'], found) == (
        'rows with id 40..41 differ (source 7 rows, target 6): missing on the target: id 41; changed: id 40')
    assert verify_chunks.key_text(['region', 'id'], ['eu', None]) == '(region, id) (eu, NULL)'


def test_display_order_is_numeric_for_numbers():
    keys = [('10',), ('9',), ('b',), ('a',)]
    assert sorted(keys, key=verify_chunks.sort_key) == [('9',), ('10',), ('a',), ('b',)]
