# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the target flexible server over ARM for the readiness assessment: the server and two server parameters.

Only GET requests. The configurations calls go through the MigrationClient's SDK and error handling (retries,
budget, AzureApiError) like every other call.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError

ALLOW_LIST = 'azure.extensions'
PRELOAD = 'shared_preload_libraries'


def split_list(value):
    """'a, b,c' -> ['a', 'b', 'c'] (server parameters of type Set)."""
    return [item.strip() for item in (value or '').split(',') if item.strip()]


def get_configuration(client, resource_group, server, name):
    """The value of one server parameter, or None when the server has no such parameter."""
    def fetch():
        return client.sdk.configurations.get(resource_group, server, name)
    try:
        # pylint: disable-next=protected-access
        model = client._call("GET configuration '%s' of server '%s'" % (name, server), fetch)
    except AzureApiError as exc:
        if exc.status == 404 and exc.code != 'ParentResourceNotFound':
            return None
        raise
    return getattr(model, 'value', None)


def read_target(client, resource_group, server):
    """{'version', 'storage_gb', 'sku', 'fqdn', 'allowed_extensions', 'preload_libraries'} of the target server."""
    body = client.get_server(resource_group, server) or {}
    props = body.get('properties') or body  # REST shape, or the SDK's flattened as_dict()
    storage = props.get('storage') or {}
    sku = body.get('sku') or {}
    allowed = get_configuration(client, resource_group, server, ALLOW_LIST)
    preload = get_configuration(client, resource_group, server, PRELOAD)
    return {
        'version': props.get('version'),
        'storage_gb': storage.get('storageSizeGB', storage.get('storage_size_gb')),
        'sku': sku.get('name'),
        'fqdn': props.get('fullyQualifiedDomainName', props.get('fully_qualified_domain_name')),
        'allowed_extensions': None if allowed is None else split_list(allowed),
        'preload_libraries': None if preload is None else split_list(preload),
    }


def put_configuration(client, resource_group, server, name, value):
    """Set one server parameter (an ARM long-running operation, followed to its end) and return the new value."""
    body = {'properties': {'value': value, 'source': 'user-override'}}

    def send():
        return client.sdk.configurations.begin_put(resource_group, server, name, body).result()
    # pylint: disable-next=protected-access
    model = client._call("PUT configuration '%s' of server '%s'" % (name, server), send)
    return getattr(model, 'value', value)
