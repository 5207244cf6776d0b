#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes of the killed-controller test.

descendants.py PID --not WORD        pids of PID's descendants whose command line lacks WORD (the module, its shells)
descendants.py --wait-gone PIDS --group PGID --within SECONDS --poll-interval SECONDS
    wait until PIDS (space separated) have ended, then until the process group is empty; fail when the module
    outlives SECONDS. Prints the measured times.
"""

from __future__ import annotations

import os
import sys
import time


def processes():
    """{pid: (ppid, pgid, command line)} of every process."""
    found = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                command = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')
        except (IOError, OSError, IndexError):
            continue
        if fields[0] not in ('Z', 'X'):
            found[int(entry)] = (int(fields[1]), int(fields[2]), command)
    return found


def descendants(root, table):
    children, todo = [], [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _pgid, _command) in table.items():
            if ppid == parent:
                children.append(pid)
                todo.append(pid)
    return children


def wait_gone(pids, group, within, poll_interval):
    started = time.monotonic()
    while any(pid in processes() for pid in pids):
        if time.monotonic() - started > within:
            print('the module process still runs %.1f s after the controller was killed' % within, file=sys.stderr)
            return 1
        time.sleep(0.1)
    module_gone = time.monotonic() - started
    while any(pgid == group for _ppid, pgid, _command in processes().values()):
        if time.monotonic() - started > within + poll_interval:
            print('processes of the killed run remain: %s' % [c for _p, g, c in processes().values() if g == group], file=sys.stderr)
            return 1
        time.sleep(0.1)
    print('killed controller: module process gone %.1f s after the kill (poll interval %s s), every process of the run '
          'gone after %.1f s' % (module_gone, poll_interval, time.monotonic() - started))
    return 0


def main(argv):
    if argv[1] == '--wait-gone':
        options = dict(zip(argv[3::2], argv[4::2]))
        return wait_gone([int(pid) for pid in argv[2].split()], int(options['--group']), float(options['--within']),
                         float(options['--poll-interval']))
    table = processes()
    word = argv[3] if len(argv) > 3 and argv[2] == '--not' else None
    print(' '.join(str(pid) for pid in descendants(int(argv[1]), table) if word is None or word not in table[pid][2]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
