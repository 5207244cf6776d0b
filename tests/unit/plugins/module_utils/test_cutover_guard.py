# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safe cutover's guard with a stubbed source (the online integration target runs it against PostgreSQL)."""
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import cutover_guard
from ansible_collections.pgflex.migration.plugins.module_utils.cutover_guard import Guard, GuardRefused, lsn_number
from ansible_collections.pgflex.migration.tests.unit.plugins.fake_clock import FakeClock
from ansible_collections.pgflex.migration.tests.unit.plugins.stub_source import WRITER, StubSource


def guard(source, clock, mode='confirm', databases=('shop', 'hr'), sessions='report', deadline=1000.0, settle=2):
    return Guard(source, mode, list(databases), settle, sessions, deadline=deadline, clock=clock, sleep=clock.sleep)


def test_lsn_numbers_order_like_postgresql():
    assert lsn_number('0/FFFFFFFF') < lsn_number('1/0') < lsn_number('1/10') < lsn_number('16/B374D848')


def test_confirm_still_source_records_the_positions():
    clock = FakeClock(0.0)
    source = StubSource(clock, confirm_at=3.0)
    record = guard(source, clock).run()
    assert record['final_lsn'] == '0/3000000' and record['wal_still'] is True and record['settle_windows'] == 1
    assert [(s['slot'], s['database'], s['confirmed_lsn']) for s in record['slots']] == [
        ('pgflex_x_shop', 'shop', '0/3000000'), ('pgflex_x_hr', 'hr', '0/3000000')]
    assert record['frozen_databases'] == [] and source.statements == []
    assert clock.now >= 3.0  # it waited for the slots


def test_confirm_refuses_at_once_naming_a_session_holding_a_write_transaction():
    clock = FakeClock(0.0)
    source = StubSource(clock, sessions=lambda now: [WRITER] if now >= 0.5 else [])
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock).run()
    text = str(caught.value)
    assert 'still being written' in text and 'pid 4242' in text and "'orders-api'" in text and '10.0.0.9' in text
    assert 'database shop' in text and 'Nothing was cut over' in text
    assert clock.now < 1.0  # no need to wait out the settle time


def test_confirm_refuses_after_three_tries_when_rows_keep_changing_naming_the_active_sessions():
    clock = FakeClock(0.0)
    reader = dict(WRITER, writing=False, state='idle')  # between two short transactions: no xid seen
    monitor = dict(WRITER, pid=7, application='monitor', database='hr', writing=False, state='idle')
    source = StubSource(clock, rows=lambda now: {'shop': int(now * 10), 'hr': 5},
                        wal=lambda now: '0/%X' % (0x3000000 + int(now * 100)), sessions=lambda now: [reader, monitor])
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock).run()
    text = str(caught.value)
    assert 'did not stand still in 3 tries of 2s (rows changed in shop); connections that were active meanwhile: pid 4242' in text
    assert 'monitor' not in text  # only the sessions of the database written are named
    assert clock.now >= 6.0


def test_a_checkpoint_moves_the_wal_once_then_the_source_settles():
    clock = FakeClock(0.0)
    source = StubSource(clock, wal=lambda now: '0/3000000' if now < 1.0 else '0/3000100')
    record = guard(source, clock).run()
    assert record['settle_windows'] == 2 and record['final_lsn'] == '0/3000100'


def test_wal_from_another_database_is_not_a_write_on_the_databases_cut_over():
    clock = FakeClock(0.0)
    source = StubSource(clock, wal=lambda now: '0/%X' % (0x3000000 + int(now * 100)),
                        rows=lambda now: {'shop': 10, 'hr': 5, 'analytics': int(now * 10)})
    record = guard(source, clock).run()
    assert record['settle_windows'] == 1 and record['wal_still'] is False
    assert record['other_databases_written'] == ['analytics']


def test_freeze_report_refuses_sessions_opened_before_and_puts_every_setting_back():
    clock = FakeClock(0.0)
    source = StubSource(clock, sessions=lambda now: [dict(WRITER, writing=False)], settings={'hr': 'off'})
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock, mode='freeze').run()
    assert 'open before the freeze' in str(caught.value) and 'freeze_sessions: terminate' in str(caught.value)
    assert source.statements == [('read_only', 'shop', 'on'), ('read_only', 'hr', 'on'),
                                 ('read_only', 'shop', None), ('read_only', 'hr', 'off')]
    assert source.settings == {'hr': 'off'}


def test_freeze_terminate_ends_the_sessions_and_leaves_the_databases_read_only():
    clock = FakeClock(0.0)
    ended = []
    source = StubSource(clock, sessions=lambda now: [] if ended else [dict(WRITER)])
    original = source.terminate
    source.terminate = lambda pid: (ended.append(pid), original(pid))
    the_guard = guard(source, clock, mode='freeze', sessions='terminate')
    record = the_guard.run()
    assert ended == [4242] and record['ended_sessions'] and 'pid 4242' in record['ended_sessions'][0]
    assert record['frozen_databases'] == ['shop', 'hr'] and source.settings == {'shop': 'on', 'hr': 'on'}
    assert record['final_lsn'] == '0/3000000'


def test_freeze_undone_when_the_target_does_not_confirm_before_the_deadline():
    clock = FakeClock(0.0)
    source = StubSource(clock, confirm_at=None)
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock, mode='freeze', deadline=10.0).run()
    assert caught.value.timed_out and 'final position 0/3000000' in str(caught.value)
    assert 'pgflex_x_shop (shop) at 0/1000000' in str(caught.value) and 'freeze was undone' in str(caught.value)
    assert source.settings == {} and clock.now <= 10.0


def test_a_database_without_a_streaming_slot_is_named_at_the_deadline():
    clock = FakeClock(0.0)
    source = StubSource(clock, slots=['shop'])
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock, deadline=5.0).run()
    assert 'no replication slot of the migration is streaming hr' in str(caught.value)


def test_a_settle_time_longer_than_the_time_left_is_refused_before_freezing():
    clock = FakeClock(0.0)
    source = StubSource(clock)
    with pytest.raises(GuardRefused) as caught:
        guard(source, clock, mode='freeze', deadline=1.0, settle=5).run()
    assert 'not enough to wait for the source to stand still for 5s' in str(caught.value)
    assert source.statements == []


def test_an_error_after_the_freeze_undoes_it():
    clock = FakeClock(0.0)
    source = StubSource(clock)

    def broken():
        raise RuntimeError('connection lost')
    source.row_changes = broken
    with pytest.raises(RuntimeError):
        guard(source, clock, mode='freeze').run()
    assert source.settings == {}


def test_undo_problems_are_kept():
    clock = FakeClock(0.0)
    source = StubSource(clock)
    the_guard = guard(source, clock, mode='freeze', sessions='terminate')
    the_guard.run()

    def refused(database, previous='on'):
        raise RuntimeError('permission denied')
    source.set_read_only = refused
    assert the_guard.undo() == ['shop: permission denied', 'hr: permission denied']
    assert the_guard.record['frozen_databases'] == ['hr', 'shop']


def test_describe_session_names_no_query_text():
    text = cutover_guard.describe_session(dict(WRITER, query='UPDATE secrets SET x = 1'))
    assert text == "pid 4242 (user app, application 'orders-api', client 10.0.0.9, database shop, state idle in transaction)"
