# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Notice that the ansible-playbook run that started this module is gone, so a long wait can stop.

Killing ansible-playbook (SIGKILL, an OOM kill, a cancelled AWX job) does not end its worker: the worker
is a forked child blocked on the module's output, and the module is the worker's grandchild (under
/bin/sh). So the module's own parent never changes and getppid() says nothing. What does change is the
chain of ancestors: the controller process ends (or turns zombie) and the worker is re-parented.

ControllerWatch records the ancestors from the module's parent up to the controller - the first ansible
process met (the worker) and the ancestors sharing its command line (the ansible-playbook process it was
forked from) - each with its start time, and reports the controller gone once one of them has ended. Without /proc (not
Linux) it falls back to the parent process only. Async tasks run under a daemonised wrapper whose chain
holds no ansible process; then only that wrapper is watched, so an async job outlives its controller as
it should.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import os

MAX_DEPTH = 16  # sh, sudo, worker, controller, ... - never the whole process tree


def _stat(proc, pid):
    """(parent pid, start time, state) of a process, or None when it no longer exists."""
    try:
        with open(os.path.join(proc, str(pid), 'stat')) as handle:
            text = handle.read()
    except (IOError, OSError):
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = text.rsplit(')', 1)[-1].split()
    try:
        return int(fields[1]), fields[19], fields[0]
    except (IndexError, ValueError):
        return None


def _command(proc, pid):
    """The process's command line (bytes), or b'' when unreadable."""
    try:
        with open(os.path.join(proc, str(pid), 'cmdline'), 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return b''


def _is_ansible(command):
    """Whether a command line runs an ansible command (ansible-playbook, ansible, ...)."""
    return any(os.path.basename(arg).startswith(b'ansible') for arg in command.split(b'\0')[:2])


def watched_ancestors(proc='/proc', pid=None):
    """[(pid, start time)] from the parent of ``pid`` up to the controller, or None without /proc."""
    pid = os.getpid() if pid is None else pid
    own = _stat(proc, pid)
    if own is None:
        return None
    chain = []
    controller = None  # command line of the first ansible process: the worker, forked from the controller
    parent = own[0]
    while parent > 1 and len(chain) < MAX_DEPTH:
        info = _stat(proc, parent)
        if info is None:
            break
        command = _command(proc, parent)
        if controller is not None and command != controller:
            break  # what started ansible-playbook (a shell, CI, ansible-test) may come and go
        if controller is None and _is_ansible(command):
            controller = command
        chain.append((parent, info[1]))
        parent = info[0]
    if controller is None:
        chain = chain[:1]  # no controller in sight (async wrapper, remote host): watch the parent only
    return chain


class ControllerWatch(object):
    """gone() is True once a process between this module and its controller has ended."""

    def __init__(self, proc='/proc', pid=None, getppid=os.getppid):
        self._proc = proc
        self._getppid = getppid
        self._parent = getppid()
        self._chain = watched_ancestors(proc, pid)

    def gone(self):
        """The pid of the first watched ancestor that ended, or None while all are there."""
        if self._chain is None:
            return self._parent if self._getppid() != self._parent else None
        for pid, started in self._chain:
            info = _stat(self._proc, pid)
            if info is None or info[1] != started or info[2] in ('Z', 'X'):
                return pid
        return None
