# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peak memory of the sandbox's server backends (and the emulator's pg_dump / pg_restore) during a phase of bench_big.

A thread reads /proc every half second: each child of the source's and the target's postmaster, and each pg_dump
or pg_restore the sandbox's emulator runs, keeps its VmHWM (the kernel's own peak resident size: no peak between
two samples is missed, though a process that lives less than one interval may be; it counts the shared_buffers
pages the process touched). Linux only; root (or the servers' user) reads every process.
"""

from __future__ import annotations

import json
import os
import threading

TOOLS = ('pg_dump', 'pg_restore')


def postmaster_pid(cluster_json_dir):
    """The postmaster's pid of a sandbox cluster (its directory holds cluster.json and data/postmaster.pid)."""
    with open(os.path.join(cluster_json_dir, 'cluster.json'), encoding='utf-8') as handle:
        datadir = json.load(handle)['datadir']
    with open(os.path.join(datadir, 'postmaster.pid'), encoding='utf-8') as handle:
        return int(handle.readline())


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError:
        return b''


def _label(cmdline):
    """'postgres: pgflex bigdb 127.0.0.1(4242) COPY' -> 'pgflex bigdb' (client backends); 'checkpointer' (others)."""
    words = cmdline.replace('\0', ' ').split()
    if words and os.path.basename(words[0]) in TOOLS:
        return os.path.basename(words[0])
    words = words[1:] if words and words[0].startswith('postgres') else words
    if len(words) >= 3 and '(' in words[2]:
        return '%s %s backend' % (words[0], words[1])
    return ' '.join(words[:3])


class PeakMemory:
    """with PeakMemory({'source': pid, 'target': pid}, emulator_pid) as peaks: ...; then peaks.rows(): (side, label, pid, MB)."""

    def __init__(self, postmasters, emulator_pid, interval=0.5):
        self.postmasters = {pid: side for side, pid in postmasters.items()}
        self.emulator_pid = emulator_pid  # its pg_dump / pg_restore children are ours; other sandboxes' are not
        self.interval = interval
        self.peaks = {}  # pid -> (side, label, kB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self):
        for name in os.listdir('/proc'):
            if not name.isdigit():
                continue
            stat = _read('/proc/%s/stat' % name).decode('ascii', 'replace')
            if ')' not in stat:
                continue
            comm = stat[stat.index('(') + 1:stat.rindex(')')]
            ppid = int(stat[stat.rindex(')') + 2:].split()[1])
            side = self.postmasters.get(ppid) or ('tool' if comm in TOOLS and ppid == self.emulator_pid else None)
            if side is None:
                continue
            hwm = 0
            for line in _read('/proc/%s/status' % name).decode('ascii', 'replace').splitlines():
                if line.startswith('VmHWM:'):
                    hwm = int(line.split()[1])
            label = _label(_read('/proc/%s/cmdline' % name).decode('utf-8', 'replace')) or comm  # empty once it exits
            known = self.peaks.get(int(name))
            if known is None or hwm > known[2]:
                self.peaks[int(name)] = (side, known[1] if known and 'backend' in known[1] else label, hwm)

    def rows(self):
        """(side, label, pid, peak MB), biggest first."""
        return sorted(((side, label, pid, kb / 1024.0) for pid, (side, label, kb) in self.peaks.items()),
                      key=lambda row: -row[3])

    def summary(self, top=4):
        """One text line per side: its largest processes' peaks."""
        lines = []
        for side in ('source', 'target', 'tool'):
            rows = [row for row in self.rows() if row[0] == side]
            if rows:
                lines.append('  %-6s %d processes; largest: %s' % (side, len(rows), ', '.join(
                    '%s (pid %d) %.0f MB' % (label, pid, mb) for dummy, label, pid, mb in rows[:top])))
        return lines


def _cpu_fields(stat, first, count):
    """utime, stime, ... (clock ticks) from a /proc/<pid>/stat text, fields counted from 1 as in proc(5)."""
    fields = stat[stat.rindex(')') + 2:].split()  # field 3 (state) onwards
    return [int(value) for value in fields[first - 3:first - 3 + count]]


def server_cpu_seconds(postmasters):
    """CPU seconds the clusters have used so far, load-independent: each postmaster's own and its reaped children's
    (utime, stime, cutime, cstime) plus its live children's (utime, stime). A backend that just exited counts once
    the postmaster has reaped it (at once, on SIGCHLD): wait a moment after closing connections."""
    ticks = 0
    parents = set(postmasters)
    for pid in parents:
        ticks += sum(_cpu_fields(_read('/proc/%d/stat' % pid).decode('ascii', 'replace'), 14, 4))
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        stat = _read('/proc/%s/stat' % name).decode('ascii', 'replace')
        if ')' in stat and _cpu_fields(stat, 4, 1)[0] in parents:
            ticks += sum(_cpu_fields(stat, 14, 2))
    return ticks / float(os.sysconf('SC_CLK_TCK'))
