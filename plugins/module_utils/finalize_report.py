# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-host report's section "After the migration": what pg_flexible_migration_finalize did (sequences set
forward, tables analysed, login roles that need a password). host_report.py assembles and renders the whole report.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, not_run_text, table

FINALIZATION_KEYS = ('summary', 'problems', 'databases', 'roles')


def kept_finalization(result):
    """What the report keeps of pg_flexible_migration_finalize's result; None when it did not run."""
    result = result if isinstance(result, dict) else {}
    return dict((key, result[key]) for key in FINALIZATION_KEYS if key in result) if 'summary' in result else None


def _database_row(result):
    sequences = result.get('sequences') or []
    statistics = result.get('statistics') or {}
    return (cell(result.get('database')), len(sequences),
            sum(1 for entry in sequences if entry.get('state') == 'fixed'),
            sum(1 for entry in sequences if entry.get('state') in ('behind', 'missing_on_target')),
            '%d of %s' % (len(statistics.get('analyzed') or []), statistics.get('tables')),
            len(statistics.get('never_analyzed_after') or []), statistics.get('with_column_statistics'))


def _sequences_set(finalization):
    rows = [(cell(result.get('database')), cell(entry.get('sequence')), cell(entry.get('target_before')),
             cell(entry.get('target_after')), cell(entry.get('source_value')))
            for result in finalization.get('databases') or [] for entry in result.get('sequences') or []
            if entry.get('state') == 'fixed']
    if not rows:
        return []
    return ['', 'Sequences set forward:', ''] + table(('Database', 'Sequence', 'Before', 'After', 'Source'), rows)


def _roles(finalization):
    roles = finalization.get('roles')
    if not roles:
        return []
    needs = roles.get('needs_password') or []
    lines = ['', 'Login roles of the source: %s; %d need a password on the target%s.' % (
        roles.get('source_login_roles'), len(needs),
        '' if roles.get('passwords_readable') else ' (passwords are not readable by the target user: listed as unknown)')]
    if needs:
        lines += [''] + table(('Role', 'Password', 'What to do'),
                              [(cell(entry.get('role')), cell(entry.get('password')), cell(entry.get('action'))) for entry in needs])
    if roles.get('missing_on_target'):
        lines += ['', 'Login roles missing on the target: %s.' % ', '.join(str(name) for name in roles['missing_on_target'])]
    return lines


def markdown_section(report, requested=True):
    """The section's lines; none for a report written without it (no 'finalization' key)."""
    if 'finalization' not in report:
        return []
    lines = ['', '## After the migration', '']
    finalization = report.get('finalization')
    if not finalization:
        return lines + [not_run_text(report, requested, 'migrate_finalize')]
    lines += [str(finalization.get('summary')), ''] + table(
        ('Database', 'Sequences', 'Set forward', 'Behind or missing', 'Tables analysed', 'Never analysed', 'With column statistics'),
        [_database_row(result) for result in finalization.get('databases') or []])
    lines += _sequences_set(finalization) + _roles(finalization)
    problems = finalization.get('problems') or []
    if problems:
        lines += ['', 'Left to do:', ''] + ['- %s' % problem for problem in problems]
    return lines
