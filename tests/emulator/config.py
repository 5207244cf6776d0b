"""Emulator configuration: identities, subscriptions, resource groups and the servers mapped to PostgreSQL."""

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
        self.subscription_id = data.get('subscription_id')  # None: the default subscription (EmulatorConfig fills it in)
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
        self.subscription_id = data.get('subscription_id')  # None: the default subscription
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


def _subscription_ids(data):
    """The subscriptions served, the default first: `subscription_ids` (a list), else the one `subscription_id`."""
    ids = [str(item) for item in data.get('subscription_ids') or []]
    default = data.get('subscription_id')
    if ids and default and default.lower() != ids[0].lower():
        raise ValueError("subscription_id '%s' must be the first of subscription_ids (the default subscription)" % default)
    ids = ids or [default or str(uuid.uuid4())]
    if len({item.lower() for item in ids}) != len(ids):
        raise ValueError('subscription_ids lists a subscription twice: %s' % ', '.join(ids))
    return ids


class EmulatorConfig:
    def __init__(self, data):
        self.tenant_id = data.get('tenant_id') or str(uuid.uuid4())
        # One principal (one token) reaches every subscription; the first is the default (`subscription_id`).
        self.subscription_ids = _subscription_ids(data)
        self.subscription_id = self.subscription_ids[0]
        name = data.get('subscription_name', 'pgflex emulated subscription')
        self.subscription_names = dict((sub, name if index == 0 else '%s %d' % (name, index + 1))
                                       for index, sub in enumerate(self.subscription_ids))
        self.subscription_name = name
        self.clients = data.get('clients') or [{'client_id': str(uuid.uuid4()), 'client_secret': secrets.token_urlsafe(24)}]
        self.managed_identity = data.get('managed_identity') or {
            'client_id': str(uuid.uuid4()), 'principal_id': str(uuid.uuid4()), 'header': secrets.token_urlsafe(16)}
        self.admin_token = data.get('admin_token') or secrets.token_urlsafe(24)
        self.servers = [ServerConfig(item) for item in data.get('servers', [])]
        self.single_servers = [SingleServerConfig(item) for item in data.get('single_servers', [])]
        # Resource groups per subscription ({subscription: {name: group}}): one named in `resource_groups` lives in its
        # `subscription_id` (default: the default subscription); every server's group exists in the server's subscription.
        self.resource_groups = dict((sub, {}) for sub in self.subscription_ids)
        for group_name, group in (data.get('resource_groups') or {}).items():
            self.resource_groups[self._known(group.get('subscription_id'), 'resource group ' + group_name)][group_name] = group
        for server in self.servers + self.single_servers:
            server.subscription_id = self._known(server.subscription_id, 'server ' + server.name)
            self.resource_groups[server.subscription_id].setdefault(server.resource_group, {'location': server.location})
        self.settings = dict(DEFAULT_SETTINGS, **data.get('settings', {}))
        self.extra_api_versions = list(data.get('extra_api_versions', []))  # versions beyond api_versions.VERSIONS (behave like 2025-08-01)
        self.source_ca_file = data.get('source_ca_file')  # CA the service trusts for VerifyCA/VerifyFull
        self.host = data.get('host', '127.0.0.1')
        self.port = int(data.get('port', 0))

    def _known(self, subscription_id, what):
        if not subscription_id:
            return self.subscription_id
        found = self.subscription(subscription_id)
        if found is None:
            raise ValueError("%s names subscription '%s', which is not one of subscription_ids (%s)"
                             % (what, subscription_id, ', '.join(self.subscription_ids)))
        return found

    @classmethod
    def load(cls, path):
        with open(path, encoding='utf-8') as handle:
            return cls(json.load(handle))

    def subscription(self, subscription_id):
        """The served subscription's id as configured (ARM matches ids case-insensitively), or None."""
        for known in self.subscription_ids:
            if known.lower() == str(subscription_id or '').lower():
                return known
        return None

    def client(self, client_id):
        for client in self.clients:
            if client['client_id'] == client_id:
                return client
        return None

    def server(self, resource_group, name, subscription_id=None):
        """The flexible server of that subscription (default: the default subscription), or None."""
        subscription_id = subscription_id or self.subscription_id
        for server in self.servers:
            if server.subscription_id == subscription_id and server.resource_group.lower() == resource_group.lower() \
                    and server.name == name:
                return server
        return None

    def single_server(self, resource_group, name, subscription_id=None):
        subscription_id = self.subscription(subscription_id) if subscription_id else self.subscription_id
        for server in self.single_servers:
            if server.subscription_id == subscription_id and server.resource_group.lower() == resource_group.lower() \
                    and server.name.lower() == name.lower():
                return server
        return None

    def resource_group(self, name, subscription_id=None):
        """(name as configured, group) in that subscription (default: the default subscription), or (None, None)."""
        for key, value in self.resource_groups.get(subscription_id or self.subscription_id, {}).items():
            if key.lower() == name.lower():
                return key, value
        return None, None
