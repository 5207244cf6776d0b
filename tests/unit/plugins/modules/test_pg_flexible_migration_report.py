# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_report
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import Exit, Fail, patch_exit_and_fail, run_main

REPORT = {'name_prefix': 'fleet', 'result': 'succeeded', 'server_name': 'pg-01', 'resource_group': 'rg', 'batches': [],
          'verification': None, 'failure': None, 'batch_size': 2}


@pytest.fixture
def run_module(monkeypatch):
    patch_exit_and_fail(monkeypatch)
    return lambda args: run_main(pg_flexible_migration_report.main, args)


def paths(directory):
    return {'json_path': str(directory / 'fleet-1.json'), 'markdown_path': str(directory / 'fleet-1.md')}


def test_writes_both_files_with_their_modes_and_creates_the_directory(run_module, tmp_path):
    out = tmp_path / 'reports' / 'host1'
    kind, result = run_module(dict(paths(out), report=REPORT, verification_requested=False))
    assert kind is Exit and result['changed'] is False
    assert result['files'] == {'json': str(out / 'fleet-1.json'), 'markdown': str(out / 'fleet-1.md')}
    written = json.loads((out / 'fleet-1.json').read_text())
    assert written == result['report'] == dict(REPORT, finished=written['finished'], report_json=str(out / 'fleet-1.json'),
                                               report_markdown=str(out / 'fleet-1.md'))
    text = (out / 'fleet-1.md').read_text()
    assert '| Result | **SUCCEEDED** |' in text and 'Not run (migrate_verify is false).' in text
    assert stat.S_IMODE((out / 'fleet-1.json').stat().st_mode) == 0o640
    assert stat.S_IMODE((out / 'fleet-1.md').stat().st_mode) == 0o640
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert sorted(os.listdir(str(out))) == ['fleet-1.json', 'fleet-1.md']


def test_modes_as_strings_or_numbers_and_an_existing_directory_left_alone(run_module, tmp_path):
    tmp_path.chmod(0o755)
    kind, result = run_module(dict(paths(tmp_path), report=REPORT, mode=0o600, directory_mode='0700'))
    assert kind is Exit and result['changed'] is False
    assert stat.S_IMODE((tmp_path / 'fleet-1.md').stat().st_mode) == 0o600 and stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


@pytest.mark.parametrize('option, value', [('mode', 'rw-r--r--'), ('directory_mode', '99999'), ('mode', True)])
def test_a_wrong_mode_is_refused_naming_the_option(run_module, tmp_path, option, value):
    kind, result = run_module(dict(paths(tmp_path), report=REPORT, **{option: value}))
    assert kind is Fail and result['msg'].startswith('Invalid input: %s ' % option) and 'Nothing was written' in result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_check_mode_writes_nothing(run_module, tmp_path):
    kind, result = run_module(dict(paths(tmp_path / 'out'), report=REPORT, _ansible_check_mode=True))
    assert kind is Exit and result['files']['json'].endswith('fleet-1.json')
    assert not (tmp_path / 'out').exists()


def test_an_unwritable_directory_fails_with_a_clear_message(run_module, tmp_path):
    blocker = tmp_path / 'not-a-directory'
    blocker.write_text('')
    kind, result = run_module(dict(paths(blocker / 'sub'), report=REPORT))
    assert kind is Fail and 'Traceback' not in result['msg']
    assert result['msg'].startswith('the report cannot be written to %s: ' % (blocker / 'sub' / 'fleet-1.json'))
    assert 'json_path and markdown_path' in result['msg']
    # The report is still returned, for the playbook to keep.
    assert result['report']['name_prefix'] == 'fleet' and result['summary'][0].startswith('Migration SUCCEEDED')


def test_builds_the_batches_and_the_verification_from_the_module_results(run_module, tmp_path):
    status = {'state': 'Succeeded', 'substate': 'Completed', 'error': None, 'databases': [], 'validation': {'verdict': 'succeeded'}}
    runs = [{'batch': 1, 'databases': ['app'], 'kind': 'mig', 'option': 'validate_and_migrate', 'planned': False,
             'ended': 1796032800.5, 'changed': True, 'duration': 12.4, 'migration': {'name': 'fleetb01mig', 'status': status}}]
    verify = {'verified': True, 'summary': '1 database(s) verified: all match', 'mismatches': [], 'databases': [],
              'changed': False, 'invocation': {}}
    report = dict(REPORT, databases=['app'], batches=None, verification=None, result=None)
    del report['result']
    kind, result = run_module(dict(paths(tmp_path), report=report, runs=runs, verification=verify))
    assert kind is Exit
    written = json.loads((tmp_path / 'fleet-1.json').read_text())
    assert written['result'] == 'succeeded'
    assert written['batches'][0]['migration']['name'] == written['batches'][0]['validation']['name'] == 'fleetb01mig'
    assert written['verification'] == {'verified': True, 'summary': '1 database(s) verified: all match', 'mismatches': [],
                                       'databases': []}
    assert result['summary'] == ['Migration SUCCEEDED: 1 of 1 batch(es) reached', '1 database(s) verified: all match',
                                 'Markdown report: %s' % (tmp_path / 'fleet-1.md'), 'JSON report: %s' % (tmp_path / 'fleet-1.json')]


ASSESSMENT = {'verdict': 'blocked', 'ready': False, 'total_size_bytes': 4096, 'recommended_mode': 'offline',
              'sizes': [{'database': 'legacy', 'size_bytes': 4096}], 'estimate': {'minutes': 1, 'text': '1 min'},
              'source': {}, 'target': {}, 'prepare': {'allow_extensions': ['postgres_fdw']}, 'changed': False, 'invocation': {},
              'findings': [{'severity': 'info', 'database': None, 'check': 'estimate', 'message': 'Estimated 1 min', 'fix': '-'},
                           {'severity': 'blocker', 'database': 'legacy', 'check': 'extension_not_allowed',
                            'message': 'uses postgres_fdw', 'fix': 'allow | list it', 'names': ['postgres_fdw']}]}


def test_an_assessment_only_run_keeps_the_findings_blockers_first(run_module, tmp_path):
    report = dict(REPORT, databases=['legacy'])
    del report['result']
    kind, result = run_module(dict(paths(tmp_path), report=report, runs=[], assessment=ASSESSMENT, assessment_only=True))
    assert kind is Exit
    written = json.loads((tmp_path / 'fleet-1.json').read_text())
    assert written['result'] == 'assessed'
    assert 'invocation' not in written['assessment'] and written['assessment']['prepare'] == {'allow_extensions': ['postgres_fdw']}
    assert result['summary'][0] == 'Assessment: BLOCKED (1 blocker(s), 0 warning(s))'
    text = (tmp_path / 'fleet-1.md').read_text()
    assert '**ASSESSED** (assessment only: nothing was created)' in text
    assert text.index('| blocker | legacy | `extension_not_allowed` | uses postgres_fdw | allow \\| list it |') < text.index('| info |')
    assert 'Not run (assessment only: nothing was migrated).' in text


def test_a_run_stopped_before_its_assessment_ended_says_so(run_module, tmp_path):
    report = dict(REPORT, failure='Azure said no')
    del report['result']
    run_module(dict(paths(tmp_path), report=report, assessment=None, assessment_only=True))
    written = json.loads((tmp_path / 'fleet-1.json').read_text())
    assert written['result'] == 'failed' and written['assessment'] is None
    assert 'Not run (the run stopped before the assessment ended).' in (tmp_path / 'fleet-1.md').read_text()
