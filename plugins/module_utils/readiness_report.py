# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet readiness summary: one entry per server from its readiness assessment (the migrate role's report, or a
pg_flexible_migration_assess result), the fleet's totals, and the findings grouped by what they are about (a check
and, where it names some, one extension, table, role...) with the servers they concern, most servers first.

Pure functions on dicts; rendering is in readiness_render.py. Internal to the pgflex.migration collection; not a
public API.
"""

from __future__ import annotations

import datetime

from ansible_collections.pgflex.migration.plugins.module_utils.fleet_report import newest_host_report
from ansible_collections.pgflex.migration.plugins.module_utils.times import utc_text

# A server's verdict, most urgent first (the servers and the totals are listed in this order).
VERDICTS = ('blocked', 'not_assessed', 'needs_preparation', 'ready')


def assessment_of(report):
    """The assessment in a role report ('assessment'), or the report itself when it is an assessment result."""
    report = report if isinstance(report, dict) else {}
    if 'verdict' in report and 'findings' in report:
        return report
    assessment = report.get('assessment')
    return assessment if isinstance(assessment, dict) and 'verdict' in assessment else None


def newest_assessed_report(report_dir, name_prefix=None):
    """The newest JSON report the migrate role wrote in report_dir that holds an assessment, or None."""
    return newest_host_report(report_dir, name_prefix, holding='assessment')


def server_entry(server, report):
    """One server's entry. server: {host, server_name, resource_group}; report: its role report or assessment (or None)."""
    report = report if isinstance(report, dict) else {}
    assessment = assessment_of(report)
    findings = [f for f in (assessment or {}).get('findings') or [] if isinstance(f, dict)]
    estimate = (assessment or {}).get('estimate') or {}
    if assessment:
        verdict, failure = assessment.get('verdict'), None
    else:
        verdict = 'not_assessed'
        failure = report.get('failure') or 'no assessment found: run the migrate role with migrate_assess_only: true'
    severities = [f.get('severity') for f in findings]
    return {
        'host': server.get('host') or server.get('server_name') or report.get('server_name'),
        'server_name': server.get('server_name') or report.get('server_name'),
        'resource_group': server.get('resource_group') or report.get('resource_group'),
        'verdict': verdict,
        'blockers': severities.count('blocker'),
        'warnings': severities.count('warning'),
        'databases': [item.get('database') for item in (assessment or {}).get('sizes') or []],
        'size_bytes': (assessment or {}).get('total_size_bytes') or 0,
        'estimate_minutes': estimate.get('minutes'),
        'estimate_text': estimate.get('text'),
        'recommended_mode': (assessment or {}).get('recommended_mode'),
        'prepare': (assessment or {}).get('prepare') or {},
        'findings': [f for f in findings if f.get('severity') in ('blocker', 'warning')],
        'failure': failure,
        'report_markdown': report.get('report_markdown'),
    }


def grouped(servers, severity):
    """The findings of one severity grouped by (check, item): each group with the hosts it concerns, its message
    and fix (of its first finding), most hosts first."""
    groups = {}
    for server in servers:
        for found in server['findings']:
            if found.get('severity') != severity:
                continue
            for item in found.get('names') or [None]:
                group = groups.setdefault((found.get('check'), item), {
                    'check': found.get('check'), 'item': item, 'hosts': [], 'databases': 0, 'error_code': found.get('error_code'),
                    'message': found.get('message'), 'fix': found.get('fix')})
                if server['host'] not in group['hosts']:
                    group['hosts'].append(server['host'])
                group['databases'] += 1 if found.get('database') else 0
    return sorted(groups.values(), key=lambda g: (-len(g['hosts']), str(g['check']), str(g['item'])))


def readiness_summary(servers, generated=None):
    """Totals, the grouped blockers and warnings, and the server entries (most urgent verdict first, then most
    blockers, then by host)."""
    order = dict((name, index) for index, name in enumerate(VERDICTS))
    servers = sorted(servers, key=lambda s: (order.get(s['verdict'], 0), -s['blockers'], str(s['host'])))
    minutes = [s['estimate_minutes'] for s in servers if s['estimate_minutes'] is not None]
    totals = dict((name, sum(1 for s in servers if s['verdict'] == name)) for name in VERDICTS)
    totals.update({
        'servers': len(servers),
        'databases': sum(len(s['databases']) for s in servers),
        'size_bytes': sum(s['size_bytes'] for s in servers),
        # Servers migrate side by side, each server's batches one after another: the sum is the copy work, the
        # longest server the least wall time of a weekend that starts every server at once.
        'estimate_minutes': sum(minutes),
        'longest_server_minutes': max(minutes) if minutes else None,
    })
    return {'generated': utc_text(generated or datetime.datetime.now(datetime.timezone.utc)), 'totals': totals,
            'blockers': grouped(servers, 'blocker'), 'warnings': grouped(servers, 'warning'), 'servers': servers}


def stats_view(summary):
    """The summary without each server's findings (they are grouped already): what set_stats publishes."""
    return dict(summary, servers=[dict((k, v) for k, v in s.items() if k != 'findings') for s in summary['servers']])
