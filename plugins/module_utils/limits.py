# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The allowed range of every number a user gives a module, and the check that enforces it.

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
}
# (option, option it may not exceed): one poll must fit in the wait (a wait_timeout of 0 polls once, never sleeps).
NOT_ABOVE = (('poll_interval', 'wait_timeout'),)

# option -> why its largest value is what it is, added to the message about a value above it
ABOVE_REASONS = {'wait_timeout': wait_timeout_reason()}

DEFAULT_API_TIMEOUT = 120  # seconds a task without wait may spend on API calls, retries included


def shown(value):
    """A number as a message may show it: a 400-digit value is described, not printed."""
    text = str(value)
    return text if len(text) <= 20 else 'a %d-digit number' % len(text.lstrip('-'))


def range_text(option):
    low, high, unit = RANGES[option]
    return 'between %d and %d%s' % (low, high, ' ' + unit if unit else '')


def number_problems(params, options=None):
    """A message for every number in ``params`` outside its range; ``options`` limits which are checked."""
    problems = []
    in_range = set()
    for option in [option for option in (options or RANGES) if params.get(option) is not None]:
        value = params[option]
        low, high, _unit = RANGES[option]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append('%s must be a whole number %s; got %r' % (option, range_text(option), value))
        elif not low <= value <= high:
            reason = ABOVE_REASONS.get(option) if value > high else None
            problems.append('%s must be %s; got %s%s' % (option, range_text(option), shown(value),
                                                         ': %s' % reason if reason else ''))
        else:
            in_range.add(option)
    for smaller, larger in NOT_ABOVE:
        if smaller in in_range and larger in in_range and 0 < params[larger] < params[smaller]:
            problems.append('%s (%d) must not be above %s (%d); lower %s or raise %s'
                            % (smaller, params[smaller], larger, params[larger], smaller, larger))
    return problems
