"""Start the emulator in a subprocess for tests and tools; see docs/emulator.md ("Starting it from Python").

    from emulator.launcher import start_emulator
    emu = start_emulator(servers=[{'name': 'target1', 'cluster': target_cluster}])
    ... emu.url, emu.ca_file, emu.admin_token, emu.tenant_id, emu.client_id, emu.client_secret, emu.subscription_id
    emu.stop()
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from .__main__ import STATE_FILE

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATION_TYPE = 'Microsoft.DBforPostgreSQL/flexibleServers/migrations'


def server_entry(spec):
    """A config 'servers' entry from {'name', 'cluster': PgCluster, ...} (cluster fills host, port, admin, version)."""
    entry = {k: v for k, v in spec.items() if k != 'cluster'}
    cluster = spec.get('cluster')
    if cluster is not None:
        entry.setdefault('host', cluster.host)
        entry.setdefault('port', cluster.port)
        entry.setdefault('admin_user', cluster.user)
        entry.setdefault('version', str(cluster.major))
    return entry


class EmulatorHandle:
    """A running emulator subprocess and what a client needs to use it."""

    def __init__(self, process, state_dir, state, config, owned_dir):
        self.process = process
        self.state_dir = state_dir
        self.url = state['url']
        self.ca_file = state['ca_file']
        self.admin_token = state['admin_token']
        self.tenant_id = state['tenant_id']
        self.subscription_id = state['subscription_id']
        self.subscription_ids = state.get('subscription_ids') or [self.subscription_id]  # the default first
        self.client_id = state['clients'][0]['client_id']
        self.client_secret = state['clients'][0]['client_secret']
        self.managed_identity = state['managed_identity']
        self.identity_endpoint = state['identity_endpoint']
        self.metadata_url = state['metadata_url']
        self.servers = config['servers']
        self.resource_group = self.servers[0]['resource_group'] if self.servers else None
        self._owned_dir = owned_dir

    # -- clients ---------------------------------------------------------------------------------

    def credential(self, **kwargs):
        from azure.identity import ClientSecretCredential  # pylint: disable=import-outside-toplevel
        return ClientSecretCredential(self.tenant_id, kwargs.pop('client_id', self.client_id), kwargs.pop('secret', self.client_secret),
                                      authority=self.url[len('https://'):], disable_instance_discovery=True,
                                      connection_verify=self.ca_file, **kwargs)

    def mgmt_client(self, credential=None, **kwargs):
        """The official SDK client pointed at the emulator (trusting its CA)."""
        from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient  # pylint: disable=import-outside-toplevel
        return PostgreSQLManagementClient(credential or self.credential(), kwargs.pop('subscription_id', self.subscription_id),
                                          base_url=self.url, credential_scopes=[self.url + '/.default'],
                                          connection_verify=self.ca_file, **kwargs)

    def admin(self, method, path, body=None):
        """Call the admin API (path relative to /_emulator); returns parsed JSON or None."""
        response = requests.request(method, self.url + '/_emulator' + path, json=body, verify=self.ca_file, timeout=30,
                                    headers={'Authorization': 'Bearer ' + self.admin_token})
        if response.status_code >= 400:
            raise RuntimeError('admin %s %s failed: %s %s' % (method, path, response.status_code, response.text))
        return response.json() if response.content else None

    def settings(self, **changes):
        return self.admin('PATCH', '/settings', changes)

    def add_fault(self, **spec):
        return self.admin('POST', '/faults', spec)

    def clear_faults(self):
        self.admin('DELETE', '/faults')

    def request_log(self, since=0):
        return self.admin('GET', '/requests?since=%d' % since)['value']

    def env(self):
        """Environment variables for azure-identity / the modules (same names as the sandbox env file)."""
        return {'AZURE_SUBSCRIPTION_ID': self.subscription_id, 'AZURE_CLIENT_ID': self.client_id, 'AZURE_SECRET': self.client_secret,
                'AZURE_CLIENT_SECRET': self.client_secret, 'AZURE_TENANT': self.tenant_id, 'AZURE_TENANT_ID': self.tenant_id,
                'AZURE_CLOUD_ENVIRONMENT': self.metadata_url, 'PGFLEX_EMULATOR_URL': self.url,
                'PGFLEX_EMULATOR_ADMIN_TOKEN': self.admin_token, 'PGFLEX_EMULATOR_CA': self.ca_file,
                'PGFLEX_SUBSCRIPTION_IDS': ','.join(self.subscription_ids)}

    # -- lifecycle -------------------------------------------------------------------------------

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._owned_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def build_config(servers=(), settings=None, source_ca_file=None, resource_group='pgflex-rg', **extra):
    config = {
        # `subscription_ids` (in extra) serves several subscriptions; its first is the default.
        'tenant_id': str(uuid.uuid4()), 'subscription_id': (extra.get('subscription_ids') or [str(uuid.uuid4())])[0],
        'clients': [{'client_id': str(uuid.uuid4()), 'client_secret': secrets.token_urlsafe(24)}],
        'servers': [dict(server_entry(s), resource_group=s.get('resource_group', resource_group)) for s in servers],
        'settings': dict({'step_delay_seconds': 0.05}, **(settings or {})),
        'source_ca_file': source_ca_file,
    }
    config.update(extra)
    return config


def start_emulator(servers=(), settings=None, source_ca_file=None, state_dir=None, detach=False, log_file=None, **extra):
    """Start an emulator subprocess; returns an EmulatorHandle once it listens. `detach` starts it in its own session
    (it outlives the caller, as the sandbox needs). Extra keyword arguments go into the config (e.g. clients)."""
    config = build_config(servers, settings, source_ca_file, **extra)
    owned = state_dir is None
    state_dir = state_dir or tempfile.mkdtemp(prefix='pgflex-emulator-')
    os.makedirs(state_dir, exist_ok=True)
    config_path = os.path.join(state_dir, 'config.json')
    with open(os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
        json.dump(config, handle, indent=2)
    state_path = os.path.join(state_dir, STATE_FILE)
    if os.path.exists(state_path):
        os.remove(state_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TESTS_DIR] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    log = open(log_file or os.path.join(state_dir, 'emulator.log'), 'ab')  # pylint: disable=consider-using-with
    process = subprocess.Popen([sys.executable, '-m', 'emulator', '--config', config_path, '--state-dir', state_dir],  # pylint: disable=consider-using-with
                               env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=detach, cwd=TESTS_DIR)
    log.close()
    deadline = time.monotonic() + 30
    while not os.path.exists(state_path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError('the emulator did not start; see %s' % (log_file or os.path.join(state_dir, 'emulator.log')))
        time.sleep(0.05)
    with open(state_path, encoding='utf-8') as handle:
        state = json.load(handle)
    return EmulatorHandle(process, state_dir, state, config, owned)
