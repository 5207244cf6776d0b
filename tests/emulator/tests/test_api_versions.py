"""Every published api-version of the migrations resource is accepted, with its own meaning of DELETE; versions that
do not exist are refused with 400 NoRegisteredProviderFound listing the supported ones."""

import pytest

from emulator import api_versions

from .conftest import migration_body, state, wait_terminal
from .test_recorded_shapes import Raw

PUBLISHED = ['2022-05-01-preview', '2023-03-01-preview', '2023-06-01-preview', '2023-12-01-preview', '2024-03-01-preview',
             '2024-08-01', '2024-11-01-preview', '2025-01-01-preview', '2025-06-01-preview', '2025-08-01',
             '2026-01-01-preview', '2026-04-01-preview', '2026-07-01-preview', '2026-10-01']


@pytest.fixture
def raw(emu, recorder, server):
    return Raw(emu, recorder, server)


def test_the_table_lists_exactly_the_published_versions():
    assert sorted(api_versions.VERSIONS) == PUBLISHED
    deleting = [v for v in PUBLISHED if api_versions.VERSIONS[v].delete_deletes]
    assert deleting == PUBLISHED[:PUBLISHED.index('2025-06-01-preview')]  # Migrations_Cancel from 2025-06-01-preview on
    assert api_versions.lookup('2099-01-01-preview', extra=('2099-01-01-preview',)).delete_deletes is False  # configured extra


@pytest.mark.parametrize('version', PUBLISHED)
def test_every_published_version_is_accepted(raw, version):
    status, body = raw.call('GET', raw.url('/migrations'), version, migrationListFilter='All')
    assert status == 200 and body == {'value': []}


@pytest.mark.parametrize('version', ['2022-12-01', '2021-06-15-privatepreview', '2026-07-01'])
def test_versions_that_do_not_exist_are_refused(raw, version):
    status, body = raw.call('GET', raw.url('/migrations'), version)
    assert status == 400 and body['error']['code'] == 'NoRegisteredProviderFound'
    assert all(v in body['error']['message'] for v in PUBLISHED)


def test_the_server_get_also_takes_the_servers_older_versions(raw):
    assert raw.call('GET', raw.url(), '2022-12-01')[0] == 200


@pytest.mark.parametrize('version, deletes', [('2025-01-01-preview', True), ('2025-06-01-preview', False)])
def test_delete_means_delete_or_cancel_by_version(raw, emu, source, target, version, deletes):
    name = 'del' + version.replace('-', '')
    emu.add_fault(kind='stuck', migration=name)
    try:
        raw.call('PUT', raw.url('/migrations/' + name), version, migration_body(source, target, ['shop'], migrationOption='Validate'))
        status, body = raw.call('DELETE', raw.url('/migrations/' + name), version)
    finally:
        emu.clear_faults()
    assert status == 200
    if deletes:
        assert body is None and raw.call('GET', raw.url('/migrations/' + name), version)[0] == 404
    else:
        assert body['name'] == name and state(wait_terminal(raw.client, raw.server, name)) == 'Canceled'


def test_2022_05_01_preview_spellings_are_understood(raw, source, target):
    body = migration_body(source, target, ['shop'], migrationOption='Validate')
    props = body['properties']
    props['dBsToMigrate'] = props.pop('dbsToMigrate')
    props['overwriteDBsInTarget'] = True
    props['sourceDBServerResourceId'] = props.pop('sourceDbServerResourceId')
    status, created = raw.call('PUT', raw.url('/migrations/legacy'), '2022-05-01-preview', body)
    assert status == 201 and created['properties']['dbsToMigrate'] == ['shop']
    assert created['properties']['overwriteDbsInTarget'] == 'True'
    assert state(wait_terminal(raw.client, raw.server, 'legacy')) == 'Succeeded'
