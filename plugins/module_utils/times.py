# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times: reading the service's and the user's ISO 8601 texts, and writing UTC times back.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_TIME_RE = re.compile(
    r'^(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?P<frac>\.\d+)?)?'
    r'(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?$')


def parse_time(value):
    """ISO 8601 text (or datetime) -> aware UTC datetime; no zone means UTC. None when unparseable.

    The service sends up to 7 fractional digits; the 7th is dropped (Python keeps microseconds).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    match = _TIME_RE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        return None
    try:
        year, month, day = (int(part) for part in match.group('date').split('-'))
        micro = int((match.group('frac') or '.0')[1:7].ljust(6, '0'))
        moment = datetime(year, month, day, int(match.group('h')), int(match.group('m')), int(match.group('s') or 0), micro)
    except ValueError:
        return None
    zone = match.group('tz')
    offset = timedelta(0)
    if zone and zone not in ('Z', 'z'):
        digits = zone[1:].replace(':', '')
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if zone[0] == '-':
            offset = -offset
    return (moment - offset).replace(tzinfo=timezone.utc)


def format_time(moment):
    """Aware datetime -> the API's form, fractions kept, e.g. 2026-01-02T03:04:05Z or 2026-01-02T03:04:05.500000Z."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + 'Z'


def utc_text(moment):
    """Aware datetime -> whole seconds in UTC, e.g. 2026-01-02T03:04:05Z (progress trails, reports); None for None."""
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ') if moment else None


def utc_now():
    """Now, as utc_text writes it."""
    return utc_text(datetime.now(timezone.utc))
