# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The allowed range of every number a user gives a module (input_checks.number_problems enforces them).

Ansible's int type has no bounds: without these, 10**400 seconds overflows the clock arithmetic and
10**12 seconds between two polls waits forever. The module documentation states the same ranges.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.service_clocks import MIGRATION_LIFETIME, wait_timeout_reason

DAY = 86400

# option -> (smallest, largest, unit)
RANGES = {
    'wait_timeout': (0, MIGRATION_LIFETIME, 'seconds'),  # 0 reads the status once; no wait outlasts the migration
    'poll_interval': (1, 3600, 'seconds'),
    'progress_interval': (1, 3600, 'seconds'),  # neither floods the output nor stays silent for more than an hour
    'max_latency': (0, DAY, 'seconds'),  # replication lag to hold for before a cutover
    'api_timeout': (1, DAY, 'seconds'),
    'connect_timeout': (1, 3600, 'seconds'),
    'source_port': (1, 65535, ''),
    'target_port': (1, 65535, ''),
    'cutover_settle_seconds': (1, 3600, 'seconds'),  # safe cutover: how long the source must stand still
}
# (option, option it may not exceed): one poll must fit in the wait (a wait_timeout of 0 polls once, never sleeps).
NOT_ABOVE = (('poll_interval', 'wait_timeout'),)

# option -> why its largest value is what it is, added to the message about a value above it
ABOVE_REASONS = {'wait_timeout': wait_timeout_reason()}

DEFAULT_API_TIMEOUT = 120  # seconds a task without wait may spend on API calls, retries included
# The option's argument spec (docs: the pgflex.migration.api_timeout fragment, or the migration module's own).
API_TIMEOUT_SPEC = {'api_timeout': dict(type='int', default=DEFAULT_API_TIMEOUT)}
