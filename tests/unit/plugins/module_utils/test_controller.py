# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

from ansible_collections.pgflex.migration.plugins.module_utils.controller import ControllerWatch, watched_ancestors

PYTHON = '/usr/bin/python3'
PLAYBOOK = [PYTHON, '/usr/bin/ansible-playbook', 'site.yml']


def add_process(proc, pid, ppid, argv, started='100', state='S'):
    """A /proc/<pid> entry with the stat and cmdline fields the watch reads."""
    directory = proc / str(pid)
    directory.mkdir(exist_ok=True)
    rest = ['0'] * 17 + [started, '0', '0']  # fields 5..24 of stat; starttime is field 22
    (directory / 'stat').write_text('%d (odd) name) %s %d %s' % (pid, state, ppid, ' '.join(rest)))
    (directory / 'cmdline').write_bytes(b'\0'.join(arg.encode() for arg in argv) + b'\0')


def local_connection_tree(proc):
    """bash -> ansible-playbook -> worker (same argv) -> sh -> module, as with the local connection."""
    add_process(proc, 10, 1, ['/bin/bash'])
    add_process(proc, 20, 10, PLAYBOOK)
    add_process(proc, 30, 20, PLAYBOOK)
    add_process(proc, 40, 30, ['/bin/sh', '-c', PYTHON + ' AnsiballZ_pg_flexible_migration.py'])
    add_process(proc, 50, 40, [PYTHON, '/root/.ansible/tmp/x/AnsiballZ_pg_flexible_migration.py'])


def test_watches_up_to_the_controller_not_the_shell_that_started_it(tmp_path):
    local_connection_tree(tmp_path)
    assert [pid for pid, _start in watched_ancestors(str(tmp_path), 50)] == [40, 30, 20]


def test_killed_controller_is_noticed_although_the_worker_lives_on(tmp_path):
    local_connection_tree(tmp_path)
    watch = ControllerWatch(str(tmp_path), 50, getppid=lambda: 40)
    assert watch.gone() is None
    os.remove(str(tmp_path / '20' / 'stat'))  # SIGKILL: the controller ends ...
    add_process(tmp_path, 30, 1, PLAYBOOK)  # ... and its worker is re-parented, still running
    assert watch.gone() == 20


def test_zombie_or_reused_pid_counts_as_gone(tmp_path):
    local_connection_tree(tmp_path)
    watch = ControllerWatch(str(tmp_path), 50, getppid=lambda: 40)
    add_process(tmp_path, 20, 10, PLAYBOOK, state='Z')
    assert watch.gone() == 20
    add_process(tmp_path, 20, 10, PLAYBOOK, started='999')
    assert watch.gone() == 20


def test_the_shell_above_the_controller_may_go(tmp_path):
    local_connection_tree(tmp_path)
    watch = ControllerWatch(str(tmp_path), 50, getppid=lambda: 40)
    os.remove(str(tmp_path / '10' / 'stat'))  # e.g. nohup ansible-playbook ... and the terminal closed
    assert watch.gone() is None


def test_async_wrapper_without_controller_watches_the_parent_only(tmp_path):
    add_process(tmp_path, 60, 1, [PYTHON, '/root/.ansible/tmp/x/AnsiballZ_async_wrapper.py', 'j1'])
    add_process(tmp_path, 61, 60, [PYTHON, '/root/.ansible/tmp/x/AnsiballZ_pg_flexible_migration.py'])
    assert [pid for pid, _start in watched_ancestors(str(tmp_path), 61)] == [60]


def test_without_proc_the_parent_pid_is_watched(tmp_path):
    parents = [40]
    watch = ControllerWatch(str(tmp_path / 'none'), 50, getppid=lambda: parents[0])
    assert watch.gone() is None
    parents[0] = 1
    assert watch.gone() == 40


def test_the_real_process_is_watched():
    assert ControllerWatch().gone() is None


def test_a_wrapper_running_ansible_playbook_is_not_watched(tmp_path):
    local_connection_tree(tmp_path)
    add_process(tmp_path, 10, 5, [PYTHON, '/usr/bin/ansible-test', 'integration'])  # ansible-test runs the playbook
    add_process(tmp_path, 5, 1, ['/bin/bash'])
    assert [pid for pid, _start in watched_ancestors(str(tmp_path), 50)] == [40, 30, 20]
