# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A clock that only moves when the code under test sleeps, so timing logic runs instantly and deterministically."""
from __future__ import annotations


class FakeClock(object):
    """Call it (or its monotonic()) for the time; sleep() advances it and is recorded. Also stands in for the time module."""

    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def stamp(self):
        """A readable wall-clock stand-in for progress entries."""
        return 't=%g' % self.now
