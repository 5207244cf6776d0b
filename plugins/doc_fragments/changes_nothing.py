# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # For the modules that change nothing on any server (they read, or write report files on the controller).
    DOCUMENTATION = r'''
attributes:
  diff_mode:
    support: none
    description: The module changes nothing, so there is no diff.
'''
