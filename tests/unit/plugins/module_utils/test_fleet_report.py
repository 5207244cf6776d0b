# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.pgflex.migration.plugins.module_utils import fleet_render, fleet_report, times


def migration(name, state, validation=None, dbs=None, created='2026-11-30T10:00:00Z'):
    sub = {'currentSubState': 'Completed' if state == 'Succeeded' else state}
    if validation:
        sub['validationDetails'] = validation
    if dbs:
        sub['dbDetails'] = dbs
    return {'name': name, 'properties': {'migrationWindowStartTimeInUtc': created,
                                         'currentStatus': {'state': state, 'currentSubStateDetails': sub}}}


VALIDATED = {'status': 'Succeeded', 'validationStartTimeInUtc': '2026-11-30T10:00:01.1234567Z',
             'validationEndTimeInUtc': '2026-11-30T10:00:05Z'}
REFUSED = {'status': 'Failed', 'validationStartTimeInUtc': '2026-11-30T10:00:01Z', 'validationEndTimeInUtc': '2026-11-30T10:00:03Z',
           'dbLevelValidationDetails': [{'databaseName': 'f01_legacy', 'summary': [
               {'type': 'Extensions', 'state': 'Failed', 'messages': [{'message': 'postgres_fdw is not allowed'}]}]}]}
COPIED = {'f01_app': {'migrationState': 'Succeeded', 'startedOn': '2026-11-30T10:00:10Z', 'endedOn': '2026-11-30T10:01:10Z'}}
SERVER = {'host': 'fleet01', 'resource_group': 'rg', 'server_name': 'pg-01', 'databases': ['f01_app'], 'report_dir': None}
GOOD_REPORT = {'result': 'succeeded', 'failure': None, 'databases': ['f01_app'], 'report_markdown': '/r/fleet01/fleet-1.md',
               'verification': {'verified': True, 'mismatches': [],
                                'databases': [{'database': 'f01_app', 'ok': True, 'source_rows': 1200}]}}


def succeeded_server():
    migrations = [migration('fleetb01val', 'Succeeded', VALIDATED),
                  migration('fleetb01mig', 'Succeeded', VALIDATED, COPIED, created='2026-11-30T10:00:06Z'),
                  migration('otherrun', 'Failed', created='2026-01-01T00:00:00Z')]
    return fleet_report.server_summary(SERVER, migrations, GOOD_REPORT, name_prefix='fleet')


def test_parse_time_reads_the_services_seven_fractional_digits():
    assert times.utc_text(times.parse_time('2026-11-30T10:00:01.1234567Z')) == '2026-11-30T10:00:01Z'
    assert times.parse_time('not a time') is None and times.parse_time(None) is None


def test_a_succeeded_server_counts_only_its_prefix_and_verified_rows():
    entry = succeeded_server()
    assert entry['result'] == 'succeeded' and entry['failure'] is None
    assert entry['migrations'] == 2 and entry['rows_verified'] == 1200 and entry['verified']
    assert entry['service_state'] == 'Succeeded'
    assert [(s['phase'], s['outcome']) for s in entry['spans']] == [
        ('validation', 'succeeded'), ('validation', 'succeeded'), ('copy', 'succeeded')]
    assert entry['started'] == '2026-11-30T10:00:01Z' and entry['finished'] == '2026-11-30T10:01:10Z'
    assert entry['duration_seconds'] == 69


def test_the_latest_migration_is_the_one_that_started_last_whatever_the_list_order():
    # Azure sends no systemData on migrations: the start comes from the body's own times.
    retried = [migration('fleetb01migr2', 'Succeeded', VALIDATED, COPIED, created='2026-11-30T10:00:06Z'),
               migration('fleetb01mig', 'Failed', created='2026-11-30T09:00:00Z')]
    entry = fleet_report.server_summary(SERVER, retried, None, 'fleet')
    assert entry['result'] == 'succeeded' and entry['service_state'] == 'Succeeded'
    assert fleet_report.server_summary(SERVER, list(reversed(retried)), None, 'fleet')['result'] == 'succeeded'


def test_a_failed_validation_names_the_services_reason_when_the_host_report_is_missing():
    entry = fleet_report.server_summary(SERVER, [migration('fleetb01val', 'ValidationFailed', REFUSED)], None, 'fleet')
    assert entry['result'] == 'failed'
    assert "database 'f01_legacy': Extensions Failed: postgres_fdw is not allowed" in entry['failure']
    assert entry['spans'][0]['outcome'] == 'failed'


def test_the_host_reports_failure_reason_wins():
    report = dict(GOOD_REPORT, result='failed', failure='Validation failed: password authentication failed', verification=None)
    entry = fleet_report.server_summary(SERVER, [migration('fleetb01val', 'ValidationFailed', REFUSED)], report, 'fleet')
    assert entry['result'] == 'failed' and entry['failure'] == 'Validation failed: password authentication failed'


def test_a_mismatch_makes_a_reported_success_a_failure():
    report = dict(GOOD_REPORT, verification={'verified': False, 'mismatches': ['table "a.b" differs'], 'databases': []})
    entry = fleet_report.server_summary(SERVER, [migration('fleetb01mig', 'Succeeded', VALIDATED, COPIED)], report, 'fleet')
    assert entry['result'] == 'failed' and entry['failure'] == 'table "a.b" differs'


def test_active_and_untouched_servers():
    running = migration('fleetb01mig', 'InProgress', VALIDATED, {'f01_app': {'migrationState': 'InProgress',
                                                                             'startedOn': '2026-11-30T10:00:10Z'}})
    entry = fleet_report.server_summary(SERVER, [running], GOOD_REPORT, 'fleet')
    assert entry['result'] == 'in_progress' and entry['finished'] is None and entry['spans'][-1]['end'] is None
    untouched = fleet_report.server_summary(dict(SERVER, host='fleet02'), [], None, 'fleet')
    assert untouched['result'] == 'not_run' and untouched['databases'] == ['f01_app'] and untouched['spans'] == []


def test_newest_host_report_is_read(tmp_path):
    for run_id, result in (('20261130T100000Z', 'failed'), ('20261130T110000Z', 'succeeded')):
        (tmp_path / ('fleet-%s.json' % run_id)).write_text(json.dumps(dict(GOOD_REPORT, result=result)))
    (tmp_path / 'other-20261231T000000Z.json').write_text(json.dumps(GOOD_REPORT))
    (tmp_path / 'fleet-20261130T120000Z.json').write_text('{broken')
    report = fleet_report.newest_host_report(str(tmp_path), 'fleet')
    assert report['result'] == 'succeeded' and report['report_json'].endswith('fleet-20261130T110000Z.json')
    assert fleet_report.newest_host_report(str(tmp_path / 'missing'), 'fleet') is None


def fleet():
    failed = fleet_report.server_summary(dict(SERVER, host='fleet02', server_name='pg-02'),
                                         [migration('fleetb01val', 'ValidationFailed', REFUSED)], None, 'fleet')
    return fleet_report.fleet_summary([succeeded_server(), failed], generated=times.parse_time('2026-11-30T11:00:00Z'))


def test_totals_and_order():
    summary = fleet()
    assert [s['host'] for s in summary['servers']] == ['fleet02', 'fleet01']  # failures first
    totals = summary['totals']
    assert (totals['servers'], totals['succeeded'], totals['failed'], totals['rows_verified']) == (2, 1, 1, 1200)
    assert totals['wall_time_seconds'] == 69 and summary['generated'] == '2026-11-30T11:00:00Z'
    assert all('spans' not in s for s in fleet_report.stats_view(summary)['servers'])
    json.dumps(summary)  # what the module writes and returns is plain JSON


def test_markdown_lists_every_server_and_escapes_table_cells():
    summary = fleet()
    summary['servers'][0]['failure'] = 'a | b'
    text = fleet_render.markdown(summary)
    assert '2 server(s): 1 succeeded, 1 failed' in text and 'wall time 1m09s'.lower() in text.lower()
    assert '| fleet01 | rg/pg-01 | succeeded |' in text and 'a \\| b' in text


def test_html_is_self_contained_with_one_timeline_row_per_server():
    summary = fleet()
    summary['servers'][0]['host'] = '<script>alert(1)</script>'
    page = fleet_render.html(summary)
    assert '<script>' not in page and 'http://' not in page.replace('http://www.w3.org/2000/svg', '')
    assert 'src=' not in page and 'href=' not in page
    svg = re.search(r'<svg.*</svg>', page).group(0)
    root = ET.fromstring(svg)  # well-formed XML
    rects = [e for e in root.iter() if e.tag.endswith('rect')]
    assert len(rects) == 4 and {r.get('fill') for r in rects} == {fleet_render.COLOURS['succeeded'], fleet_render.COLOURS['failed']}


def test_html_without_any_span():
    summary = fleet_report.fleet_summary([fleet_report.server_summary(SERVER, [], None)])
    assert 'No migration has started yet.' in fleet_render.html(summary)
    assert fleet_render.duration_text(3725) == '1h02m05s' and fleet_render.duration_text(None) == '-'


def test_a_prefix_counts_only_its_own_runs_names_not_a_longer_prefixs():
    other_run = [migration('fleet2b01mig', 'Failed'), migration('fleetb01migr2', 'Succeeded', VALIDATED, COPIED)]
    entry = fleet_report.server_summary(SERVER, other_run, None, 'fleet')
    assert entry['migrations'] == 1 and entry['result'] == 'succeeded'


def test_a_wave_record_adds_the_lag_read_before_the_cutover(tmp_path):
    assert fleet_report.wave_record(str(tmp_path)) is None and succeeded_server()['lag_before_cutover_seconds'] is None
    (tmp_path / fleet_report.WAVE_RECORD).write_text(json.dumps(
        {'read_at': '2026-11-30T10:01:00Z', 'lag_seconds': {'f01_app': 3, 'f01_crm': 0}}))
    record = fleet_report.wave_record(str(tmp_path))
    migrations = [migration('fleetb01mig', 'Succeeded', VALIDATED, COPIED, created='2026-11-30T10:00:06Z')]
    entry = fleet_report.server_summary(SERVER, migrations, GOOD_REPORT, name_prefix='fleet', wave=record)
    assert entry['lag_before_cutover_seconds'] == 3 and entry['lag_before_cutover'] == {'f01_app': 3, 'f01_crm': 0}
    summary = fleet_report.fleet_summary([entry])
    text = fleet_render.markdown(summary)
    assert '## Wave cutover' in text and 'f01_app 3 s, f01_crm 0 s' in text
    assert '<h2>Wave cutover</h2>' in fleet_render.html(summary)
    assert '## Wave cutover' not in fleet_render.markdown(fleet_report.fleet_summary([succeeded_server()]))


def test_a_wave_shows_the_positions_the_safe_cutover_recorded_in_the_host_report(tmp_path):
    cutover = {'mode': 'confirm', 'final_lsn': '0/3A000A8', 'settle_seconds': 5,
               'slots': [{'slot': 'pgflex_x_0', 'database': 'f01_app', 'confirmed_lsn': '0/3A000B0'}]}
    report = dict(GOOD_REPORT, batches=[{'batch': 1, 'migration': {'name': 'fleetb01mig', 'cutover': cutover}}])
    record = {'read_at': '2026-11-30T10:01:00Z', 'lag_seconds': {'f01_app': 1}}
    migrations = [migration('fleetb01mig', 'Succeeded', VALIDATED, COPIED, created='2026-11-30T10:00:06Z')]
    entry = fleet_report.server_summary(SERVER, migrations, report, name_prefix='fleet', wave=record)
    assert entry['positions_at_cutover'] == {'final': '0/3A000A8', 'f01_app': '0/3A000B0'}
    assert 'f01_app 0/3A000B0, final 0/3A000A8' in fleet_render.markdown(fleet_report.fleet_summary([entry]))
