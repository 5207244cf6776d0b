# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet summary: one entry per target server, built from the service's own state (the server's migrations)
plus the host's newest role report (verification, failure reason), so it is right however the hosts were run
(one job, job slices, re-runs).

Pure functions on REST JSON and report dicts; rendering is in fleet_render.py. Internal to the pgflex.migration
collection; not a public API.
"""

from __future__ import annotations

import datetime
import glob
import json
import os

from ansible_collections.pgflex.migration.plugins.module_utils import states
from ansible_collections.pgflex.migration.plugins.module_utils.naming import is_role_run_name
from ansible_collections.pgflex.migration.plugins.module_utils.response import status_summary
from ansible_collections.pgflex.migration.plugins.module_utils.times import parse_time, utc_text

# A server's result (words of states.OUTCOMES), most urgent first (totals are listed in this order).
RESULTS = (states.FAILED, states.IN_PROGRESS, states.NOT_RUN, states.SUCCEEDED)
# Validation verdicts that say how a validation ended (the others say it has not).
ENDED_VERDICTS = (states.SUCCEEDED, states.WARNING, states.FAILED)


def _properties(migration):
    props = migration.get('properties')
    return props if isinstance(props, dict) else {}


def migration_spans(migration):
    """The validation and copy spans of one migration (REST JSON), each with its outcome."""
    status = status_summary(migration)
    outcome = status['outcome'] or states.IN_PROGRESS
    name = migration.get('name')
    spans = []
    validation = status['validation']
    start, end = parse_time(validation['started_on']), parse_time(validation['ended_on'])
    if start:
        verdict = validation['verdict']
        spans.append({'phase': 'validation', 'migration': name, 'start': start, 'end': end,
                      'outcome': verdict if verdict in ENDED_VERDICTS else outcome})
    starts = [parse_time(db['started_on']) for db in status['databases']]
    ends = [parse_time(db['ended_on']) for db in status['databases']]
    starts = [s for s in starts if s]
    if starts:
        finished = [e for e in ends if e]
        spans.append({'phase': 'copy', 'migration': name, 'start': min(starts),
                      'end': max(finished) if finished and len(finished) == len(ends) else None, 'outcome': outcome})
    if not spans:  # nothing started yet: the window start (the service sets it at create) marks it
        opened = _window_start(migration)
        if opened:
            spans.append({'phase': 'validation', 'migration': name, 'start': opened, 'end': None, 'outcome': outcome})
    return spans


def _window_start(migration):
    # Azure sends no systemData on migrations (recorded traffic); migrationWindowStartTimeInUtc is always there.
    return parse_time((migration.get('properties') or {}).get('migrationWindowStartTimeInUtc'))


def _started(migration):
    """Seconds since the epoch when the migration started, as far as its body tells (-inf when it does not)."""
    starts = [span['start'] for span in migration_spans(migration)]
    return min(starts).timestamp() if starts else float('-inf')


def _problem(migration):
    """Why a migration failed, in the service's words."""
    status = status_summary(migration)
    if status['validation']['problems']:
        return '; '.join(status['validation']['problems'])
    error = status['error']
    if isinstance(error, dict):
        error = error.get('message') or error.get('code')
    failed = [db for db in status['databases'] if db['message']]
    return error or '; '.join('%s: %s' % (db['name'], db['message']) for db in failed) or None


def newest_host_report(report_dir, name_prefix=None, holding='result'):
    """The newest JSON report the migrate role wrote in report_dir (run ids sort by time) that holds the key
    ``holding`` (``result``: any finished run; ``assessment``: one that assessed), or None."""
    if not report_dir or not os.path.isdir(report_dir):
        return None
    pattern = '%s-*.json' % name_prefix if name_prefix else '*.json'
    for path in sorted(glob.glob(os.path.join(report_dir, pattern)), reverse=True):
        try:
            with open(path, encoding='utf-8') as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(report, dict) and holding in report:
            report.setdefault('report_json', path)
            return report
    return None


# What the wave's cutover play (examples/wave/cutover.yml) records in a host's report directory just before the
# cutover: {read_at, lag_seconds: {database: seconds}}; the positions come from the host's report (safe cutover).
WAVE_RECORD = 'wave-cutover.json'


def wave_record(report_dir):
    """The host's record of its wave cutover, or None."""
    path = os.path.join(report_dir, WAVE_RECORD) if report_dir else None
    if not path or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def cutover_positions(host_report):
    """{'final': source LSN, <database>: slot's confirmed LSN} of the safe cutovers in a role report, or None.

    The migrate role keeps each batch's safe_cutover positions (host_report.CUTOVER_KEYS) in batches[].migration.cutover.
    """
    positions = {}
    for batch in (host_report or {}).get('batches') or []:
        cutover = ((batch or {}).get('migration') or {}).get('cutover') or {}
        if cutover.get('final_lsn'):
            positions['final'] = cutover['final_lsn']
        for slot in cutover.get('slots') or []:
            if isinstance(slot, dict) and slot.get('database'):
                positions[slot['database']] = slot.get('confirmed_lsn')
    return positions or None


def _cutover_view(record, host_report=None):
    """lag_before_cutover (largest of the databases, seconds), per database, when read, and the positions the safe
    cutover recorded (the host's report) if any."""
    positions = cutover_positions(host_report)
    if not record:
        return {'lag_before_cutover_seconds': None, 'lag_before_cutover': {}, 'lag_read_at': None,
                'positions_at_cutover': positions}
    lags = record.get('lag_seconds') if isinstance(record.get('lag_seconds'), dict) else {}
    numbers = [v for v in lags.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return {'lag_before_cutover_seconds': max(numbers) if numbers else None, 'lag_before_cutover': dict(lags),
            'lag_read_at': record.get('read_at'), 'positions_at_cutover': record.get('positions') or positions}


def _rows_verified(verification):
    databases = (verification or {}).get('databases') or []
    return sum(int(db.get('source_rows') or 0) for db in databases if isinstance(db, dict) and db.get('ok'))


def server_summary(server, migrations, host_report, name_prefix=None, wave=None):
    """One server's entry.

    server: {host, subscription_id, resource_group, server_name, databases}; migrations: the server's migrations (REST JSON);
    host_report: the host's newest role report or None; wave: the host's wave cutover record (wave_record) or None.
    """
    own = [m for m in migrations if isinstance(m, dict) and (not name_prefix or is_role_run_name(m.get('name'), name_prefix))]
    spans = sorted((span for m in own for span in migration_spans(m)), key=lambda s: s['start'])
    report = host_report or {}
    verification = report.get('verification') or {}
    active = [m for m in own if not status_summary(m)['terminal']]
    latest = max(own, key=_started) if own else None
    latest_outcome = status_summary(latest)['outcome'] if latest else None
    if active:
        result = states.IN_PROGRESS
    elif report.get('result') in (states.SUCCEEDED, states.FAILED):
        result = states.SUCCEEDED if report['result'] == states.SUCCEEDED and verification.get('verified', True) else states.FAILED
    elif latest:  # no role report (another controller ran it, or it was lost): the service's word alone
        result = states.SUCCEEDED if latest_outcome == states.SUCCEEDED else states.FAILED
    else:
        result = states.NOT_RUN
    failure = report.get('failure') if result == states.FAILED else None
    if result == states.FAILED and not failure:
        failed = [m for m in own if status_summary(m)['outcome'] in (states.FAILED, states.CANCELLED)]
        failure = ((_problem(failed[-1]) if failed else None) or '; '.join(verification.get('mismatches') or [])
                   or ('the last migration ended %s' % status_summary(latest)['state'] if latest else 'the role reported a failure'))
    starts = [s['start'] for s in spans]
    ends = [s['end'] for s in spans if s['end']]
    last = status_summary(latest) if latest else None
    return dict(_cutover_view(wave, host_report), **{
        'host': server.get('host') or server.get('server_name'),
        'subscription_id': server.get('subscription_id'),
        'resource_group': server.get('resource_group'),
        'server_name': server.get('server_name'),
        'result': result,
        'service_state': last['state'] if last else None,
        'service_substate': last['substate'] if last else None,
        'databases': list(report.get('databases') or server.get('databases') or []),
        'migrations': len(own),
        'verified': bool(verification.get('verified')) if verification else False,
        'rows_verified': _rows_verified(verification),
        'started': utc_text(min(starts)) if starts else None,
        'finished': utc_text(max(ends)) if ends and not active else None,
        'duration_seconds': int(round((max(ends) - min(starts)).total_seconds())) if starts and ends and not active else None,
        'failure': failure,
        'report_markdown': report.get('report_markdown'),
        'report_json': report.get('report_json'),
        'spans': [dict(span, start=utc_text(span['start']), end=utc_text(span['end'])) for span in spans],
    })


def fleet_summary(servers, generated=None):
    """Totals over the server entries plus the entries themselves (most urgent result first, then by host)."""
    order = dict((name, index) for index, name in enumerate(RESULTS))
    servers = sorted(servers, key=lambda s: (order.get(s['result'], 0), s['host']))
    starts = [parse_time(s['started']) for s in servers if s['started']]
    ends = [parse_time(s['finished']) for s in servers if s['finished']]
    totals = dict((name, sum(1 for s in servers if s['result'] == name)) for name in RESULTS)
    totals.update({
        'servers': len(servers),
        'databases': sum(len(s['databases']) for s in servers),
        'rows_verified': sum(s['rows_verified'] for s in servers),
        'migrations': sum(s['migrations'] for s in servers),
        'started': utc_text(min(starts)) if starts else None,
        'finished': utc_text(max(ends)) if ends else None,
        'wall_time_seconds': int(round((max(ends) - min(starts)).total_seconds())) if starts and ends else None,
    })
    return {'generated': utc_text(generated or datetime.datetime.now(datetime.timezone.utc)), 'totals': totals, 'servers': servers}


def stats_view(summary):
    """The summary without the timeline spans: what set_stats publishes (AWX artifacts stay small)."""
    return {'generated': summary['generated'], 'totals': summary['totals'],
            'servers': [dict((k, v) for k, v in s.items() if k != 'spans') for s in summary['servers']]}
