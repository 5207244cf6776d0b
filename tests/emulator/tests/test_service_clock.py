"""The service's clocks in the emulator: a migration ends Failed (DB002) 7 days after it starts, and an online migration
72 hours after a database's initial copy without its cutover; both clocks divided by speed_factor."""

import datetime
import types

import pytest

from emulator import service_clock

from .conftest import RESOURCE_GROUP, migration_body, state, substate, wait_for, wait_terminal
from .test_online import make_databases

LIFETIME = service_clock.CLOCKS.MIGRATION_LIFETIME
WINDOW = service_clock.CLOCKS.CUTOVER_WINDOW


@pytest.fixture
def restore_speed(emu):
    before = emu.admin('GET', '/settings')['speed_factor']
    yield
    emu.settings(speed_factor=before)


def _migration(started):
    return types.SimpleNamespace(props={'migrationWindowStartTimeInUtc': started.isoformat()}, migration_id='m-1')


def test_lifetime_is_seven_days_divided_by_speed():
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    settings = {'speed_factor': 1000.0}
    assert service_clock.lifetime_over(_migration(start), settings, start + datetime.timedelta(seconds=LIFETIME / 1000 - 1)) is None
    text = service_clock.lifetime_over(_migration(start), settings, start + datetime.timedelta(seconds=LIFETIME / 1000))
    assert text.startswith('DB002: Migration failed. The migration timed out') and '7 days' in text and 'm-1' in text


def test_cutover_window_counts_from_each_copy_and_spares_released_databases():
    settings = {'speed_factor': 3600.0}  # 72 hours -> 72 seconds
    m = _migration(datetime.datetime.now(datetime.timezone.utc))
    copied = {'a': 0.0, 'b': 10.0}
    assert service_clock.cutover_window_over(m, copied, [], settings, 71.9) is None
    assert "database(s) a," in service_clock.cutover_window_over(m, copied, [], settings, 72.0)
    assert service_clock.cutover_window_over(m, copied, ['a'], settings, 72.0) is None
    assert 'database(s) a, b,' in service_clock.cutover_window_over(m, copied, [], settings, 82.0)


def test_held_migration_times_out_after_the_scaled_seven_days(emu, client, server, source, target, restore_speed):
    emu.settings(speed_factor=LIFETIME / 2.0)  # 7 days -> 2 seconds
    emu.add_fault(kind='stuck', migration='aged')
    client.migrations.create(RESOURCE_GROUP, server, 'aged', migration_body(source, target, ['shop']))
    ended = wait_terminal(client, server, 'aged', timeout=60)
    assert state(ended) == 'Failed' and substate(ended) == 'Completed'
    assert ended['properties']['currentStatus']['error'].startswith('DB002: Migration failed. The migration timed out')


def test_missed_cutover_window_ends_the_online_migration(emu, client, server, source, target, restore_speed):
    make_databases(source, ['late1'])
    # The 7-day clock starts at the window start (tomorrow): only the cutover window can end this migration.
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
    client.migrations.create(RESOURCE_GROUP, server, 'late', migration_body(
        source, target, ['late1'], migrationMode='Online', migrationWindowStartTimeInUtc=tomorrow, startDataMigration='True'))
    wait_for(client, server, 'late', lambda m: substate(m) == 'WaitingForCutoverTrigger')
    emu.settings(speed_factor=WINDOW / 1.0)  # 72 hours -> 1 second
    ended = wait_terminal(client, server, 'late', timeout=60)
    error = ended['properties']['currentStatus']['error']
    assert state(ended) == 'Failed' and 'cutover window of database(s) late1' in error
    details = ended['properties']['currentStatus']['currentSubStateDetails']['dbDetails']
    assert details['late1']['migrationState'] == 'Failed'
    assert target.psql("SELECT count(*) FROM pg_subscription WHERE subname LIKE 'pgflex%'") == '0'
