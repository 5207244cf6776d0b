# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet readiness report from role reports (read back from report directories) and assessment results."""

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_readiness_report
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, Fail, patch_exit_and_fail, run_main

GB = 1024 ** 3


def finding(check, severity, database=None, names=()):
    return {'check': check, 'severity': severity, 'database': database, 'names': list(names), 'message': '%s found' % check,
            'fix': 'fix %s' % check, 'server': 'x', 'source': 'seed'}


def assessment(verdict, findings, size_gb=1, minutes=2, databases=('app',)):
    return {'verdict': verdict, 'ready': verdict != 'blocked', 'findings': findings + [finding('estimate', 'info')],
            'sizes': [{'database': d, 'size_bytes': size_gb * GB} for d in databases], 'total_size_bytes': size_gb * GB * len(databases),
            'estimate': {'minutes': minutes, 'text': '%d min' % minutes}, 'recommended_mode': 'offline',
            'prepare': {'allow_extensions': [i for f in findings if f['check'] == 'extension_not_allowed' for i in f['names']]}}


FDW = finding('extension_not_allowed', 'blocker', 'legacy', ['postgres_fdw'])


@pytest.fixture
def run_module(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    return lambda args: run_main(pg_flexible_migration_readiness_report.main, args)


def write_report(directory, name, report):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(report))


def test_groups_blockers_by_what_they_name_most_servers_first_and_totals_the_fleet(run_module, tmp_path):
    # s1 has a role report on disk (an older one without assessment is skipped for the newer one), the others give
    # their assessment directly; s4's role stopped before its assessment.
    write_report(tmp_path / 'r1', 'p-20261201T100000Z.json', {'result': 'failed', 'assessment': assessment('blocked', [
        FDW, finding('extension_not_allowed', 'blocker', 'geo', ['postgres_fdw', 'hstore'])], minutes=90)})
    write_report(tmp_path / 'r1', 'p-20261130T100000Z.json', {'result': 'succeeded'})
    servers = [
        {'host': 's1', 'server_name': 'pg-1', 'report_dir': str(tmp_path / 'r1'), 'name_prefix': 'p'},
        {'host': 's2', 'report': {'assessment': assessment('blocked', [FDW])}},
        {'host': 's3', 'report': assessment('needs_preparation', [finding('replica_identity', 'warning', 'app', ['public.log'])])},
        {'server_name': 'pg-4', 'report': {'result': 'failed', 'failure': 'Azure said no', 'assessment': None}},
        {'host': 's5', 'report': assessment('ready', [], size_gb=2, minutes=5)},
    ]
    kind, result = run_module({'servers': servers, 'dest': str(tmp_path / 'out')})
    assert kind is Exit and result['changed'] is False
    report = result['report']
    assert [s['host'] for s in report['servers']] == ['s1', 's2', 'pg-4', 's3', 's5']
    assert [s['verdict'] for s in report['servers']] == ['blocked', 'blocked', 'not_assessed', 'needs_preparation', 'ready']
    assert report['servers'][2]['failure'] == 'Azure said no'
    assert [(g['check'], g['item'], g['hosts']) for g in report['blockers']] == [
        ('extension_not_allowed', 'postgres_fdw', ['s1', 's2']), ('extension_not_allowed', 'hstore', ['s1'])]
    assert report['warnings'][0]['item'] == 'public.log'
    assert report['servers'][0]['prepare'] == {'allow_extensions': ['postgres_fdw', 'postgres_fdw', 'hstore']}
    totals = report['totals']
    assert (totals['servers'], totals['blocked'], totals['needs_preparation'], totals['ready'], totals['not_assessed']) == (5, 2, 1, 1, 1)
    assert totals['estimate_minutes'] == 90 + 2 + 2 + 5 and totals['longest_server_minutes'] == 90
    assert totals['size_bytes'] == 5 * GB and totals['databases'] == 4
    assert result['summary'] == '5 server(s): 2 blocked, 1 need preparation, 1 ready, 1 not assessed'
    markdown = (tmp_path / 'out' / 'readiness-report.md').read_text()
    assert '| `extension_not_allowed` | postgres_fdw | 2 | s1, s2 | fix extension_not_allowed |' in markdown
    assert 'estimated copy time 1h39m in all, 1h30m for the longest server' in markdown
    written = json.loads((tmp_path / 'out' / 'readiness-report.json').read_text())
    assert written['servers'][0]['findings'][0]['check'] == 'extension_not_allowed'


def test_the_html_page_is_self_contained_and_escapes_names(run_module, tmp_path):
    servers = [{'host': '<script>alert(1)</script>', 'report': assessment('blocked', [FDW])}]
    run_module({'servers': servers, 'dest': str(tmp_path)})
    page = (tmp_path / 'readiness-report.html').read_text()
    assert page.startswith('<!DOCTYPE html>') and '<script>' not in page
    assert not re.search(r'(src|href)=', page) and 'http' not in page
    assert '<td style="color:#c62828">blocked</td>' in page


def test_check_mode_writes_nothing_and_a_server_without_a_name_is_refused(run_module, tmp_path):
    kind, result = run_module({'servers': [{'host': 'a', 'report': assessment('ready', [])}], 'dest': str(tmp_path / 'x'),
                               '_ansible_check_mode': True})
    assert kind is Exit and not (tmp_path / 'x').exists() and result['report']['totals']['ready'] == 1
    kind, result = run_module({'servers': [{'host': 'a'}, {'report_dir': str(tmp_path)}], 'dest': str(tmp_path)})
    assert kind is Fail and 'servers[1] has neither host nor server_name' in result['msg']


def test_a_server_without_any_report_is_not_assessed(run_module, tmp_path):
    kind, result = run_module({'servers': [{'host': 'a', 'report_dir': str(tmp_path / 'missing')}], 'dest': str(tmp_path)})
    [server] = result['report']['servers']
    assert server['verdict'] == 'not_assessed' and 'migrate_assess_only' in server['failure']
    assert 'Nothing blocks any server.' in (tmp_path / 'readiness-report.md').read_text()
