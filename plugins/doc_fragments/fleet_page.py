# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Where a fleet page (the fleet and readiness reports) writes its three files (argument spec: FLEET_PAGE_SPEC in
    # module_utils/report_text.py, which also names the files).
    DOCUMENTATION = r'''
options:
  dest:
    description:
      - Directory for the report files; created when missing.
    type: path
    required: true
'''
