# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import host_report, report_text

VALIDATION = {'name': 'fleetb01val', 'state': 'Succeeded', 'substate': 'Completed', 'duration_seconds': 65, 'created': True,
              'validation': {'verdict': 'warning', 'checks': [
                  {'level': 'server', 'type': 'Connectivity', 'state': 'Succeeded', 'messages': []},
                  {'level': 'database', 'database': 'app', 'type': 'Extensions', 'state': 'Warning',
                   'messages': ['pg_cron | not allowed', 'second line']}]}}
MIGRATION = {'name': 'fleetb01mig', 'state': 'Succeeded', 'substate': None, 'duration_seconds': 30, 'created': False,
             'databases': [{'name': 'app', 'state': 'Succeeded', 'tables_completed': 3, 'tables_total': 4, 'tables_errored': 1,
                            'message': 'a | b\nc'}]}
REPORT = {'name_prefix': 'fleet', 'result': 'failed', 'server_name': 'pg-01', 'resource_group': 'rg', 'source_server': 'src:5432@u',
          'mode': 'Offline', 'batch_size': 2, 'started': '2026-11-30T10:00:00Z', 'finished': '2026-11-30T10:05:00Z',
          'failure': 'verification found a mismatch', 'batches': [{'batch': 1, 'databases': ['app'], 'validation': VALIDATION,
                                                                   'migration': MIGRATION}],
          'verification': {'summary': '1 database(s): MISMATCH in app', 'mismatches': ['app.t: 3 rows on the source, 2 on the target'],
                           'databases': [{'database': 'app', 'table_count': 4, 'source_rows': 3, 'target_rows': 2, 'ok': False}]}}


def test_markdown_carries_the_run_the_batches_and_the_verification():
    text = host_report.markdown(REPORT)
    assert text.startswith('# Migration report `fleet`\n')
    assert '| Result | **FAILED** |' in text and '| Target server | `pg-01` (resource group `rg`) |' in text
    assert '| Mode | Offline, 2 database(s) per batch |' in text and '| Run | 2026-11-30T10:00:00Z to 2026-11-30T10:05:00Z |' in text
    assert '## Why it stopped\n\nverification found a mismatch\n' in text
    assert '### Batch 1: app' in text
    assert '| validation | `fleetb01val` | Succeeded / Completed | 1m05s | yes |' in text
    assert '| migration | `fleetb01mig` | Succeeded | 30s | no (resumed or already done) |' in text
    assert 'Validation verdict: **warning**' in text
    # only the checks that did not succeed, their messages kept inside one cell
    assert 'Connectivity' not in text and '| app | Extensions | Warning | pg_cron \\| not allowed<br>second line |' in text
    assert '| app | Succeeded | 3/4 (1 errored) | a \\| b<br>c |' in text
    assert '| app | 4 | 3 | 2 | **MISMATCH** |' in text
    assert 'Mismatches:\n\n- app.t: 3 rows on the source, 2 on the target\n' in text


def test_markdown_of_a_plan_and_of_a_run_without_batches():
    plan = dict(REPORT, result='check_mode', failure=None, verification=None,
                batches=[{'batch': 1, 'databases': ['app', 'web'], 'validation': {},
                          'migration': {'name': 'fleetb01mig', 'state': 'WouldBeCreated', 'created': True, 'databases': []}}])
    text = host_report.markdown(plan)
    assert '**CHECK_MODE** (nothing was created: the migrations marked WouldBeCreated are the plan)' in text
    assert 'Why it stopped' not in text and '| validation |' not in text and '| migration | `fleetb01mig` | WouldBeCreated | - | yes |' in text
    assert 'Not run (check mode: nothing was migrated).' in text
    empty = dict(REPORT, batches=[], verification=None)
    assert 'No batch was started.' in host_report.markdown(empty)
    assert 'Not run (the workflow stopped before it).' in host_report.markdown(empty)
    assert 'Not run (migrate_verify is false).' in host_report.markdown(empty, verify_requested=False)
    all_good = dict(REPORT, batches=[{'batch': 1, 'databases': ['app'], 'validation': dict(VALIDATION, validation={
        'verdict': 'succeeded', 'checks': [{'level': 'server', 'type': 'Connectivity', 'state': 'Succeeded'}]})}])
    assert 'All checks succeeded.' in host_report.markdown(all_good)


def test_markdown_survives_a_report_with_missing_keys():
    assert '# Migration report `None`' in host_report.markdown({})


def test_write_atomically_sets_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / 'r.md'
    path.write_text('old')
    report_text.write_atomically(str(path), 'new', 0o640)
    assert path.read_text() == 'new' and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(str(tmp_path)) == ['r.md']


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / 'r.md'
    path.write_text('old')

    def broken_replace(src, dst):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(OSError):
        report_text.write_atomically(str(path), 'new', 0o640)
    assert path.read_text() == 'old' and os.listdir(str(tmp_path)) == ['r.md']


def test_table_and_cells():
    assert report_text.table(('A', 'B'), [(report_text.cell(None), report_text.cell('x|y'))]) == ['| A | B |', '| --- | --- |', '| - | x\\|y |']
    assert report_text.duration_text(3725) == '1h02m05s' and report_text.duration_text(None) == '-'


def test_a_migration_that_validated_first_is_one_row_for_both_steps():
    step = {'name': 'w1b01mig', 'option': 'validate_and_migrate', 'state': 'Succeeded', 'substate': 'Completed',
            'duration_seconds': 65, 'created': True, 'databases': [],
            'validation': {'verdict': 'succeeded', 'checks': [{'state': 'Succeeded'}]}}
    text = host_report.markdown({'name_prefix': 'w1', 'result': 'succeeded',
                                 'batches': [{'batch': 1, 'databases': ['shop'], 'validation': step, 'migration': step}]})
    assert '| validation + migration | `w1b01mig` | Succeeded / Completed | 1m05s | yes |' in text
    assert text.count('`w1b01mig`') == 1
    assert 'Validation verdict: **succeeded**' in text


def _run(batch, kind, option, status, changed=True, duration=10.0, ended=1796032800.0, name=None, planned=False):
    return {'batch': batch, 'databases': ['app', 'web'], 'kind': kind, 'option': option, 'planned': planned,
            'ended': ended, 'changed': changed, 'duration': duration,
            'migration': {'name': name or 'fleetb%02d%s' % (batch, kind), 'status': status}}


def _status(state, substate=None, databases=(), verdict='succeeded'):
    return {'state': state, 'substate': substate, 'error': None, 'terminal': True, 'outcome': None,
            'databases': [dict(db, operation='x', latency=None) for db in databases],
            'validation': {'verdict': verdict, 'checks': [], 'problems': []}}


def test_batches_from_a_validate_and_migrate_run():
    db = {'name': 'app', 'state': 'Succeeded', 'tables_completed': 3, 'tables_total': 3, 'tables_errored': 0,
          'started_on': 'a', 'ended_on': 'b', 'message': None}
    built = host_report.batches([_run(1, 'mig', 'validate_and_migrate', _status('Succeeded', 'Completed', [db]), duration=65.6)])
    step = {'name': 'fleetb01mig', 'option': 'validate_and_migrate', 'created': True, 'state': 'Succeeded',
            'substate': 'Completed', 'error': None, 'started': '2026-11-30T09:58:54Z', 'duration_seconds': 66,
            'databases': [db], 'validation': {'verdict': 'succeeded', 'checks': [], 'problems': []}}
    assert built == [{'batch': 1, 'databases': ['app', 'web'], 'validation': step, 'migration': step}]


def test_batches_validated_apart_then_migrated_and_cut_over():
    runs = [_run(1, 'val', 'validate', _status('Succeeded', verdict='warning')),
            _run(1, 'mig', 'migrate', _status('WaitingForUserAction', 'WaitingForCutoverTrigger'), duration=20.0,
                 ended=1796032900.0),
            _run(1, 'cut', 'migrate', _status('Succeeded', 'Completed'), changed=True, duration=5.0, ended=1796033000.0,
                 name='fleetb01mig'),
            _run(2, 'val', 'validate', _status('Failed'), changed=False)]
    first, second = host_report.batches(runs)
    assert first['validation']['name'] == 'fleetb01val' and first['validation']['validation']['verdict'] == 'warning'
    # The cutover updates the batch's migration: its state, and a duration over the copy and the cutover.
    migration = first['migration']
    assert (migration['name'], migration['option'], migration['created'], migration['state'], migration['duration_seconds'],
            migration['started']) == ('fleetb01mig', 'migrate', True, 'Succeeded', 25, '2026-11-30T10:02:55Z')
    assert second == {'batch': 2, 'databases': ['app', 'web'], 'migration': {},
                      'validation': dict(host_report.batches([runs[3]])[0]['validation'], created=False)}


def test_a_planned_run_is_recorded_as_would_be_created():
    built = host_report.batches([_run(1, 'mig', 'migrate', _status(None), planned=True)])
    assert built[0]['migration']['state'] == 'WouldBeCreated' and built[0]['migration']['validation']['verdict'] == 'not_run'


def test_assembled_fills_in_what_is_missing():
    files = {'json': '/r/x.json', 'markdown': '/r/x.md'}
    report = host_report.assembled({'name_prefix': 'p', 'failure': None, 'databases': ['a', 'b', 'c'], 'batch_size': 2},
                                   runs=[], verification={}, planned=True, files=files, now=1796032800)
    assert report == {'name_prefix': 'p', 'failure': None, 'databases': ['a', 'b', 'c'], 'batch_size': 2, 'batches': [],
                      'verification': None, 'finished': '2026-11-30T10:00:00Z', 'result': 'check_mode',
                      'report_json': '/r/x.json', 'report_markdown': '/r/x.md'}
    assert host_report.summary(report) == ['Migration CHECK_MODE: 0 of 2 batch(es) reached', 'verification: not run',
                                           'Markdown report: /r/x.md', 'JSON report: /r/x.json']
    failed = host_report.assembled({'failure': 'it broke'}, planned=True)
    assert failed['result'] == 'failed' and 'batches' not in failed
    assert host_report.summary(failed)[0] == 'Migration FAILED: 0 of ? batch(es) reached'


# ---- the work after the migration (pg_flexible_migration_finalize) ------------------------------------------

FINALIZED = {
    'changed': True, 'summary': '1 database(s): 2 sequence(s) checked, 1 set forward, 3 table(s) analysed, '
                                '1 login role(s) need a password on the target',
    'problems': ['login role "app": it has no password on the target'],
    'databases': [{'database': 'shop',
                   'sequences': [{'sequence': 'sales.orders_id_seq', 'state': 'fixed', 'source_value': 120,
                                  'target_before': 50, 'target_after': 120},
                                 {'sequence': 'sales.other_seq', 'state': 'ok', 'source_value': 1, 'target_before': 1,
                                  'target_after': 1}],
                   'statistics': {'mode': 'missing', 'tables': 4, 'analyzed': ['a', 'b', 'c'], 'never_analyzed_after': [],
                                  'with_column_statistics': 3}}],
    'roles': {'source_login_roles': 2, 'passwords_readable': False, 'password_encryption': 'scram-sha-256',
              'needs_password': [{'role': 'app', 'can_login_on_target': True, 'password': 'unknown', 'action': 'sign in as it'}],
              'missing_on_target': ['report']},
}


def test_the_report_keeps_and_shows_the_work_after_the_migration():
    report = host_report.assembled(dict(REPORT), finalization=FINALIZED, now=1796032800)
    assert 'changed' not in report['finalization'] and report['finalization']['roles']['missing_on_target'] == ['report']
    text = host_report.markdown(report)
    assert '## After the migration\n\n' + FINALIZED['summary'] in text
    assert '| shop | 2 | 1 | 0 | 3 of 4 | 0 | 3 |' in text
    assert '| shop | sales.orders_id_seq | 50 | 120 | 120 |' in text
    assert '| app | unknown | sign in as it |' in text
    assert 'Login roles missing on the target: report.' in text
    assert text.index('## After the migration') < text.index('## Verification')


def test_the_section_says_why_the_work_after_the_migration_did_not_run():
    stopped = host_report.assembled(dict(REPORT), finalization={}, now=1796032800)
    assert stopped['finalization'] is None
    assert 'Not run (the workflow stopped before it).' in host_report.markdown(stopped)
    assert 'Not run (migrate_finalize is false).' in host_report.markdown(stopped, finalize_requested=False)
    assert '## After the migration' not in host_report.markdown(dict(REPORT))


def test_a_safe_cutover_shows_its_positions_in_the_batch():
    guard = {'mode': 'freeze', 'databases': ['app'], 'settle_seconds': 5, 'final_lsn': '0/3A000A8', 'wal_still': True,
             'slots': [{'slot': 'pgflex_x_0', 'database': 'app', 'confirmed_lsn': '0/3A000A8', 'active': True}],
             'frozen_databases': ['app'], 'ended_sessions': []}
    cut = dict(_run(1, 'cut', 'migrate', _status('Succeeded', 'Completed'), name='fleetb01mig'), safe_cutover=guard)
    built = host_report.batches([_run(1, 'mig', 'migrate', _status('WaitingForUserAction', 'WaitingForCutoverTrigger')), cut])
    kept = built[0]['migration']['cutover']
    assert kept == dict((key, guard[key]) for key in host_report.CUTOVER_KEYS)
    text = host_report.markdown(dict(REPORT, batches=built))
    assert 'Safe cutover (freeze): the source stood still for 5 s at `0/3A000A8`' in text
    assert 'Left read-only on the source: app.' in text
    assert '| app | pgflex_x_0 | `0/3A000A8` |' in text
    # a cutover without the guard (or one that refused) adds nothing
    plain = host_report.batches([_run(1, 'cut', 'migrate', _status('Succeeded', 'Completed'))])
    assert 'cutover' not in plain[0]['migration']
