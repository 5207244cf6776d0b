# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migrate role's per-host report: built from the results of the modules the role ran (assembled(): each
batch's validation and migration from its pg_flexible_migration runs, the verification from
pg_flexible_migration_verify), written as JSON, and as Markdown (markdown(): the run, why it stopped, each batch's
validation and migration with the checks that did not succeed and the databases copied, and the verification).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, duration_text, table
from ansible_collections.pgflex.migration.plugins.module_utils.times import utc_text

STEPS = ('validation', 'migration')

# ---- the report from the module results ------------------------------------------------------------

# What a step keeps of each database's progress, and the report of the verification's result.
DATABASE_KEYS = ('name', 'state', 'tables_completed', 'tables_total', 'tables_errored', 'started_on', 'ended_on', 'message')
VERIFICATION_KEYS = ('verified', 'summary', 'mismatches', 'databases')
# What a cutover keeps of pg_flexible_migration's safe_cutover result: the positions and what it left on the source.
CUTOVER_KEYS = ('mode', 'settle_seconds', 'final_lsn', 'slots', 'frozen_databases', 'ended_sessions')
# Check mode creates nothing, so a migration that would be created has no status yet: the plan records this one.
PLANNED_STATUS = {'state': 'WouldBeCreated', 'substate': None, 'error': None, 'databases': [],
                  'validation': {'verdict': 'not_run', 'status': None, 'checks': [], 'problems': []}}
# The kinds of the role's runs of pg_flexible_migration: a Validate migration of its own (val), the batch's
# migration (mig), its hold and cutover (cut).
RUN_KINDS = ('val', 'mig', 'cut')


def _dict(value):
    return value if isinstance(value, dict) else {}


def _utc(epoch):
    return utc_text(datetime.fromtimestamp(int(epoch), timezone.utc)) if isinstance(epoch, (int, float)) else None


def _keys(kind, option):
    """Where a run goes in its batch's record: a migration that validated first is the batch's validation too."""
    if kind == 'val':
        return ['validation']
    return ['validation', 'migration'] if option == 'validate_and_migrate' else ['migration']


def _step(first, status, seconds, ended):
    """One migration of the report: its name, option and whether this run created it come from its first run
    (``first``), what it came to from the latest (``status``); ``seconds``: this run's module time on it."""
    migration = _dict(first.get('migration'))
    return {
        'name': migration.get('name'),
        'option': first.get('option'),
        'created': bool(first.get('changed')),
        'state': status.get('state'),
        'substate': status.get('substate'),
        'error': status.get('error'),
        'started': _utc(ended - seconds) if isinstance(ended, (int, float)) else None,
        'duration_seconds': int(round(seconds)),
        'databases': [dict((key, db[key]) for key in DATABASE_KEYS if key in db)
                      for db in status.get('databases') or [] if isinstance(db, dict)],
        'validation': status.get('validation'),
    }


def batches(runs):
    """The report's batches from the role's runs of pg_flexible_migration, in the order they ran.

    Each run: ``batch`` (number), ``databases``, ``kind`` (RUN_KINDS), ``option`` (its migration_option), ``planned``
    (check mode: the migration would be created), ``ended`` (epoch seconds), and of the module's result ``changed``,
    ``duration`` and ``migration``. A cutover (cut) updates its batch's migration, which then covers the copy, the
    hold and the cutover.
    """
    found, first_runs = {}, {}
    for run in runs:
        run = _dict(run)
        number, kind = run.get('batch'), run.get('kind')
        batch = found.setdefault(number, {'batch': number, 'databases': run.get('databases') or [],
                                          'validation': {}, 'migration': {}})
        seconds = float(run.get('duration') or 0)
        first = run
        if kind == 'cut' and (number, 'mig') in first_runs:
            first, before = first_runs[(number, 'mig')]
            seconds += before
        else:
            first_runs[(number, kind)] = (run, seconds)
        planned = run.get('planned') and kind != 'cut'  # a cutover only runs on a migration that exists
        status = PLANNED_STATUS if planned else _dict(_dict(run.get('migration')).get('status'))
        step = _step(first, status, seconds, run.get('ended'))
        guard = _dict(run.get('safe_cutover'))
        if kind == 'cut' and guard.get('final_lsn'):
            step['cutover'] = dict((key, guard[key]) for key in CUTOVER_KEYS if key in guard)
        for key in _keys('mig' if kind == 'cut' else kind, first.get('option')):
            batch[key] = step
    return list(found.values())


def kept_verification(result):
    """What the report keeps of pg_flexible_migration_verify's result; None when it did not run or could not
    compare."""
    result = _dict(result)
    return dict((key, result[key]) for key in VERIFICATION_KEYS if key in result) if 'verified' in result else None


def assembled(report, runs=None, verification=None, planned=False, files=None, now=None):
    """The report as written: ``report`` (the run's facts) as given, with the batches built from ``runs`` and the
    verification from ``verification`` (the module results) when given, and what is missing filled in: when it
    finished, its result (failed when it has a failure, check_mode when it only ``planned``, else succeeded), and
    the paths of its ``files`` (json, markdown)."""
    report = dict(report)
    if runs is not None:
        report['batches'] = batches(runs)
    if verification is not None:
        report['verification'] = kept_verification(verification)
    report.setdefault('finished', _utc(now if now is not None else datetime.now(timezone.utc).timestamp()))
    report.setdefault('result', 'failed' if report.get('failure') else ('check_mode' if planned else 'succeeded'))
    for key, name in (('report_json', 'json'), ('report_markdown', 'markdown')):
        if (files or {}).get(name):
            report.setdefault(key, files[name])
    return report


def summary(report):
    """The run in four lines for the play's output: result and batches reached, verification, the two files."""
    databases = report.get('databases') or []
    try:
        planned = int(math.ceil(len(databases) / float(int(report.get('batch_size')))))
    except (TypeError, ValueError, ZeroDivisionError):
        planned = '?'
    verification = _dict(report.get('verification'))
    return ['Migration %s: %d of %s batch(es) reached' % (str(report.get('result')).upper(), len(report.get('batches') or []), planned),
            str(verification.get('summary') or 'verification: not run'),
            'Markdown report: %s' % report.get('report_markdown'),
            'JSON report: %s' % report.get('report_json')]


# ---- Markdown ----------------------------------------------------------------------------------------


def _header(report):
    result = str(report.get('result') or '')
    plan = ' (nothing was created: the migrations marked WouldBeCreated are the plan)' if result == 'check_mode' else ''
    return ['# Migration report `%s`' % report.get('name_prefix'), ''] + table(('', ''), [
        ('Result', '**%s**%s' % (result.upper(), plan)),
        ('Target server', '`%s` (resource group `%s`)' % (report.get('server_name'), report.get('resource_group'))),
        ('Source', '`%s`' % report.get('source_server')),
        ('Mode', '%s, %s database(s) per batch' % (report.get('mode'), report.get('batch_size'))),
        ('Run', '%s to %s' % (report.get('started'), report.get('finished'))),
    ])


def _step_row(key, step):
    state = step.get('state') or '-'
    if step.get('substate'):
        state += ' / %s' % step['substate']
    return (key, '`%s`' % step.get('name'), cell(state), duration_text(step.get('duration_seconds')),
            'yes' if step.get('created') else 'no (resumed or already done)')


def _step_rows(batch):
    """One row per migration of the batch: a migration that validated first (ValidateAndMigrate) is both steps."""
    validation, migration = batch.get('validation'), batch.get('migration')
    if validation and migration and validation.get('name') == migration.get('name'):
        return [_step_row('validation + migration', migration)]
    return [_step_row(key, batch[key]) for key in STEPS if batch.get(key)]


def _validation(step):
    verdict = (step or {}).get('validation')
    if not verdict:
        return []
    lines = ['', 'Validation verdict: **%s**' % verdict.get('verdict'), '']
    failing = [c for c in verdict.get('checks') or [] if states.validation_verdict(c.get('state')) != 'succeeded']
    if not failing:
        return lines + ['All checks succeeded.']
    return lines + table(('Level', 'Check', 'State', 'Messages'), [
        ('server' if c.get('level') == 'server' else cell(c.get('database')), cell(c.get('type')), cell(c.get('state')),
         cell('<br>'.join(str(m) for m in c.get('messages') or []))) for c in failing])


def _copied(step):
    databases = (step or {}).get('databases')
    if not databases:
        return []
    rows = []
    for db in databases:
        tables = '%s/%s' % (db.get('tables_completed'), db.get('tables_total'))
        if db.get('tables_errored'):
            tables += ' (%s errored)' % db['tables_errored']
        rows.append((cell(db.get('name')), cell(db.get('state')), tables, cell(db.get('message'))))
    return [''] + table(('Database', 'State', 'Tables copied', 'Message'), rows)


def _cutover(step):
    guard = (step or {}).get('cutover')
    if not guard:
        return []
    lines = ['', 'Safe cutover (%s): the source stood still for %s s at `%s`; the target confirmed it before the '
             'cutover.' % (guard.get('mode'), guard.get('settle_seconds'), guard.get('final_lsn'))]
    if guard.get('frozen_databases'):
        lines.append('Left read-only on the source: %s.' % ', '.join(str(db) for db in guard['frozen_databases']))
    return lines + [''] + table(('Database', 'Replication slot', 'Confirmed position'), [
        (cell(slot.get('database')), cell(slot.get('slot')), '`%s`' % slot.get('confirmed_lsn'))
        for slot in guard.get('slots') or [] if isinstance(slot, dict)])


def _batches(report):
    lines = ['', '## Batches']
    for batch in report.get('batches') or []:
        lines += ['', '### Batch %s: %s' % (batch.get('batch'), ', '.join(str(d) for d in batch.get('databases') or [])), '']
        lines += table(('Step', 'Migration', 'State', 'Duration', 'Created this run'), _step_rows(batch))
        lines += _validation(batch.get('validation'))
        lines += _copied(batch.get('migration'))
        lines += _cutover(batch.get('migration'))
    if not report.get('batches'):
        lines += ['', 'No batch was started.']
    return lines


def _verification(report, verify_requested):
    lines = ['', '## Verification', '']
    verification = report.get('verification')
    if not verification:
        if report.get('result') == 'check_mode':
            why = 'check mode: nothing was migrated'
        else:
            why = 'the workflow stopped before it' if verify_requested else 'migrate_verify is false'
        return lines + ['Not run (%s).' % why]
    lines += [str(verification.get('summary')), ''] + table(
        ('Database', 'Tables', 'Source rows', 'Target rows', 'Result'),
        [(cell(db.get('database')), db.get('table_count'), db.get('source_rows'), db.get('target_rows'),
          'match' if db.get('ok') else '**MISMATCH**') for db in verification.get('databases') or []])
    mismatches = verification.get('mismatches') or []
    if mismatches:
        lines += ['', 'Mismatches:', ''] + ['- %s' % problem for problem in mismatches]
    return lines


def markdown(report, verify_requested=True):
    """The report as Markdown. verify_requested: whether the run was asked to verify (says why verification is
    missing: the run stopped before it, or it was not asked for)."""
    lines = _header(report)
    if report.get('failure'):
        lines += ['', '## Why it stopped', '', str(report['failure'])]
    return '\n'.join(lines + _batches(report) + _verification(report, verify_requested)) + '\n'
