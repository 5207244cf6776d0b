# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet readiness summary (readiness_report.readiness_summary) as Markdown and as one self-contained HTML page,
written with the fleet report's page and table writers (fleet_render.py).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from html import escape

from ansible_collections.pgflex.migration.plugins.module_utils.fleet_render import html_table, legend, page
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, table

TITLE = 'Fleet readiness report'
COLOURS = {'blocked': '#c62828', 'not_assessed': '#757575', 'needs_preparation': '#f9a825', 'ready': '#2e7d32'}
GB = 1024 ** 3


def minutes_text(minutes):
    if minutes is None:
        return '-'
    return '%dh%02dm' % divmod(int(minutes), 60) if minutes >= 60 else '%d min' % minutes


def _intro(summary):
    totals = summary['totals']
    return ('Generated %s. %d server(s): %d blocked, %d need preparation, %d ready, %d not assessed. %d database(s), '
            '%.2f GB; estimated copy time %s in all, %s for the longest server (servers migrate side by side).' % (
                summary['generated'], totals['servers'], totals['blocked'], totals['needs_preparation'], totals['ready'],
                totals['not_assessed'], totals['databases'], totals['size_bytes'] / float(GB),
                minutes_text(totals['estimate_minutes']), minutes_text(totals['longest_server_minutes'])))


def _group_rows(groups):
    return [('`%s`' % g['check'], cell(g['item']), len(g['hosts']), cell(', '.join(g['hosts'])), cell(g['fix']))
            for g in groups]


def _server_rows(summary):
    return [(cell(s['host']), cell(s['server_name']), s['verdict'], s['blockers'], s['warnings'], cell(', '.join(s['databases'])),
             '%.2f' % (s['size_bytes'] / float(GB)), minutes_text(s['estimate_minutes']), cell(s['recommended_mode']),
             cell(s['failure'] or '; '.join('%s: %s' % (f.get('database') or '(server)', f.get('message')) for f in s['findings'])))
            for s in summary['servers']]


GROUP_HEADERS = ('Check', 'About', 'Servers', 'Hosts', 'What to do')
SERVER_HEADERS = ('Host', 'Server', 'Verdict', 'Blockers', 'Warnings', 'Databases', 'GB', 'Estimate', 'Mode', 'Findings')


def markdown(summary):
    lines = ['# %s' % TITLE, '', _intro(summary), '', '## What blocks the most servers', '']
    lines += table(GROUP_HEADERS, _group_rows(summary['blockers'])) if summary['blockers'] else ['Nothing blocks any server.']
    lines += ['', '## What to prepare', '']
    lines += table(GROUP_HEADERS, _group_rows(summary['warnings'])) if summary['warnings'] else ['Nothing to prepare.']
    lines += ['', '## Servers', ''] + table(SERVER_HEADERS, _server_rows(summary))
    return '\n'.join(lines) + '\n'


def _html_groups(groups, empty):
    if not groups:
        return '<p>%s</p>' % empty
    return html_table(GROUP_HEADERS, [(g['check'], g['item'] or '', len(g['hosts']), ', '.join(g['hosts']), g['fix'])
                                      for g in groups])


def html(summary):
    rows = [[s['host'], s['server_name'], (s['verdict'], COLOURS.get(s['verdict'])), s['blockers'], s['warnings'],
             ', '.join(s['databases']), '%.2f' % (s['size_bytes'] / float(GB)), minutes_text(s['estimate_minutes']),
             s['recommended_mode'] or '-',
             s['failure'] or '; '.join('%s: %s' % (f.get('database') or '(server)', f.get('message')) for f in s['findings'])]
            for s in summary['servers']]
    return page(TITLE, [
        '<p>%s</p><p>%s</p>' % (escape(_intro(summary)), legend(COLOURS)),
        '<h2>What blocks the most servers</h2>', _html_groups(summary['blockers'], 'Nothing blocks any server.'),
        '<h2>What to prepare</h2>', _html_groups(summary['warnings'], 'Nothing to prepare.'),
        '<h2>Servers</h2>', html_table(SERVER_HEADERS, rows)])
