# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migrate role's per-host report: built from the results of the modules the role ran (assembled(): each
batch's validation and migration from its pg_flexible_migration runs, the work after the migration from
pg_flexible_migration_finalize, the verification from pg_flexible_migration_verify), written as JSON, and as Markdown
(markdown(): the run, why it stopped, each batch's validation and migration with the checks that did not succeed and
the databases copied, the work after the migration (finalize_report.py), and the verification).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ansible_collections.pgflex.migration.plugins.module_utils import finalize_report, states
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, duration_text, not_run_text, table
from ansible_collections.pgflex.migration.plugins.module_utils.times import utc_text

STEPS = ('validation', 'migration')

# ---- the report from the module results ------------------------------------------------------------

# What a step keeps of each database's progress, and the report of the verification's result.
DATABASE_KEYS = ('name', 'state', 'tables_completed', 'tables_total', 'tables_errored', 'started_on', 'ended_on', 'message')
VERIFICATION_KEYS = ('verified', 'summary', 'mismatches', 'databases')
# What the report keeps of pg_flexible_migration_assess's result (the readiness report reads these).
ASSESSMENT_KEYS = ('verdict', 'ready', 'findings', 'sizes', 'total_size_bytes', 'estimate', 'recommended_mode', 'source',
                   'target', 'prepare')
SEVERITY_ORDER = ('blocker', 'warning', 'info')
# What a cutover keeps of pg_flexible_migration's safe_cutover result: the positions and what it left on the source.
CUTOVER_KEYS = ('mode', 'settle_seconds', 'final_lsn', 'slots', 'frozen_databases', 'ended_sessions')
# Check mode creates nothing, so a migration that would be created has no status yet: the plan records this one.
PLANNED_STATUS = {'state': 'WouldBeCreated', 'substate': None, 'error': None, 'databases': [],
                  'validation': {'verdict': states.NOT_RUN, 'status': None, 'checks': [], 'problems': []}}
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


def kept_assessment(result):
    """What the report keeps of pg_flexible_migration_assess's result; None when the assessment did not run."""
    result = _dict(result)
    return dict((key, result.get(key)) for key in ASSESSMENT_KEYS) if 'verdict' in result else None


def _result(report, planned, assessment_only):
    if report.get('failure'):
        return states.FAILED
    if assessment_only:
        return states.ASSESSED
    return states.CHECK_MODE if planned else states.SUCCEEDED


def assembled(report, runs=None, verification=None, planned=False, files=None, now=None, assessment=None,
              assessment_only=False, finalization=None):
    """The report as written: ``report`` (the run's facts) as given, with the batches built from ``runs``, the
    verification from ``verification``, the readiness assessment from ``assessment`` and the work after the
    migration from ``finalization`` (the module results) when given, and what is missing filled in: when it
    finished, its result (failed when it has a failure, assessed for an ``assessment_only`` run, check_mode when it
    only ``planned``, else succeeded), and the paths of its ``files`` (json, markdown)."""
    report = dict(report)
    if runs is not None:
        report['batches'] = batches(runs)
    if verification is not None:
        report['verification'] = kept_verification(verification)
    if assessment is not None or assessment_only:
        report['assessment'] = kept_assessment(assessment)
    if finalization is not None:
        report['finalization'] = finalize_report.kept_finalization(finalization)
    report.setdefault('finished', _utc(now if now is not None else datetime.now(timezone.utc).timestamp()))
    report.setdefault('result', _result(report, planned, assessment_only))
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
    lines = ['Migration %s: %d of %s batch(es) reached' % (str(report.get('result')).upper(), len(report.get('batches') or []), planned),
             str(verification.get('summary') or 'verification: not run'),
             'Markdown report: %s' % report.get('report_markdown'),
             'JSON report: %s' % report.get('report_json')]
    assessment = report.get('assessment')
    if assessment:
        lines.insert(0, assessment_line(assessment))
    return lines


def assessment_line(assessment):
    """'Assessment: BLOCKED (1 blocker(s), 2 warning(s))'."""
    severities = [f.get('severity') for f in assessment.get('findings') or [] if isinstance(f, dict)]
    return 'Assessment: %s (%d blocker(s), %d warning(s))' % (
        str(assessment.get('verdict')).upper(), severities.count('blocker'), severities.count('warning'))


# ---- Markdown ----------------------------------------------------------------------------------------


def _header(report):
    result = str(report.get('result') or '')
    plan = {states.CHECK_MODE: ' (nothing was created: the migrations marked WouldBeCreated are the plan)',
            states.ASSESSED: ' (assessment only: nothing was created)'}.get(result, '')
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
    failing = [c for c in verdict.get('checks') or [] if states.validation_verdict(c.get('state')) != states.SUCCEEDED]
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
        return lines + [not_run_text(report, verify_requested, 'migrate_verify')]
    lines += [str(verification.get('summary')), ''] + table(
        ('Database', 'Tables', 'Source rows', 'Target rows', 'Result'),
        [(cell(db.get('database')), db.get('table_count'), db.get('source_rows'), db.get('target_rows'),
          'match' if db.get('ok') else '**MISMATCH**') for db in verification.get('databases') or []])
    mismatches = verification.get('mismatches') or []
    if mismatches:
        lines += ['', 'Mismatches:', ''] + ['- %s' % problem for problem in mismatches]
    return lines


def _assessment(report):
    """The readiness assessment: its verdict, size and estimate, and every finding, blockers first."""
    if 'assessment' not in report:
        return []
    lines = ['', '## Readiness assessment', '']
    assessment = report.get('assessment')
    if not assessment:
        return lines + ['Not run (the run stopped before the assessment ended).']
    estimate = _dict(assessment.get('estimate'))
    lines += ['%s. %s database(s), %s byte(s), estimated copy time %s; recommended mode %s.' % (
        assessment_line(assessment), len(assessment.get('sizes') or []), assessment.get('total_size_bytes'),
        estimate.get('text') or '-', assessment.get('recommended_mode')), '']
    order = dict((name, index) for index, name in enumerate(SEVERITY_ORDER))
    findings = sorted((f for f in assessment.get('findings') or [] if isinstance(f, dict)),
                      key=lambda f: order.get(f.get('severity'), len(order)))
    return lines + table(('Severity', 'Database', 'Check', 'Finding', 'What to do'), [
        (cell(f.get('severity')), cell(f.get('database') or '(server)'), '`%s`' % f.get('check'), cell(f.get('message')),
         cell(f.get('fix'))) for f in findings])


def markdown(report, verify_requested=True, finalize_requested=True):
    """The report as Markdown. verify_requested, finalize_requested: whether the run was asked to verify, to finish
    (say why either is missing: the run stopped before it, or it was not asked for)."""
    lines = _header(report)
    if report.get('failure'):
        lines += ['', '## Why it stopped', '', str(report['failure'])]
    return '\n'.join(lines + _assessment(report) + _batches(report) + finalize_report.markdown_section(report, finalize_requested)
                     + _verification(report, verify_requested)) + '\n'
