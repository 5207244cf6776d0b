# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import cloud

LIST_DOCUMENT = [{
    'name': 'Emulator',
    'resourceManager': 'https://127.0.0.1:8443/',
    'authentication': {'loginEndpoint': 'https://127.0.0.1:8443/', 'audiences': ['https://management.core.windows.net/']},
}]
OLD_DOCUMENT = {'authentication': {'loginEndpoint': 'https://login.stack.example/adfs', 'audiences': ['https://management.stack.example/abc']}}


@pytest.mark.parametrize('value, name', [
    (None, 'AzureCloud'), ('AzureCloud', 'AzureCloud'), ('azurechinacloud', 'AzureChinaCloud'),
    ('AzureUSGovernment', 'AzureUSGovernment'), ('AzurePublicCloud', 'AzureCloud'),
])
def test_named_clouds(value, name):
    assert cloud.resolve_cloud(value, fetch=None).name == name
    assert not cloud.resolve_cloud(value, fetch=None).custom


def test_china_urls():
    china = cloud.resolve_cloud('AzureChinaCloud')
    assert china.resource_manager == 'https://management.chinacloudapi.cn/'
    assert china.authority == 'https://login.chinacloudapi.cn'


@pytest.mark.parametrize('value, url', [
    ('https://127.0.0.1:8443', 'https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01'),
    ('https://127.0.0.1:8443/', 'https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01'),
    ('https://127.0.0.1:8443/metadata/endpoints?api-version=2019-05-01', 'https://127.0.0.1:8443/metadata/endpoints?api-version=2019-05-01'),
    ('https://127.0.0.1:8443/metadata/endpoints', 'https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01'),
])
def test_metadata_url(value, url):
    seen = []

    def fetch(target, verify=True):
        seen.append((target, verify))
        return LIST_DOCUMENT
    result = cloud.resolve_cloud(value, verify=False, fetch=fetch)
    assert seen == [(url, False)]
    assert result == cloud.Cloud('Emulator', 'https://127.0.0.1:8443/', 'https://127.0.0.1:8443',
                                 'https://management.core.windows.net/', True)


def test_single_object_metadata_uses_the_given_base():
    result = cloud.resolve_cloud('https://management.stack.example', fetch=lambda url, verify=True: OLD_DOCUMENT)
    assert result.resource_manager == 'https://management.stack.example/'
    assert result.authority == 'https://login.stack.example/adfs'
    assert result.audience == 'https://management.stack.example/abc/'


def test_list_picks_entry_matching_the_base():
    document = [dict(LIST_DOCUMENT[0], name='Other', resourceManager='https://other/'), LIST_DOCUMENT[0]]
    assert cloud.resolve_cloud('https://127.0.0.1:8443', fetch=lambda url, verify=True: document).name == 'Emulator'


def test_unknown_name_explains():
    with pytest.raises(cloud.CloudError, match="'AzureGermanCloud' is neither a known cloud"):
        cloud.resolve_cloud('AzureGermanCloud')


def test_plain_http_refused():
    with pytest.raises(cloud.CloudError, match='https://'):
        cloud.resolve_cloud('http://127.0.0.1:8080')


def test_fetch_failure_and_bad_documents():
    def boom(url, verify=True):
        raise IOError('connection refused\nmore')
    with pytest.raises(cloud.CloudError, match='cannot read the cloud metadata from .*: connection refused$'):
        cloud.resolve_cloud('https://127.0.0.1:1', fetch=boom)
    with pytest.raises(cloud.CloudError, match='no authentication.loginEndpoint'):
        cloud.resolve_cloud('https://127.0.0.1:1', fetch=lambda url, verify=True: {'resourceManager': 'https://x/'})
    with pytest.raises(cloud.CloudError, match='no cloud description'):
        cloud.resolve_cloud('https://127.0.0.1:1', fetch=lambda url, verify=True: [])
