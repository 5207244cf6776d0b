"""Shared fixtures: a TLS source cluster with the sample databases, a target cluster, one emulator with a pool of
emulated servers (all backed by the target), and SDK clients whose every response is checked against the spec."""

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator import sample_data
from emulator.launcher import start_emulator
from emulator.spec_check import SpecChecker
from emulator.tls import CertificateAuthority, client_certificate
from pgcluster import PgCluster

SERVER_POOL = ['srv%03d' % i for i in range(1, 200)]  # one fresh server per test
OLD_SERVER = 'srv-pg14'   # claims major version 14: a PostgreSQL 15 source is "newer"
RESOURCE_GROUP = 'rg1'
# A second subscription (the same principal reaches both): a server named like the pool's first in the same resource
# group, and one in a resource group of its own (test_subscriptions.py).
SECOND_SUBSCRIPTION = str(uuid.uuid4())
SECOND_SERVERS = [('srv001', RESOURCE_GROUP), ('srv-second', 'rg-second')]
FEDERATED = {'issuer': 'https://oidc.emulator.test/cluster1', 'subject': 'system:serviceaccount:ci:migrator'}
TERMINAL = ('Succeeded', 'Failed', 'Canceled', 'ValidationFailed')


@pytest.fixture(scope='session')
def source_ca(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp('source-tls'))
    authority = CertificateAuthority('test source CA')
    cert, key = authority.write_leaf(directory, 'source', hostnames=('localhost',), addresses=('127.0.0.1',))
    return {'ca': authority.write(directory, 'ca'), 'cert': cert, 'key': key}


@pytest.fixture(scope='session')
def source(source_ca):
    cluster = PgCluster.start(name='source', ssl_cert_file=source_ca['cert'], ssl_key_file=source_ca['key'])
    sample_data.seed(cluster)
    yield cluster
    cluster.stop()


@pytest.fixture(scope='session')
def target():
    cluster = PgCluster.start(name='target')
    yield cluster
    cluster.stop()


@pytest.fixture(scope='session')
def client_cert():
    """(cert_pem, key_pem) registered on the test service principal."""
    return client_certificate()


@pytest.fixture(scope='session')
def emu(source, target, source_ca, client_cert):
    servers = [{'name': name, 'cluster': target} for name in SERVER_POOL]
    servers.append({'name': OLD_SERVER, 'cluster': target, 'version': '14'})
    servers += [{'name': name, 'cluster': target, 'resource_group': group, 'subscription_id': SECOND_SUBSCRIPTION}
                for name, group in SECOND_SERVERS]
    clients = [{'client_id': str(uuid.uuid4()), 'client_secret': 'not-a-real-secret-%s' % uuid.uuid4().hex, 'federated': [FEDERATED],
                'certificates': [client_cert[0].decode('ascii')]}]
    handle = start_emulator(servers=servers, resource_group=RESOURCE_GROUP, source_ca_file=source_ca['ca'], clients=clients,
                            settings={'step_delay_seconds': 0.02, 'page_size': 3},
                            subscription_ids=[str(uuid.uuid4()), SECOND_SUBSCRIPTION])
    yield handle
    handle.stop()


@pytest.fixture(scope='session')
def spec():
    return SpecChecker()


class ResponseRecorder:
    """raw_response_hook that checks every response body against the OpenAPI contract."""

    def __init__(self, spec):
        self.spec = spec
        self.checked = 0
        self.failures = []

    def __call__(self, pipeline_response):
        http_request, http_response = pipeline_response.http_request, pipeline_response.http_response
        parts = urlsplit(http_request.url)
        path, api_version = parts.path, parse_qs(parts.query).get('api-version', [None])[0]
        text = http_response.text()
        body = json.loads(text) if text else None
        try:
            if self.spec.check(http_request.method, path, http_response.status_code, body, api_version):
                self.checked += 1
        except Exception as exc:  # pylint: disable=broad-except
            self.failures.append('%s %s -> %s: %s' % (http_request.method, path, http_response.status_code, str(exc)[:400]))


@pytest.fixture
def recorder(spec):
    rec = ResponseRecorder(spec)
    yield rec
    assert not rec.failures, 'responses that break the OpenAPI contract:\n' + '\n'.join(rec.failures)


@pytest.fixture
def client(emu, recorder):
    return emu.mgmt_client(raw_response_hook=recorder)


@pytest.fixture
def server(emu, request):
    """A fresh emulated server name for this test; any migration left active on it is cancelled afterwards."""
    name = SERVER_POOL[server.counter % len(SERVER_POOL)]
    server.counter += 1
    yield name
    emu.clear_faults()
    mgmt = emu.mgmt_client()
    for migration in mgmt.migrations.list_by_target_server(RESOURCE_GROUP, name):
        mgmt.migrations.cancel(RESOURCE_GROUP, name, migration.name)
        wait_terminal(mgmt, name, migration.name)


server.counter = 0


def source_id(cluster):
    return '%s:%d@%s' % (cluster.host, cluster.port, cluster.user)


def migration_body(source_cluster, target_cluster, dbs, **props):
    body = {'sourceDbServerResourceId': source_id(source_cluster), 'dbsToMigrate': list(dbs),
            'secretParameters': {'adminCredentials': {'sourceServerPassword': source_cluster.password,
                                                      'targetServerPassword': target_cluster.password}}}
    body.setdefault('overwriteDbsInTarget', 'True')  # tests share one target cluster; opt out explicitly to test the wait
    body.update(props)
    return {'location': 'eastus', 'properties': body}


def wait_for(mgmt, server_name, name, predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        migration = mgmt.migrations.get(RESOURCE_GROUP, server_name, name).as_dict()
        if predicate(migration):
            return migration
        if time.monotonic() > deadline:
            raise AssertionError('migration %s did not reach the expected state: %s' % (name, json.dumps(migration['properties']['currentStatus'])))
        time.sleep(0.05)


def wait_terminal(mgmt, server_name, name, timeout=120):
    return wait_for(mgmt, server_name, name, lambda m: state(m) in TERMINAL, timeout)


def state(migration):
    return migration['properties']['currentStatus']['state']


def substate(migration):
    return migration['properties']['currentStatus'].get('currentSubStateDetails', {}).get('currentSubState')
