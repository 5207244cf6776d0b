# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn what the assessment read (plain dicts, see assess_probe.py) into findings, sizes, an estimate and a verdict.

Nothing here connects anywhere: every rule is a small function of the facts, so each is unit-tested on its own.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import math

from ansible_collections.pgflex.migration.plugins.module_utils.assess_checks import (
    API_DATABASE_LIMIT, BENCHMARK_MINUTES, BLOCKER, CHECKS, MIN_SOURCE_VERSION_NUM, PRELOAD_EXTENSIONS, ROLE_BATCH_SIZE,
    STORAGE_FACTOR, SYSTEM_DATABASES, WARNING, finding, names_text,
)

GB = 1024 ** 3
ALWAYS_ALLOWED = ('plpgsql',)  # installed everywhere, never on an allow-list
TARGET_MONITORING_ROLES = ('pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables')
ONLINE_THRESHOLD_MINUTES = 60  # a longer copy is worth an online migration's short cutover, when online can work


def version_text(version_num):
    major = version_num // 10000
    if major >= 10:
        return '%d' % major
    return '%d.%d' % (major, version_num // 100 % 100)


def estimate_minutes(size_bytes):
    """Minutes to copy size_bytes, interpolated on Microsoft's benchmark (at least one minute)."""
    size_gb = size_bytes / float(GB)
    points = BENCHMARK_MINUTES
    if size_gb <= points[0][0]:
        return float(points[0][1])
    for (low_gb, low_min), (high_gb, high_min) in zip(points, points[1:]):
        if size_gb <= high_gb:
            return low_min + (size_gb - low_gb) * (high_min - low_min) / float(high_gb - low_gb)
    (low_gb, low_min), (high_gb, high_min) = points[-2], points[-1]
    return high_min + (size_gb - high_gb) * (high_min - low_min) / float(high_gb - low_gb)


def duration_text(minutes):
    minutes = int(math.ceil(minutes))
    return '%dh%02dm' % divmod(minutes, 60) if minutes >= 60 else '%d min' % minutes


def gb_text(size_bytes):
    return '%.2f' % (size_bytes / float(GB))


class Assessment(object):
    """Collects the findings of one source/target pair for one migration mode."""

    def __init__(self, server, online, setup_logical_replication=False):
        self.server = server
        self.online = online
        self.setup_logical_replication = setup_logical_replication
        self.findings = []

    def add(self, check, database=None, **values):
        self.findings.append(finding(check, server=self.server, database=database, online=self.online, **values))

    # ---- the source server ----------------------------------------------------------------------------------

    def source_server(self, source, databases):
        if source.get('error'):
            self.add('source_connection', error=source['error'])
            return
        if source['version_num'] < MIN_SOURCE_VERSION_NUM:
            self.add('source_version', version=version_text(source['version_num']))
        self.replication(source, len(databases))
        user = source['user']
        if not (user.get('superuser') or user.get('replication')):
            self.add('source_user_replication', user=user['name'])

    def replication(self, source, needed):
        if source['wal_level'] != 'logical':
            # Asked to, the service sets wal_level itself (and restarts the source): a warning, not a blocker.
            self.add('wal_level_setup' if self.setup_logical_replication else 'wal_level', wal_level=source['wal_level'])
        for check, setting, used in (('replication_slots', 'max_replication_slots', 'used_replication_slots'),
                                     ('wal_senders', 'max_wal_senders', 'used_wal_senders')):
            free = source[setting] - source[used]
            if free < needed:
                self.add(check, free=free, max=source[setting], used=source[used], needed=needed,
                         wanted=source[used] + needed)

    def versions(self, source, target):
        if source.get('error') or not target.get('version'):
            return
        source_major = source['version_num'] // 10000
        if int(str(target['version']).split('.', 1)[0]) < source_major:
            self.add('target_version', target=target['version'], source=version_text(source['version_num']))

    def database_count(self, databases):
        if len(databases) > ROLE_BATCH_SIZE:
            self.add('database_count', count=len(databases), batches=int(math.ceil(len(databases) / float(ROLE_BATCH_SIZE))),
                     batch=ROLE_BATCH_SIZE, api_limit=API_DATABASE_LIMIT)

    def storage(self, total_bytes, target):
        storage_gb = target.get('storage_gb')
        if not storage_gb or not total_bytes:
            return
        wanted_gb = int(math.ceil(total_bytes * STORAGE_FACTOR / GB))
        values = dict(size_gb=gb_text(total_bytes), storage_gb=storage_gb, wanted_gb=wanted_gb)
        if storage_gb * GB < total_bytes:
            self.add('storage', **values)
        elif storage_gb * GB < total_bytes * STORAGE_FACTOR:
            self.add('storage_headroom', **values)

    # ---- the target server over PostgreSQL ------------------------------------------------------------------

    def target_user(self, target_pg):
        user = target_pg['user']
        if user.get('superuser'):
            return  # a superuser (not possible on Azure; a self-managed target) has every privilege
        roles = set(user.get('member_of') or ())
        if 'azure_pg_admin' not in roles:
            self.add('target_admin', user=user['name'], names=['azure_pg_admin'])
        missing = [attribute for attribute, flag in (('CREATEROLE', 'createrole'), ('CREATEDB', 'createdb'))
                   if not user.get(flag)]
        if missing:
            self.add('target_role_attributes', user=user['name'], missing=' '.join(missing), names=missing)
        monitoring = [role for role in TARGET_MONITORING_ROLES if role not in roles]
        if monitoring:
            self.add('target_monitoring_roles', user=user['name'], missing=', '.join(monitoring), names=monitoring)

    # ---- each database --------------------------------------------------------------------------------------

    def database(self, name, facts, source, target, target_pg):
        if name in SYSTEM_DATABASES:
            self.add('system_database', database=name)
            return
        if facts is None:
            self.add('database_missing', database=name)
            return
        if facts.get('error'):
            self.add('database_not_read', database=name, error=facts['error'])
        else:
            self.extensions(name, facts['extensions'], target)
            self.tables(name, facts, source)
        if target_pg:
            self.on_target(name, facts, target_pg)

    def extensions(self, name, extensions, target):
        allowed = target.get('allowed_extensions')
        if allowed is not None:
            allowed = set(e.lower() for e in allowed) | set(ALWAYS_ALLOWED)
            missing = [e for e in extensions if e.lower() not in allowed]
            if missing:
                self.add('extension_not_allowed', database=name, extensions=','.join(missing), names=missing)
        preload = target.get('preload_libraries')
        if preload is not None:
            loaded = set(lib.lower() for lib in preload)
            unloaded = [e for e in extensions if e.lower() in PRELOAD_EXTENSIONS and e.lower() not in loaded]
            if unloaded:
                self.add('extension_needs_preload', database=name, extensions=','.join(unloaded), names=unloaded)

    def tables(self, name, facts, source):
        if facts['user_collations']:
            self.add('user_collations', database=name, collations=names_text(facts['user_collations']),
                     names=facts['user_collations'])
        if facts['unreadable']:
            self.add('source_user_read', database=name, user=source['user']['name'], count=len(facts['unreadable']),
                     tables=names_text(facts['unreadable']), names=facts['unreadable'])
        if facts['no_identity']:
            self.add('replica_identity', database=name, count=len(facts['no_identity']), tables=names_text(facts['no_identity']),
                     names=facts['no_identity'])
        if facts['unlogged']:
            self.add('unlogged_tables', database=name, count=len(facts['unlogged']), tables=names_text(facts['unlogged']),
                     names=facts['unlogged'])
        if facts['large_objects']:
            self.add('large_objects', database=name, count=facts['large_objects'])

    def on_target(self, name, facts, target_pg):
        if name in target_pg['databases']:
            self.add('target_database_exists', database=name)
        collate = facts.get('collate')
        if collate and collate not in target_pg['collations']:
            self.add('collation_on_target', database=name, collate=collate, encoding=facts.get('encoding'), names=[collate])

    # ---- the outcome ----------------------------------------------------------------------------------------

    def recommend(self, minutes, source):
        """Online when the copy is long and nothing blocks online; else offline."""
        online_blocked = bool(source.get('error')) or any(
            CHECKS[f['check']].online_only and CHECKS[f['check']].severity == BLOCKER for f in self.findings)
        if minutes is not None and minutes > ONLINE_THRESHOLD_MINUTES and not online_blocked:
            return 'online', 'the copy takes about %s; online keeps the downtime to the cutover' % duration_text(minutes)
        if online_blocked:
            return 'offline', 'the source is not prepared for online replication (see the online findings)'
        return 'offline', 'the copy is short, so the downtime of an offline migration is short too'


def source_summary(source):
    """What the result says about the source server (null values when it could not be read)."""
    if source.get('error'):
        return {'version': None, 'wal_level': None, 'max_replication_slots': None, 'max_wal_senders': None}
    return {'version': version_text(source['version_num']), 'wal_level': source['wal_level'],
            'max_replication_slots': source['max_replication_slots'], 'max_wal_senders': source['max_wal_senders']}


def verdict_of(findings):
    severities = set(f['severity'] for f in findings)
    if BLOCKER in severities:
        return 'blocked'
    if WARNING in severities:
        return 'needs_preparation'
    return 'ready'


def preparation(findings):
    """What pg_flexible_migration_prepare can fix of the findings: its allow_extensions (in the order found)."""
    extensions = []
    for found in findings:
        if found['check'] == 'extension_not_allowed':
            extensions += [name for name in found['names'] if name not in extensions]
    return {'allow_extensions': extensions}


def assess(server, mode, databases, source, target, target_pg, setup_logical_replication=False):
    """The assessment of one source/target pair.

    server: a label for the findings (the target server's name); mode: offline or online; databases: the names to
    migrate; source: assess_probe.read_source(); target: assess_azure.read_target(); target_pg: assess_probe.read_target()
    or {'skipped': True} / {'error': ...}; setup_logical_replication: the migration will be allowed to set the
    source's wal_level (and restart it).
    """
    run = Assessment(server, mode == 'online', setup_logical_replication)
    run.source_server(source, databases)
    run.versions(source, target)
    run.database_count(databases)
    if target_pg.get('error'):
        run.add('target_connection', error=target_pg['error'])
    elif target_pg.get('skipped'):
        run.add('target_not_read')
    else:
        run.target_user(target_pg)
    reachable_target = target_pg if target_pg.get('user') else None
    sizes = []
    for name in databases:
        if source.get('error'):
            break  # source_connection says it all: a database that could not be read is not a missing one
        facts = source['databases'].get(name)
        run.database(name, facts, source, target, reachable_target)
        if facts and facts.get('size_bytes') is not None:
            sizes.append({'database': name, 'size_bytes': facts['size_bytes']})
    total = sum(item['size_bytes'] for item in sizes)
    run.storage(total, target)
    minutes = estimate_minutes(total) if sizes else None
    estimate = None
    if minutes is not None:
        estimate = {'minutes': int(math.ceil(minutes)), 'text': duration_text(minutes), 'size_bytes': total,
                    'basis': 'Microsoft benchmark on a Standard_D4ds_v4 target; an estimate, not a promise'}
        run.add('estimate', duration=duration_text(minutes), size_gb=gb_text(total))
    mode_name, why = run.recommend(minutes, source)
    run.add('recommended_mode', mode=mode_name, why=why)
    verdict = verdict_of(run.findings)
    return {
        'source': source_summary(source),
        'ready': verdict != 'blocked',
        'verdict': verdict,
        'findings': run.findings,
        'sizes': sizes,
        'total_size_bytes': total,
        'estimate': estimate,
        'recommended_mode': mode_name,
        'prepare': preparation(run.findings),
    }
