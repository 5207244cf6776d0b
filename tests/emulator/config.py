"""Emulator configuration: identities, subscription, resource groups and the servers mapped to PostgreSQL."""

import json
import secrets
import uuid

from .throttle import DEFAULT_SETTINGS as THROTTLE_SETTINGS

# Azure region names and their display names (what GET returns as `location`).
LOCATIONS = {
    'eastus': 'East US', 'eastus2': 'East US 2', 'westus': 'West US', 'westus2': 'West US 2', 'westus3': 'West US 3',
    'centralus': 'Central US', 'northeurope': 'North Europe', 'westeurope': 'West Europe', 'uksouth': 'UK South',
    'canadacentral': 'Canada Central', 'francecentral': 'France Central', 'germanywestcentral': 'Germany West Central',
    'japaneast': 'Japan East', 'australiaeast': 'Australia East', 'southeastasia': 'Southeast Asia',
}

# The target's azure.extensions allow-list unless a server sets its own.
DEFAULT_EXTENSIONS = ['plpgsql', 'pg_trgm', 'citext', 'hstore', 'uuid-ossp', 'pgcrypto', 'pg_stat_statements']

# The audience Entra expects in a federated (workload identity) assertion unless a credential lists others.
FEDERATION_AUDIENCE = 'api://AzureADTokenExchange'

# Settings an admin can change at run time (see admin.py); values here are the defaults.
DEFAULT_SETTINGS = {
    'token_lifetime_seconds': 3600,   # lifetime of issued access tokens
    'step_delay_seconds': 0.2,        # pause between migration sub-states (scaled by speed_factor)
    'speed_factor': 1.0,              # > 1 makes migrations faster, < 1 slower
    'copy_rate_bytes_per_second': 0,  # 0 = unthrottled data path; > 0 relays pg_dump output at this rate
    'page_size': 20,                  # migrations per list page before a nextLink
    # What a migration created while another one is active on its server does (docs/emulator.md): 'fail' ends it
    # Failed with 603709, 'wait' holds it in PerformingPreRequisiteSteps until the earlier ones ended.
    'concurrent_migration': 'fail',
}
CHOICE_SETTINGS = {'concurrent_migration': ('fail', 'wait')}  # settings that take a word, not a number
DEFAULT_SETTINGS.update(THROTTLE_SETTINGS)  # ARM's token buckets per principal (throttle.py); off by default


def federated_credentials(client):
    """A client's federated identity credentials as Entra stores them: issuer, subject, audiences (defaulted)."""
    return [dict(item, audiences=list(item.get('audiences') or [FEDERATION_AUDIENCE])) for item in client.get('federated', [])]


def normalize_location(value):
    """'East US' / 'eastus' / 'EastUS' -> 'eastus'."""
    return ''.join(str(value or '').split()).lower()


def display_location(value):
    key = normalize_location(value)
    return LOCATIONS.get(key, value)


class ServerConfig:
    """One emulated flexible server backed by a real PostgreSQL cluster."""

    def __init__(self, data):
        self.resource_group = data.get('resource_group', 'pgflex-rg')
        self.name = data['name']
        self.host = data.get('host', '127.0.0.1')
        self.port = int(data['port'])
        self.admin_user = data.get('admin_user', 'postgres')
        self.version = str(data.get('version', '15'))
        self.minor_version = str(data.get('minor_version', '1'))  # the server GET's minorVersion
        self.location = normalize_location(data.get('location', 'eastus'))
        self.sku = data.get('sku', {'name': 'Standard_D2ds_v5', 'tier': 'GeneralPurpose'})
        self.storage_mb = int(data.get('storage_mb', 32768))
        self.extensions = [e.lower() for e in data.get('extensions', DEFAULT_EXTENSIONS)]
        self.fqdn = data.get('fqdn', '%s.postgres.database.azure.com' % self.name)


class SingleServerConfig:
    """One emulated Single Server (Microsoft.DBforPostgreSQL/servers) backed by a real PostgreSQL cluster with TLS. Its
    login form is 'user@servername' (the cluster has a role of that literal name)."""

    def __init__(self, data):
        self.resource_group = data.get('resource_group', 'pgflex-rg')
        self.name = data['name']
        self.host = data.get('host', '127.0.0.1')
        self.port = int(data['port'])
        self.admin_user = data.get('admin_user', 'pgadmin')
        self.version = str(data.get('version', '11'))
        self.location = normalize_location(data.get('location', 'eastus'))
        self.fqdn = data.get('fqdn', '%s.postgres.database.azure.com' % self.name)

    def login(self, user):
        """The Single Server login form: 'user@servername' unless the user already names a server."""
        return user if '@' in user else '%s@%s' % (user, self.name)


class EmulatorConfig:
    def __init__(self, data):
        self.tenant_id = data.get('tenant_id') or str(uuid.uuid4())
        self.subscription_id = data.get('subscription_id') or str(uuid.uuid4())
        self.subscription_name = data.get('subscription_name', 'pgflex emulated subscription')
        self.clients = data.get('clients') or [{'client_id': str(uuid.uuid4()), 'client_secret': secrets.token_urlsafe(24)}]
        self.managed_identity = data.get('managed_identity') or {
            'client_id': str(uuid.uuid4()), 'principal_id': str(uuid.uuid4()), 'header': secrets.token_urlsafe(16)}
        self.admin_token = data.get('admin_token') or secrets.token_urlsafe(24)
        self.servers = [ServerConfig(item) for item in data.get('servers', [])]
        self.single_servers = [SingleServerConfig(item) for item in data.get('single_servers', [])]
        groups = data.get('resource_groups') or {}
        for server in self.servers + self.single_servers:
            groups.setdefault(server.resource_group, {'location': server.location})
        self.resource_groups = groups
        self.settings = dict(DEFAULT_SETTINGS, **data.get('settings', {}))
        self.extra_api_versions = list(data.get('extra_api_versions', []))  # versions beyond api_versions.VERSIONS (behave like 2025-08-01)
        self.source_ca_file = data.get('source_ca_file')  # CA the service trusts for VerifyCA/VerifyFull
        self.host = data.get('host', '127.0.0.1')
        self.port = int(data.get('port', 0))

    @classmethod
    def load(cls, path):
        with open(path, encoding='utf-8') as handle:
            return cls(json.load(handle))

    def client(self, client_id):
        for client in self.clients:
            if client['client_id'] == client_id:
                return client
        return None

    def server(self, resource_group, name):
        for server in self.servers:
            if server.resource_group.lower() == resource_group.lower() and server.name == name:
                return server
        return None

    def single_server(self, resource_group, name):
        for server in self.single_servers:
            if server.resource_group.lower() == resource_group.lower() and server.name.lower() == name.lower():
                return server
        return None

    def resource_group(self, name):
        for key, value in self.resource_groups.items():
            if key.lower() == name.lower():
                return key, value
        return None, None
