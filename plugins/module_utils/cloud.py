# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud endpoints: the ARM base URL, the Entra ID authority and the token audience.

Named clouds come from a small static table (no azure-cli-core). Anything else is treated as an
ARM metadata-discovery URL, the way Azure Stack and the local emulator are addressed.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.pgflex.migration.plugins.module_utils.errors import readable_network_text

# name: display name; resource_manager: ARM base URL (trailing slash); authority: Entra ID
# authority (https URL, no trailing slash); audience: token audience (scope = audience + '.default');
# custom: True when discovered from metadata (needs disable_instance_discovery).
Cloud = namedtuple('Cloud', ['name', 'resource_manager', 'authority', 'audience', 'custom'])

KNOWN_CLOUDS = {
    'AzureCloud': Cloud('AzureCloud', 'https://management.azure.com/', 'https://login.microsoftonline.com',
                        'https://management.azure.com/', False),
    'AzureChinaCloud': Cloud('AzureChinaCloud', 'https://management.chinacloudapi.cn/', 'https://login.chinacloudapi.cn',
                             'https://management.chinacloudapi.cn/', False),
    'AzureUSGovernment': Cloud('AzureUSGovernment', 'https://management.usgovcloudapi.net/',
                               'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net/', False),
}

# Older names still seen in playbooks and azure-cli configurations.
CLOUD_ALIASES = {
    'azurepubliccloud': 'AzureCloud',
    'public': 'AzureCloud',
    'azurechina': 'AzureChinaCloud',
    'china': 'AzureChinaCloud',
    'azureusgovernmentcloud': 'AzureUSGovernment',
    'usgov': 'AzureUSGovernment',
}

METADATA_PATH = '/metadata/endpoints'
METADATA_API_VERSION = '2022-09-01'


class CloudError(Exception):
    """The cloud_environment value cannot be resolved."""


def _with_slash(url):
    return url if url.endswith('/') else url + '/'


def metadata_url_for(value):
    """The metadata URL to fetch for a cloud_environment URL, and the ARM base URL it implies."""
    base, sep, query = value.partition('?')
    base = base.rstrip('/')
    if base.endswith(METADATA_PATH):
        arm_base = base[:-len(METADATA_PATH)]
        url = base + (sep + query if query else '?api-version=' + METADATA_API_VERSION)
    else:
        arm_base = base
        url = base + METADATA_PATH + '?api-version=' + METADATA_API_VERSION
    return url, _with_slash(arm_base)


def _pick_entry(document, arm_base):
    """The cloud entry from a metadata document: a list of clouds (2019-05-01+) or one object."""
    if isinstance(document, dict):
        return document
    if isinstance(document, list) and document:
        for entry in document:
            if isinstance(entry, dict) and _with_slash(str(entry.get('resourceManager', ''))) == arm_base:
                return entry
        if isinstance(document[0], dict):
            return document[0]
    raise CloudError('the metadata document holds no cloud description')


def cloud_from_metadata(document, arm_base):
    """Build a Cloud from an ARM metadata document (parsed JSON)."""
    entry = _pick_entry(document, arm_base)
    authentication = entry.get('authentication') or {}
    login = authentication.get('loginEndpoint') or entry.get('loginEndpoint')
    if not login:
        raise CloudError('the metadata document has no authentication.loginEndpoint')
    audiences = authentication.get('audiences') or []
    resource_manager = _with_slash(entry.get('resourceManager') or arm_base)
    audience = _with_slash(audiences[0]) if audiences else resource_manager
    return Cloud(entry.get('name') or resource_manager, resource_manager, login.rstrip('/'), audience, True)


def resolve_cloud(value, verify=True, fetch=None):
    """Turn a cloud_environment value (name or URL) into a Cloud; raises CloudError.

    fetch(url, verify=...) reads the metadata document of a custom cloud (MigrationClient.fetch_json: HTTP lives
    in client, which gives the request what is left of the task's time budget).
    """
    value = (value or 'AzureCloud').strip()
    if value in KNOWN_CLOUDS:
        return KNOWN_CLOUDS[value]
    lowered = value.lower()
    for name in KNOWN_CLOUDS:
        if name.lower() == lowered:
            return KNOWN_CLOUDS[name]
    if lowered in CLOUD_ALIASES:
        return KNOWN_CLOUDS[CLOUD_ALIASES[lowered]]
    if not lowered.startswith('https://'):
        raise CloudError(
            "cloud_environment '%s' is neither a known cloud (%s) nor an https:// metadata URL; use one of "
            "those names, or the ARM endpoint of a custom cloud such as https://management.example.com"
            % (value, ', '.join(sorted(KNOWN_CLOUDS))))
    url, arm_base = metadata_url_for(value)
    try:
        document = fetch(url, verify=verify)
    except Exception as exc:  # pylint: disable=broad-except
        raise CloudError('cannot read the cloud metadata from %s: %s' % (url, _short(exc)))
    try:
        return cloud_from_metadata(document, arm_base)
    except (AttributeError, TypeError, ValueError) as exc:
        raise CloudError('the cloud metadata from %s is not usable: %s' % (url, exc))


def _short(exc):
    text = str(exc).strip().splitlines()
    return readable_network_text(text[0]) if text else type(exc).__name__
