# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The readiness assessment's rules on made-up facts, and the checks table itself."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import assess_rules
from ansible_collections.pgflex.migration.plugins.module_utils.assess_checks import CHECKS, SEVERITIES, finding, markdown_table

GB = 1024 ** 3


def database(**changes):
    facts = {'encoding': 'UTF8', 'collate': 'en_US.utf8', 'size_bytes': 2 * GB, 'extensions': ['plpgsql'],
             'user_collations': [], 'no_identity': [], 'unlogged': [], 'unreadable': [], 'large_objects': 0}
    facts.update(changes)
    return facts


def source(**changes):
    facts = {'version_num': 150004, 'wal_level': 'logical', 'max_replication_slots': 10, 'used_replication_slots': 0,
             'max_wal_senders': 10, 'used_wal_senders': 0,
             'user': {'name': 'migrator', 'superuser': False, 'replication': True},
             'databases': {'shop': database()}}
    facts.update(changes)
    return facts


def target(**changes):
    facts = {'version': '16', 'storage_gb': 128, 'sku': 'Standard_D4ds_v5', 'fqdn': 'x.postgres.database.azure.com',
             'allowed_extensions': ['pg_trgm', 'citext'], 'preload_libraries': ['pg_cron', 'pg_stat_statements']}
    facts.update(changes)
    return facts


def target_pg(**user):
    account = {'name': 'azureadmin', 'superuser': False, 'createrole': True, 'createdb': True,
               'member_of': ['azure_pg_admin', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables']}
    account.update(user)
    return {'user': account, 'collations': {'C', 'POSIX', 'en_US.utf8'}, 'databases': ['postgres', 'azure_maintenance']}


def run(mode='offline', databases=('shop',), src=None, tgt=None, tpg=None):
    return assess_rules.assess('flex1', mode, list(databases), src or source(), tgt or target(), tpg or target_pg())


def by_check(result, check):
    return [f for f in result['findings'] if f['check'] == check]


def test_a_clean_pair_is_ready_with_an_estimate_and_a_mode():
    result = run()
    assert result['verdict'] == 'ready' and result['ready']
    assert set(f['severity'] for f in result['findings']) == {'info'}
    assert result['estimate']['minutes'] == 2 and result['recommended_mode'] == 'offline'
    assert result['sizes'] == [{'database': 'shop', 'size_bytes': 2 * GB}]


def test_an_extension_off_the_allow_list_is_a_blocker_naming_it_and_the_fix():
    src = source(databases={'legacy_fdw': database(extensions=['plpgsql', 'postgres_fdw', 'pg_trgm'])})
    result = run(databases=['legacy_fdw'], src=src)
    [found] = by_check(result, 'extension_not_allowed')
    assert found['severity'] == 'blocker' and found['database'] == 'legacy_fdw' and found['server'] == 'flex1'
    assert 'postgres_fdw' in found['message'] and 'pg_trgm' not in found['message']
    assert 'azure.extensions' in found['fix'] and 'postgres_fdw' in found['fix']
    assert found['error_code'] == '603108' and found['source'].startswith('https://learn.microsoft.com/')
    assert result['verdict'] == 'blocked' and not result['ready']


def test_an_unknown_allow_list_is_not_guessed():
    src = source(databases={'shop': database(extensions=['postgres_fdw'])})
    assert not by_check(run(src=src, tgt=target(allowed_extensions=None)), 'extension_not_allowed')


def test_a_preload_extension_missing_from_shared_preload_libraries_is_a_warning():
    src = source(databases={'shop': database(extensions=['timescaledb', 'pg_cron'])})
    result = run(src=src, tgt=target(allowed_extensions=['timescaledb', 'pg_cron']))
    [found] = by_check(result, 'extension_needs_preload')
    assert found['severity'] == 'warning' and 'timescaledb' in found['message'] and 'pg_cron' not in found['message']


@pytest.mark.parametrize('mode, severity, verdict', [('online', 'blocker', 'blocked'), ('offline', 'info', 'ready')])
def test_wal_level_replica_blocks_online_only(mode, severity, verdict):
    result = run(mode=mode, src=source(wal_level='replica'))
    [found] = by_check(result, 'wal_level')
    assert found['severity'] == severity and found['error_code'] == '603107'
    assert result['verdict'] == verdict
    assert result['recommended_mode'] == 'offline'


def test_online_needs_free_slots_senders_and_replication():
    src = source(max_replication_slots=4, used_replication_slots=3, max_wal_senders=2, used_wal_senders=2,
                 user={'name': 'reader', 'superuser': False, 'replication': False})
    result = run(mode='online', databases=['a', 'b'], src=dict(src, databases={'a': database(), 'b': database()}))
    assert [f['severity'] for f in by_check(result, 'replication_slots')] == ['blocker']
    assert 'at least 5' in by_check(result, 'replication_slots')[0]['fix']
    assert [f['severity'] for f in by_check(result, 'wal_senders')] == ['blocker']
    assert 'reader' in by_check(result, 'source_user_replication')[0]['message']


def test_tables_without_identity_unlogged_tables_and_large_objects():
    src = source(databases={'shop': database(no_identity=['public.log'], unlogged=['public.cache'], large_objects=3)})
    online = run(mode='online', src=src)
    assert by_check(online, 'replica_identity')[0]['severity'] == 'warning'
    assert 'public.log' in by_check(online, 'replica_identity')[0]['message']
    assert by_check(online, 'unlogged_tables')[0]['severity'] == 'warning'
    assert by_check(online, 'large_objects')[0]['severity'] == 'warning'
    assert online['verdict'] == 'needs_preparation' and online['ready']
    offline = run(src=src)
    assert by_check(offline, 'replica_identity')[0]['severity'] == 'info'


def test_versions():
    old = run(src=source(version_num=90420))
    assert by_check(old, 'source_version')[0]['message'].startswith('The source runs PostgreSQL 9.4')
    newer = run(src=source(version_num=170002), tgt=target(version='16'))
    assert by_check(newer, 'target_version')[0]['severity'] == 'blocker'


def test_storage_against_the_rule_of_thumb():
    src = source(databases={'shop': database(size_bytes=110 * GB)})
    assert by_check(run(src=src, tgt=target(storage_gb=128)), 'storage_headroom')[0]['severity'] == 'warning'
    blocked = run(src=src, tgt=target(storage_gb=64))
    assert '138 GB' in by_check(blocked, 'storage')[0]['fix']
    assert not by_check(run(src=src, tgt=target(storage_gb=256)), 'storage_headroom')


def test_target_user_prerequisites():
    result = run(tpg=target_pg(member_of=['pg_read_all_stats'], createrole=False))
    assert by_check(result, 'target_admin')[0]['severity'] == 'blocker'
    assert 'CREATEROLE' in by_check(result, 'target_role_attributes')[0]['message']
    assert 'pg_read_all_settings' in by_check(result, 'target_monitoring_roles')[0]['message']
    assert not [f for f in run(tpg=target_pg(superuser=True, member_of=[]))['findings'] if f['check'].startswith('target_')]


def test_target_not_read_or_unreachable():
    assert by_check(run(tpg={'skipped': True}), 'target_not_read')[0]['severity'] == 'info'
    unreachable = run(tpg={'error': 'timeout expired'})
    assert by_check(unreachable, 'target_connection')[0]['severity'] == 'warning'
    assert not by_check(unreachable, 'target_database_exists')


def test_databases_on_the_target_collations_and_source_problems():
    tpg = target_pg()
    tpg['databases'].append('shop')
    src = source(databases={'shop': database(collate='tr_TR.iso88599', user_collations=['public.german'],
                                             unreadable=['secret.keys'])})
    result = run(src=src, tpg=tpg)
    assert by_check(result, 'target_database_exists')[0]['severity'] == 'warning'
    assert 'tr_TR.iso88599' in by_check(result, 'collation_on_target')[0]['message']
    assert 'public.german' in by_check(result, 'user_collations')[0]['message']
    assert 'secret.keys' in by_check(result, 'source_user_read')[0]['message']


def test_missing_system_and_unreadable_databases():
    result = run(databases=['shop', 'gone', 'postgres'], src=source(databases={'shop': database(error='permission denied')}))
    checks = [f['check'] for f in result['findings'] if f['database']]
    assert checks == ['database_not_read', 'database_missing', 'system_database']
    assert by_check(result, 'database_missing')[0]['error_code'] == '603102'


def test_an_unreachable_source_is_one_blocker():
    result = run(src={'error': 'connection refused'})
    assert by_check(result, 'source_connection')[0]['severity'] == 'blocker'
    assert result['estimate'] is None and result['verdict'] == 'blocked'
    # The documented promise: one blocker, not also a "database does not exist" for each database it could not read.
    assert [f['severity'] for f in result['findings']].count('blocker') == 1


def test_many_databases_are_batched():
    names = ['db%d' % i for i in range(20)]
    result = run(databases=names, src=source(databases=dict((n, database()) for n in names)))
    assert '3 migrations of at most 8' in by_check(result, 'database_count')[0]['message']


def test_a_long_copy_recommends_online_when_online_can_work():
    big = source(databases={'shop': database(size_bytes=500 * GB)})
    assert run(src=big, tgt=target(storage_gb=1024))['recommended_mode'] == 'online'
    assert run(src=dict(big, wal_level='replica'), tgt=target(storage_gb=1024))['recommended_mode'] == 'offline'


@pytest.mark.parametrize('size_gb, minutes', [(0.001, 1), (1, 1), (7.5, 5.5), (100, 60), (1000, 420), (2000, 780)])
def test_estimate_follows_the_benchmark(size_gb, minutes):
    assert assess_rules.estimate_minutes(size_gb * GB) == pytest.approx(minutes)


def test_every_check_is_complete_and_formats():
    fields = re.compile(r'{(\w+)}')
    for name, row in CHECKS.items():
        assert row.severity in SEVERITIES, name
        assert row.reads and row.finding and row.fix and row.source, name
        assert row.source.startswith('https://learn.microsoft.com/') or row.source.startswith('seed'), name
        values = dict((key, 'x') for key in fields.findall(row.finding + row.fix) if key != 'database')
        made = finding(name, server='s', database='d', online=True, **values)
        assert '{' not in made['message'] + made['fix'], name


def test_the_docs_page_shows_the_table_as_it_is():
    page = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'docs', 'assess.md')
    with open(page, encoding='utf-8') as handle:
        assert markdown_table() in handle.read(), 'docs/assess.md is out of date; regenerate its table (see the page)'


def test_wal_level_is_a_warning_when_the_migration_may_set_it():
    result = assess_rules.assess('flex1', 'online', ['shop'], source(wal_level='replica'), target(), target_pg(),
                                 setup_logical_replication=True)
    assert by_check(result, 'wal_level') == []
    [found] = by_check(result, 'wal_level_setup')
    assert found['severity'] == 'warning' and 'restart' in found['fix']
    assert result['verdict'] == 'needs_preparation'


def test_findings_carry_their_names_as_items_and_the_preparation_collects_extensions():
    src = source(databases={'a': database(extensions=['plpgsql', 'postgres_fdw', 'hstore']),
                            'b': database(extensions=['postgres_fdw'], no_identity=['public.log'])})
    result = run(mode='online', databases=['a', 'b'], src=src,
                 tpg=target_pg(member_of=['azure_pg_admin', 'pg_read_all_stats']))
    assert [f['names'] for f in by_check(result, 'extension_not_allowed')] == [['postgres_fdw', 'hstore'], ['postgres_fdw']]
    assert result['prepare'] == {'allow_extensions': ['postgres_fdw', 'hstore']}
    assert by_check(result, 'replica_identity')[0]['names'] == ['public.log']
    assert by_check(result, 'target_monitoring_roles')[0]['names'] == ['pg_read_all_settings', 'pg_stat_scan_tables']
    assert by_check(result, 'estimate')[0]['names'] == []
    assert run()['prepare'] == {'allow_extensions': []}
