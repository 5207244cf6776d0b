# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification progress: the counts, the throttled progress file and the line the action prints."""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import verify_progress, verify_workers
from ansible_collections.pgflex.migration.plugins.plugin_utils.verify_progress_line import verify_line


class Clock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_counts_tables_and_rows():
    clock = Clock()
    progress = verify_workers.Progress(clock=clock)
    progress.start_database('shop', 3, 1000)
    progress.rows(400)
    progress.table_done()
    clock.now += 4
    assert progress.as_dict() == {'database': 'shop', 'tables_done': 1, 'tables_total': 3, 'rows_done': 400,
                                  'rows_estimated': 1000, 'elapsed': 4.0}


def test_the_file_is_written_at_most_once_a_second(tmp_path):
    clock = Clock()
    path = str(tmp_path / 'progress.json')
    progress = verify_workers.Progress(report=verify_progress.FileReporter(path, clock=clock), clock=clock)
    progress.start_database('shop', 2, 10)
    progress.rows(5)
    assert verify_progress.read(path)['rows_done'] == 0  # the second report came within the second
    clock.now += 1.5
    progress.rows(1)
    assert verify_progress.read(path)['rows_done'] == 6


def test_an_unwritable_file_is_ignored_and_a_missing_one_reads_as_none(tmp_path):
    verify_progress.write(str(tmp_path / 'no' / 'such' / 'dir' / 'p.json'), {'a': 1})
    assert verify_progress.read(str(tmp_path / 'missing.json')) is None


def test_line_with_rate_and_time_left():
    progress = {'database': 'shop', 'tables_done': 3, 'tables_total': 12, 'rows_done': 1200000,
                'rows_estimated': 5000000, 'elapsed': 10.0}
    assert verify_line(progress, 14.1) == (
        'shop: 3/12 tables, 1200000 of about 5000000 rows (24%), 120000 rows/s; elapsed 0:00:14.1, about 0:00:31.7 left')


def test_line_before_the_tables_are_listed_and_without_estimate():
    assert verify_line(None, 2) == 'listing tables; elapsed 0:00:02.0'
    progress = {'database': 'crm', 'tables_done': 0, 'tables_total': 2, 'rows_done': 0, 'rows_estimated': 0, 'elapsed': 1}
    assert verify_line(progress, 1) == 'crm: 0/2 tables, 0 rows, 0 rows/s; elapsed 0:00:01.0'
