# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migrate role's per-host report (the dict the role assembles, also written as JSON) as Markdown: the run,
why it stopped, each batch's validation and migration with the checks that did not succeed and the databases
copied, and the verification.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, duration_text, table

STEPS = ('validation', 'migration')


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


def _batches(report):
    lines = ['', '## Batches']
    for batch in report.get('batches') or []:
        lines += ['', '### Batch %s: %s' % (batch.get('batch'), ', '.join(str(d) for d in batch.get('databases') or [])), '']
        lines += table(('Step', 'Migration', 'State', 'Duration', 'Created this run'), _step_rows(batch))
        lines += _validation(batch.get('validation'))
        lines += _copied(batch.get('migration'))
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
