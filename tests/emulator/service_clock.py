"""The service's two clocks, as the emulated service enforces them: a migration ends 7 days after it starts, and an
online migration 72 hours after a database's initial copy completed without its cutover (Microsoft Learn, "Best
practices ... Migration timeline"). The figures are the collection's (plugins/module_utils/service_clocks.py, loaded by
path so that the service the emulator plays and the modules share them); both are divided by the speed_factor setting,
so a test sees a clock run out in seconds (docs/emulator.md). How the service ends such a migration is not documented:
the emulator ends it Failed with DB002 (docs/service-assumptions.md, "service clocks")."""

import datetime

from . import collection_code
from .bodies import parse_time
from .error_codes import error_text

CLOCKS = collection_code.load('service_clocks')


class TimedOut(Exception):
    """One of the service's clocks ran out; the argument is the migration's error text."""


def scaled(seconds, settings):
    """Seconds of the service's clock -> real seconds in the emulator (divided by speed_factor)."""
    return seconds / max(float(settings['speed_factor']), 1e-6)


def lifetime_over(migration, settings, now=None):
    """The error text that ends ``migration`` once its scaled 7-day lifetime has passed, else None. The clock starts at
    migrationWindowStartTimeInUtc (the creation time unless a later window was given)."""
    start = parse_time(migration.props.get('migrationWindowStartTimeInUtc'), 'migrationWindowStartTimeInUtc')
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if (now - start).total_seconds() < scaled(CLOCKS.MIGRATION_LIFETIME, settings):
        return None
    return error_text('DB002', 'The migration timed out: it reached the maximum lifetime of a migration, 7 days (168 hours) '
                               'after it started, before it completed. Start a new migration.', migration.migration_id)


def cutover_window_over(migration, copied_at, released, settings, now):
    """The error text that ends an online migration once a database waited longer than the scaled 72-hour cutover window
    for its cutover (``copied_at``: database -> time.monotonic() its initial copy completed; ``released``: databases whose
    cutover was triggered), else None."""
    window = scaled(CLOCKS.CUTOVER_WINDOW, settings)
    missed = sorted(name for name, moment in copied_at.items() if name not in released and now - moment >= window)
    if not missed:
        return None
    return error_text('DB002', 'The migration timed out: the cutover window of database(s) %s, 72 hours after their initial '
                               'copy completed, closed without a cutover. Start a new migration and trigger the cutover '
                               'within 72 hours of the initial copy.' % ', '.join(missed), migration.migration_id)
