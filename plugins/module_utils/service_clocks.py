# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration service's two clocks: the one home of their figures and of the arithmetic on them.

Microsoft Learn, "Best practices for seamless migration into Azure Database for PostgreSQL",
section "Migration timeline" (SOURCE_URL): each migration has a maximum lifetime of seven days
(168 hours) after it starts and times out after seven days; in online migrations the cutover window
lasts three days (72 hours) after the initial base copy completes, then times out.

What the service does not report, and what we chose (docs/service-assumptions.md, "service clocks"):

- when a migration "starts": the module counts from migrationWindowStartTimeInUtc, which the service
  fills with the creation time when none was given (recorded traffic);
- when a database's base copy completed: the module counts the cutover window from the database's
  startedOn, which is no later than that moment, so the window it shows closes no later than the
  service's: a warning may come early, never late.

The emulator loads this file by path (pure standard library) so that the service it plays and the
modules share the figures. Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

try:
    from ansible_collections.pgflex.migration.plugins.module_utils import states
    from ansible_collections.pgflex.migration.plugins.module_utils.times import parse_time
except ImportError:  # loaded by path (the emulator), which reads only the figures
    states = parse_time = None

HOUR = 3600
DAY = 24 * HOUR
MIGRATION_LIFETIME = 7 * DAY  # seconds from a migration's start until the service ends it
CUTOVER_WINDOW = 72 * HOUR  # seconds from a database's base copy until the service stops waiting for its cutover
# A wait that ends with less than this left on a clock warns (a third of the cutover window: a working day to act).
WARNING_BEFORE = 24 * HOUR
SOURCE_URL = ('https://learn.microsoft.com/azure/postgresql/migrate/migration-service/'
              'best-practices-migration-service-postgresql#migration-timeline')

# The limit that ends a migration first: a result value (service_clock.limit) and the words that describe it.
LIFETIME, CUTOVER = 'migration_lifetime', 'cutover_window'
LIMIT_WORDS = {
    LIFETIME: "the service's 7-day limit on a migration",
    CUTOVER: "the service's 72-hour cutover window",
}


def _dict(value):
    return value if isinstance(value, dict) else {}


def _text(moment):
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def lifetime_text():
    return '7 days (%d s)' % MIGRATION_LIFETIME


def wait_timeout_reason():
    """Why no wait may be longer than the migration's lifetime (the limits check adds it to its message)."""
    return ('the migration service ends a migration %s after it starts (%s), so no wait can outlast it; lower '
            'wait_timeout, or run the task again to wait on' % (lifetime_text(), SOURCE_URL))


def clock(migration, now=None):
    """The service's clock of a migration (REST JSON) as of ``now`` (aware datetime; default: the present).

    None when the migration ended or its start is unknown. Otherwise a dict:
    started_on, migration_deadline (started_on + 7 days), cutover_deadline (the earliest startedOn + 72 hours of the
    databases waiting for their cutover, or None), deadline and limit (the earlier of the two and which it is),
    seconds_left (from ``now`` to deadline, 0 once past).
    """
    properties = _dict(_dict(migration).get('properties'))
    status = _dict(properties.get('currentStatus'))
    if states.is_terminal(status.get('state')):
        return None
    started = parse_time(properties.get('migrationWindowStartTimeInUtc'))
    if started is None:
        return None
    now = now or datetime.now(timezone.utc)
    deadline, limit = started + timedelta(seconds=MIGRATION_LIFETIME), LIFETIME
    migration_deadline = deadline
    copied = [parse_time(_dict(entry).get('startedOn'))
              for entry in _dict(_dict(status.get('currentSubStateDetails')).get('dbDetails')).values()
              if states.database_state(_dict(entry).get('migrationState')).phase == states.WAITING_FOR_CUTOVER]
    copied = [moment for moment in copied if moment is not None]
    cutover_deadline = min(copied) + timedelta(seconds=CUTOVER_WINDOW) if copied else None
    if cutover_deadline is not None and cutover_deadline < deadline:
        deadline, limit = cutover_deadline, CUTOVER
    return {
        'started_on': _text(started),
        'migration_deadline': _text(migration_deadline),
        'cutover_deadline': _text(cutover_deadline) if cutover_deadline else None,
        'deadline': _text(deadline),
        'limit': limit,
        'seconds_left': max(int((deadline - now).total_seconds()), 0),
    }


def duration_text(seconds):
    """3d 04:05:06 (days shown only when there are some): a clock of days stays readable."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, seconds = divmod(rest, 60)
    text = '%02d:%02d:%02d' % (hours, minutes, seconds)
    return '%dd %s' % (days, text) if days else text


def clock_line(service_clock):
    """'service clock 2d 03:04:05 left (cutover window)' for a progress line; '' without a clock."""
    if not isinstance(service_clock, dict) or service_clock.get('seconds_left') is None:
        return ''
    limit = str(service_clock.get('limit') or LIFETIME).replace('_', ' ')
    return 'service clock %s left (%s)' % (duration_text(service_clock['seconds_left']), limit)


def warning(service_clock, name):
    """A warning when less than WARNING_BEFORE is left on the service's clock, else None."""
    if not isinstance(service_clock, dict) or service_clock.get('seconds_left') is None:
        return None
    left = service_clock['seconds_left']
    if left >= WARNING_BEFORE:
        return None
    if service_clock.get('limit') == CUTOVER:
        action = ('trigger the cutover (cutover: true, or a list of databases) before then, or the service ends the '
                  'migration and the copy is lost')
    else:
        action = 'the service ends the migration then if it has not completed'
    return ('Migration %r has %s left on %s (until %s, %s): %s.'
            % (name, duration_text(left), LIMIT_WORDS.get(service_clock.get('limit'), LIMIT_WORDS[LIFETIME]),
               service_clock.get('deadline'), SOURCE_URL, action))


def outlived_text(migration):
    """For a migration that ended Failed or Canceled having run at least 7 days (window start to window end, which the
    service fills when it ends), a sentence saying the service's limit is the likely reason; else None. The service's
    own text for a timeout is not documented, so the module says it from the times."""
    properties = _dict(_dict(migration).get('properties'))
    status = _dict(properties.get('currentStatus'))
    if states.state(status.get('state')).outcome not in (states.FAILED, states.CANCELLED):
        return None
    started = parse_time(properties.get('migrationWindowStartTimeInUtc'))
    ended = parse_time(properties.get('migrationWindowEndTimeInUtc'))
    if started is None or ended is None or (ended - started).total_seconds() < MIGRATION_LIFETIME:
        return None
    return ('It ran %s (from %s to %s), which reaches %s (%s): the service ends a migration then; start a new '
            'migration, and for an online one trigger the cutover within 72 hours of the initial copy.'
            % (duration_text((ended - started).total_seconds()), _text(started), _text(ended), LIMIT_WORDS[LIFETIME],
               SOURCE_URL))
