# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a wait: their argument spec, paired with the pgflex.migration.wait_options doc fragment.

The module takes its spec from here and the action plugin its defaults (it runs the module in chunks with them).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.waiter import DEFAULT_WAIT_FOR, WAIT_FOR_CHOICES

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type='bool', default=False),
    wait_for=dict(type='str', choices=WAIT_FOR_CHOICES, default=DEFAULT_WAIT_FOR),
    max_latency=dict(type='int'),
    wait_timeout=dict(type='int', default=3600),
    poll_interval=dict(type='int', default=15),
    progress_interval=dict(type='int', default=60),
    progress_file=dict(type='path'),
)


def wait_default(option):
    """The default of a wait option (None when it has none)."""
    return WAIT_ARGUMENT_SPEC[option].get('default')
