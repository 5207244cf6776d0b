"""A wave (examples/wave/, docs/waves.md) over part of the runner stage's sandbox fleet: play 1 starts online
migrations for every server and returns while they replicate; rows written meanwhile reach the targets; play 2
refuses outside its maintenance window, then cuts the whole wave over in parallel, verifies it and writes the fleet
report with each server's lag before its cutover. Re-running either play changes nothing.

The wave migrates each server's second database (f00N_crm), which the fleet play of test_fleet_runner.py leaves alone,
under its own name prefix, so it runs beside (after) that test on the same sandbox.

CI runs the 6-server wave of docs/waves.md without the re-run of the cutover play (its time budget);
PGFLEX_WAVE_SIZE=7 (or more, up to the fleet's 12) runs a larger wave with that re-run too:
    PGFLEX_WAVE_SIZE=7 PGFLEX_VENV=.venv scripts/test-all.sh --only runner"""

import datetime
import json
import os
import ssl
import sys
import urllib.request

import ansible_runner
import psycopg
import pytest
import yaml

from .conftest import ROOT

CI_WAVE_SIZE = 6
WAVE_SIZE = int(os.environ.get('PGFLEX_WAVE_SIZE') or CI_WAVE_SIZE)
PREFIX = 'wave'
SPEED = 5  # emulator speed_factor during the wave (replication and copies stay real)


def source_connection(env, dbname='postgres'):
    return psycopg.connect(host=env['PGFLEX_SOURCE_HOST'], port=int(env['PGFLEX_SOURCE_PORT']), user=env['PGFLEX_SOURCE_USER'],
                           password=env['PGFLEX_SOURCE_PASSWORD'], dbname=dbname, autocommit=True, connect_timeout=10)


def logical_source(env):
    """The servers of a wave share one source here: set wal_level=logical once, before the wave, as docs/waves.md
    advises, rather than have each migration restart the shared source."""
    with source_connection(env) as conn:
        if conn.execute('SHOW wal_level').fetchone()[0] == 'logical':
            return
        conn.execute("ALTER SYSTEM SET wal_level = 'logical'")
        data_directory = conn.execute('SHOW data_directory').fetchone()[0]
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    from emulator import local_cluster  # pylint: disable=import-outside-toplevel
    assert local_cluster.restart(data_directory)


def emulator_speed(env, factor):
    request = urllib.request.Request(env['PGFLEX_EMULATOR_URL'] + '/_emulator/settings', method='PATCH',
                                     data=json.dumps({'speed_factor': factor}).encode(),
                                     headers={'Authorization': 'Bearer ' + env['PGFLEX_EMULATOR_ADMIN_TOKEN'],
                                              'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=env['REQUESTS_CA_BUNDLE']), timeout=30):
        pass


def wave_inventory(sandbox, path):
    with open(sandbox['env']['PGFLEX_SANDBOX_FLEET_INVENTORY'], encoding='utf-8') as handle:
        inventory = yaml.safe_load(handle)
    hosts = inventory['fleet']['hosts']
    names = sorted(hosts)[:WAVE_SIZE]
    # Each server's second database: the fleet test migrates the first.
    second = dict((name, [db for db in hosts[name]['migrate_databases'] if db.endswith('_crm')]) for name in names)
    inventory['fleet']['hosts'] = dict((name, dict(hosts[name], migrate_databases=second[name])) for name in names)
    inventory['fleet']['vars'].update(migrate_name_prefix=PREFIX, migrate_setup_logical_replication=True,
                                      migrate_overwrite_databases=True, migrate_poll_interval=1, migrate_progress_interval=5)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle)
    return inventory


def play(sandbox, name, inventory_path, playbook, **extravars):
    """One ansible-runner job of a wave play: (runner, {host: [task results]} by task name)."""
    pdd = os.path.join(sandbox['dir'], 'wave', name)
    os.makedirs(pdd)
    envvars = dict(sandbox['env'], ANSIBLE_COLLECTIONS_PATH=os.environ.get('ANSIBLE_COLLECTIONS_PATH', ''),
                   ANSIBLE_CONFIG=os.path.join(ROOT, 'examples', 'ansible.cfg'))
    extravars['fleet_report_dir'] = os.path.join(sandbox['dir'], 'wave-reports')
    runner = ansible_runner.run(private_data_dir=pdd, playbook=os.path.join(ROOT, 'examples', 'wave', playbook),
                                inventory=inventory_path, envvars=envvars, extravars=extravars, forks=WAVE_SIZE, quiet=True,
                                timeout=600)
    return runner


def task_results(runner, task_name):
    """{host: result} of one task (its last result per host)."""
    found = {}
    for item in runner.events:
        data = item.get('event_data') or {}
        if item.get('event') in ('runner_on_ok', 'runner_on_failed') and data.get('task') == task_name:
            found[data['host']] = data['res']
    return found


def changed_hosts(runner):
    return sorted(runner.stats.get('changed') or {})


def write_rows(env, databases, tag):
    for name in databases:
        with source_connection(env, name) as conn:
            conn.execute("INSERT INTO crm.contacts (full_name, notes) VALUES ('Wave writer', %s)", (tag,))


@pytest.fixture(scope='module')
def wave(fleet_sandbox):
    directory = os.path.join(fleet_sandbox['dir'], 'wave')
    os.makedirs(directory, exist_ok=True)
    inventory_path = os.path.join(directory, 'inventory.yml')
    inventory = wave_inventory(fleet_sandbox, inventory_path)
    logical_source(fleet_sandbox['env'])
    emulator_speed(fleet_sandbox['env'], SPEED)
    try:
        yield dict(sandbox=fleet_sandbox, inventory=inventory, path=inventory_path)
    finally:
        emulator_speed(fleet_sandbox['env'], 1)


def test_a_wave_starts_replicating_then_cuts_over_in_one_play(wave):
    sandbox, path = wave['sandbox'], wave['path']
    hosts = sorted(wave['inventory']['fleet']['hosts'])
    databases = [wave['inventory']['fleet']['hosts'][h]['migrate_databases'][0] for h in hosts]
    reports = os.path.join(sandbox['dir'], 'wave-reports')

    runner = play(sandbox, 'start', path, 'start.yml')
    assert runner.rc == 0, runner.stdout.read()[-3000:]
    started = task_results(runner, 'Start the online migration and wait until it replicates, ready for cutover')
    assert sorted(started) == hosts
    for host, result in started.items():
        assert result['changed'] and result['migration']['status']['substate'] == 'WaitingForCutoverTrigger', (host, result)
    write_rows(sandbox['env'], databases, 'written while the wave replicates')

    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
    runner = play(sandbox, 'outside-window', path, 'cutover.yml', wave_window_start=tomorrow)
    refused = task_results(runner, 'Refuse to cut over outside the maintenance window')
    assert runner.rc != 0 and sorted(refused) == hosts and changed_hosts(runner) == []
    assert all('outside the maintenance window' in r['msg'] for r in refused.values()), refused

    now = datetime.datetime.now(datetime.timezone.utc)
    window = dict(wave_window_start=(now - datetime.timedelta(minutes=5)).strftime('%Y-%m-%dT%H:%M:%SZ'),
                  wave_window_end=(now + datetime.timedelta(hours=2)).strftime('%Y-%m-%dT%H:%M:%SZ'))
    runner = play(sandbox, 'cutover', path, 'cutover.yml', **window)
    assert runner.rc == 0, runner.stdout.read()[-3000:]
    with open(os.path.join(reports, 'fleet-report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    assert report['totals']['servers'] == WAVE_SIZE and report['totals']['succeeded'] == WAVE_SIZE, report['totals']
    for server in report['servers']:
        assert server['verified'] and server['rows_verified'] > 0, server
        assert server['lag_read_at'] and server['lag_before_cutover'], server
        # the role's safe cutover (on by default) recorded the source's final position and the slot's confirmation
        assert (server['positions_at_cutover'] or {}).get('final'), server
    with open(os.path.join(reports, 'fleet-report.md'), encoding='utf-8') as handle:
        assert '## Wave cutover' in handle.read()
    env = sandbox['env']
    for name in databases:  # the row written while replicating reached every target
        with psycopg.connect(host=env['PGFLEX_TARGET_HOST'], port=int(env['PGFLEX_TARGET_PORT']), user=env['PGFLEX_TARGET_USER'],
                             password=env['PGFLEX_TARGET_PASSWORD'], dbname=name, connect_timeout=10) as target:
            found = target.execute("SELECT count(*) FROM crm.contacts WHERE full_name = 'Wave writer'").fetchone()[0]
        assert found == 1, name

    # Re-runs change nothing: the start play (by mistake, after the cutover), and in the full wave the cutover play,
    # which keeps the lag each server had before its cutover.
    runner = play(sandbox, 'start-again', path, 'start.yml')
    assert runner.rc == 0 and changed_hosts(runner) == [], runner.stdout.read()[-3000:]
    if WAVE_SIZE > CI_WAVE_SIZE:
        runner = play(sandbox, 'cutover-again', path, 'cutover.yml', **window)
        assert runner.rc == 0 and changed_hosts(runner) == [], runner.stdout.read()[-3000:]
        with open(os.path.join(reports, 'fleet-report.json'), encoding='utf-8') as handle:
            again = json.load(handle)
        lag_reads = dict((s['host'], s['lag_read_at']) for s in report['servers'])
        assert dict((s['host'], s['lag_read_at']) for s in again['servers']) == lag_reads
