# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The time budget of a module's Azure calls (argument spec: API_TIMEOUT_SPEC in module_utils/limits.py). The
    # migration module documents its own: with wait=true its wait_timeout bounds the task instead.
    DOCUMENTATION = r'''
options:
  api_timeout:
    description:
      - Seconds the task may take at most, including retries of throttled (429) or failed (5xx, dropped connection)
        API calls and slow answers. When it runs out, the task fails and the message names this option.
      - Between 1 and 86400.
    type: int
    default: 120
'''
