# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the target flexible server over ARM for the readiness assessment: the server and two server parameters.

The configurations calls are the MigrationClient's (module_utils/client.py), like every other call: retries, the
task's budget and one error type.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

ALLOW_LIST = 'azure.extensions'
PRELOAD = 'shared_preload_libraries'


def split_list(value):
    """'a, b,c' -> ['a', 'b', 'c'] (server parameters of type Set)."""
    return [item.strip() for item in (value or '').split(',') if item.strip()]


def get_configuration(client, resource_group, server, name):
    """The value of one server parameter, or None when the server has no such parameter."""
    return _value(client.get_configuration(resource_group, server, name))


def _value(body):
    # The REST shape nests the value under properties; the SDK's as_dict() may flatten it.
    body = body or {}
    return (body.get('properties') or body).get('value')


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
    """Set one server parameter and return the new value."""
    body = {'properties': {'value': value, 'source': 'user-override'}}
    answer = _value(client.put_configuration(resource_group, server, name, body))
    return value if answer is None else answer
