# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet summary (fleet_report.fleet_summary) as Markdown and as one self-contained HTML page whose timeline is
inline SVG: one row per server, its validation and copy spans coloured by outcome. page() and html_table() write
the readiness report's page too (readiness_render.py). No scripts, fonts or other
network resources, so the page opens anywhere (an AWX artifact, a mail attachment, an air-gapped desk).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from html import escape

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.times import parse_time
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import cell, duration_text, table

# By outcome (states.OUTCOMES): a server's result and a timeline span's outcome.
COLOURS = {states.SUCCEEDED: '#2e7d32', states.WARNING: '#f9a825', states.FAILED: '#c62828', states.CANCELLED: '#757575',
           states.IN_PROGRESS: '#1565c0'}
# Validation spans are drawn lighter than copy spans of the same outcome.
PHASE_OPACITY = {'validation': '0.55', 'copy': '1'}
ROW, LABEL, WIDTH, AXIS = 22, 230, 900, 30


def server_labels(summary):
    """{id(entry): 'resource group/server'}, led by the subscription when the fleet spans several (a name is unique
    only within its subscription)."""
    several = len(set(server.get('subscription_id') for server in summary['servers'])) > 1

    def label(server):
        parts = (server.get('subscription_id') if several else None, server['resource_group'], server['server_name'])
        return '/'.join(part for part in parts if part)
    return dict((id(server), label(server)) for server in summary['servers'])


def markdown(summary):
    totals = summary['totals']
    labels = server_labels(summary)
    lines = ['# Fleet migration report', '',
             'Generated %s. %d server(s): %d succeeded, %d failed, %d in progress, %d not run. %d database(s), %d row(s) verified, '
             '%d migration(s). Wall time %s (%s to %s).' % (
                 summary['generated'], totals['servers'], totals['succeeded'], totals['failed'], totals['in_progress'],
                 totals['not_run'], totals['databases'], totals['rows_verified'], totals['migrations'],
                 duration_text(totals['wall_time_seconds']), totals['started'] or '-', totals['finished'] or '-'),
             '']
    rows = []
    for server in summary['servers']:
        state = '/'.join(s for s in (server['service_state'], server['service_substate']) if s) or '-'
        rows.append([cell(v) for v in (
            server['host'], labels[id(server)], server['result'], state,
            ', '.join(server['databases']), server['rows_verified'], duration_text(server['duration_seconds']), server['failure'],
            server['report_markdown'])])
    lines.extend(table(('Host', 'Server', 'Result', 'Service state', 'Databases', 'Rows verified', 'Duration', 'Failure', 'Report'),
                       rows))
    waves = [server for server in summary['servers'] if server.get('lag_read_at')]
    if waves:
        lines.extend(['', '## Wave cutover', '', 'Replication lag of each server read just before its cutover.', ''])
        lines.extend(table(('Host', 'Lag before cutover', 'Per database', 'Read at', 'Positions at cutover'), [[cell(v) for v in (
            server['host'], lag_text(server['lag_before_cutover_seconds']), per_database_lag(server['lag_before_cutover']),
            server['lag_read_at'], positions_text(server.get('positions_at_cutover')))] for server in waves]))
    return '\n'.join(lines) + '\n'


def lag_text(seconds):
    return '-' if seconds is None else '%s s' % seconds


def per_database_lag(lags):
    return ', '.join('%s %s' % (name, lag_text(lags[name])) for name in sorted(lags or {})) or '-'


def positions_text(positions):
    if not positions:
        return '-'
    if isinstance(positions, dict):
        return ', '.join('%s %s' % (key, positions[key]) for key in sorted(positions))
    return str(positions)


def _timeline(summary):
    """Inline SVG: one row per server, time on the x axis from the first span start to the last span end."""
    moments = [parse_time(t) for s in summary['servers'] for span in s['spans'] for t in (span['start'], span['end']) if t]
    servers = summary['servers']
    height = AXIS + ROW * max(1, len(servers)) + 10
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="Migration timeline">'
             % (LABEL + WIDTH + 20, height)]
    if not moments:
        parts.append('<text x="10" y="20">No migration has started yet.</text></svg>')
        return ''.join(parts)
    first, last = min(moments), max(moments)
    scale = WIDTH / max(1.0, (last - first).total_seconds())

    def x_of(moment):
        return LABEL + (moment - first).total_seconds() * scale

    for tick in range(6):
        x = LABEL + WIDTH * tick / 5
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="14" font-size="11" '
                     'text-anchor="middle">+%s</text>' % (x, AXIS - 8, x, height, x, escape(duration_text(
                         (last - first).total_seconds() * tick / 5))))
    for row, server in enumerate(servers):
        y = AXIS + row * ROW
        parts.append('<text x="4" y="%d" font-size="12" fill="%s">%s</text>' % (
            y + 15, COLOURS.get(server['result'], '#000'), escape(server['host'])))
        for span in server['spans']:
            start = parse_time(span['start'])
            end = parse_time(span['end']) or last
            colour = COLOURS.get(span['outcome'], COLOURS[states.IN_PROGRESS])
            title = '%s %s %s: %s to %s (%s)' % (server['host'], span['migration'], span['phase'], span['start'], span['end'] or 'now',
                                                 span['outcome'])
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="%s"><title>%s</title></rect>' % (
                x_of(start), y + 3, max(2.0, x_of(end) - x_of(start)), ROW - 6, colour, PHASE_OPACITY.get(span['phase'], '1'),
                escape(title)))
    parts.append('</svg>')
    return ''.join(parts)


def page(title, parts):
    """One self-contained HTML page: the title as heading, then ``parts`` (HTML already escaped), inline style only.
    The fleet report and the readiness report (readiness_render.py) are both written by it."""
    return ''.join(['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>' % escape(title),
                    '<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;',
                    'padding:3px 6px;font-size:13px;text-align:left;vertical-align:top}</style></head><body>',
                    '<h1>%s</h1>' % escape(title)] + list(parts) + ['</body></html>\n'])


def html_table(headers, rows):
    """An HTML table; each cell is text (escaped here) or (text, colour) for coloured text."""
    def td(value):
        text, colour = value if isinstance(value, tuple) else (value, None)
        style = ' style="color:%s"' % colour if colour else ''
        return '<td%s>%s</td>' % (style, escape('' if text is None else str(text)))
    return ''.join(['<table><tr>', ''.join('<th>%s</th>' % escape(h) for h in headers), '</tr>']
                   + ['<tr>%s</tr>' % ''.join(td(v) for v in row) for row in rows] + ['</table>'])


def legend(colours):
    return ' '.join('<span style="background:%s;color:#fff;padding:1px 6px;border-radius:3px">%s</span>' % (colour, escape(name))
                    for name, colour in colours.items())


def html(summary):
    totals = summary['totals']
    labels = server_labels(summary)
    rows = [[server['host'], labels[id(server)],
             (server['result'], COLOURS.get(server['result'], '#000')), ', '.join(server['databases']), server['rows_verified'],
             duration_text(server['duration_seconds']), server['failure'] or '', server['report_markdown'] or '']
            for server in summary['servers']]
    return page('Fleet migration report', [
        '<p>Generated %s. <b>%d</b> server(s): <b>%d</b> succeeded, <b>%d</b> failed, %d in progress, '
        '%d not run; %d database(s), %d row(s) verified; wall time %s.</p>' % (
            escape(summary['generated']), totals['servers'], totals['succeeded'], totals['failed'], totals['in_progress'],
            totals['not_run'], totals['databases'], totals['rows_verified'], escape(duration_text(totals['wall_time_seconds']))),
        '<h2>Timeline</h2><p>%s &mdash; lighter bars: validation, solid bars: copy.</p>' % legend(COLOURS),
        _timeline(summary),
        _wave_html(summary),
        '<h2>Servers</h2>',
        html_table(('Host', 'Server', 'Result', 'Databases', 'Rows verified', 'Duration', 'Failure', 'Report'), rows)])


def _wave_html(summary):
    """The wave cutover table (lag read just before each server's cutover), when the wave play recorded one."""
    waves = [server for server in summary['servers'] if server.get('lag_read_at')]
    if not waves:
        return ''
    rows = [(server['host'], lag_text(server['lag_before_cutover_seconds']), per_database_lag(server['lag_before_cutover']),
             server['lag_read_at'], positions_text(server.get('positions_at_cutover'))) for server in waves]
    return ('<h2>Wave cutover</h2><p>Replication lag of each server read just before its cutover.</p>'
            + html_table(('Host', 'Lag before cutover', 'Per database', 'Read at', 'Positions at cutover'), rows))
