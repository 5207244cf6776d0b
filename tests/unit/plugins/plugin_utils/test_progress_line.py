# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.plugin_utils.progress_line import clock_text, hidden_line, progress_line


def test_clock_text_keeps_days_readable():
    assert clock_text(0) == '0:00:00.0'
    assert clock_text(3723.44) == '1:02:03.4'
    assert clock_text(3 * 86400) == '72:00:00.0'
    assert clock_text(-5) == '0:00:00.0'


def test_offline_line_shows_tables_per_database():
    status = {'state': 'InProgress', 'substate': 'MigratingData', 'databases': [
        {'name': 'hr', 'tables_completed': 3, 'tables_total': 12, 'latency': None, 'applied_changes': None},
        {'name': 'shop', 'tables_completed': None, 'tables_total': None}]}
    assert progress_line('wave1', status, 310.3, 3289.7) == (
        'wave1: InProgress / MigratingData; hr 3/12 tables, shop ?/? tables; elapsed 0:05:10.3, 0:54:49.7 left')


def test_online_line_adds_latency_and_applied_changes():
    status = {'state': 'WaitingForUserAction', 'substate': 'WaitingForCutoverTrigger', 'databases': [
        {'name': 'crm', 'tables_completed': 4, 'tables_total': 4, 'latency': 2, 'applied_changes': 1500}]}
    assert 'crm 4/4 tables (latency 2s, 1500 changes applied)' in progress_line('crm-online', status, 60, 540, online=True)
    assert 'crm 4/4 tables;' in progress_line('crm', status, 60, 540)  # offline: the service's zeros say nothing


def test_no_status_yet():
    assert progress_line('m', None, 1, 2) == 'm: no status read yet; elapsed 0:00:01.0, 0:00:02.0 left'


def test_hidden_line_has_times_only():
    assert hidden_line(1, 2) == 'progress hidden by no_log; elapsed 0:00:01.0, 0:00:02.0 left'


def test_line_shows_the_copy_estimate_and_the_service_clock():
    status = {'state': 'InProgress', 'substate': 'MigratingData', 'copy_time_left': 754,
              'service_clock': {'seconds_left': 6 * 86400 + 60, 'limit': 'migration_lifetime'},
              'databases': [{'name': 'hr', 'tables_completed': 3, 'tables_total': 12}]}
    assert progress_line('wave1', status, 60, 540) == (
        'wave1: InProgress / MigratingData; hr 3/12 tables; copy about 00:12:34 left; '
        'service clock 6d 00:01:00 left (migration lifetime); elapsed 0:01:00.0, 0:09:00.0 left')


def test_clock_text_carries_a_rounded_minute():
    assert clock_text(3539.96) == '0:59:00.0'
    assert clock_text(59.99) == '0:01:00.0'
    assert clock_text(7322.04) == '2:02:02.0'
