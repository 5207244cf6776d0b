#!/usr/bin/env python
"""`sandbox.py up|down`: the local sandbox (source + target PostgreSQL and the Azure emulator).

`up` writes .sandbox/env (shell `export` lines) and .sandbox/env.json with the same keys; both commands are
idempotent and work as root. See docs/emulator.md ("The sandbox")."""

import json
import os
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from pgcluster import PgCluster  # noqa: E402  pylint: disable=wrong-import-position
from emulator import sample_data, single_server_setup  # noqa: E402  pylint: disable=wrong-import-position
from emulator.launcher import start_emulator  # noqa: E402  pylint: disable=wrong-import-position
from emulator.tls import CertificateAuthority, client_certificate, write_trust_bundle  # noqa: E402  pylint: disable=wrong-import-position
import sandbox_fleet  # noqa: E402  pylint: disable=wrong-import-position
import sandbox_profile  # noqa: E402  pylint: disable=wrong-import-position

# PGFLEX_SANDBOX_DIR lets tests run a private sandbox without touching the checkout's .sandbox/.
SANDBOX = os.path.abspath(os.environ.get('PGFLEX_SANDBOX_DIR') or os.path.join(ROOT, '.sandbox'))
RESOURCE_GROUP = 'pgflex-sandbox-rg'
SERVER_NAME = 'pgflex-sandbox-target'
LOCATION = 'eastus'
# Extra emulated servers on the same target cluster, for fleet-style runs (validations, waves of small migrations).
FLEET = ['pgflex-sandbox-fleet-%02d' % i for i in range(1, 9)]
# A Single Server source (Microsoft.DBforPostgreSQL/servers), a third cluster with TLS and the user@server login.
SINGLE_SERVER = 'pgflex-sandbox-single'
SINGLE_SERVER_ADMIN = 'pgadmin'
CLUSTERS = ('source', 'target', 'single')
PID_FILE = os.path.join(SANDBOX, 'emulator.pid')
# The clusters' data lives outside the checkout (see _new_data_dir); this file records where.
DATA_DIR_FILE = os.path.join(SANDBOX, 'data-dir')
DATA_DIR_PREFIX = 'pgflex-sandbox-data-'
ENV_JSON = os.path.join(SANDBOX, 'env.json')
# Visible but not instant: a migration of the sample data takes a few seconds, like a small real one.
SETTINGS = {'step_delay_seconds': 0.5}
# Workload identity: the federated identity credential registered on the sandbox's service principal, as an AKS
# cluster's service account would present it.
FEDERATED_CREDENTIAL = {'name': 'pgflex-sandbox-workload', 'issuer': 'https://oidc.sandbox.pgflex.test/', 'subject': 'system:serviceaccount:pgflex:migrator',
                        'audiences': ['api://AzureADTokenExchange']}


def _alive(pid):
    """True when pid is still our emulator (a stale pid file after a reboot may name an unrelated process)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            argv = handle.read().split(b'\0')
    except OSError:
        return False
    return b'emulator' in argv and b'--state-dir' in argv


def _read_pid():
    try:
        with open(PID_FILE, encoding='utf-8') as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _new_data_dir():
    """A fresh directory for the clusters' data, recorded in .sandbox/data-dir.

    As root, PostgreSQL runs as an unprivileged OS user, which cannot reach a checkout under a private directory
    (root's home, any parent of mode 700). The system temp directory is reachable by every user; the directory
    itself only needs to be traversable (0711), each cluster's own directory is 0700 and owned by the server's user."""
    path = tempfile.mkdtemp(prefix=DATA_DIR_PREFIX)
    os.chmod(path, 0o711)
    with open(DATA_DIR_FILE, 'w', encoding='utf-8') as handle:
        handle.write(path + '\n')
    return path


def _data_dir():
    """The clusters' data directory recorded by `up`, or None (only our own kind of directory is trusted)."""
    try:
        with open(DATA_DIR_FILE, encoding='utf-8') as handle:
            path = handle.read().strip()
    except OSError:
        return None
    if os.path.isabs(path) and os.path.basename(path).startswith(DATA_DIR_PREFIX):
        return path
    return None


def _cluster_dir(name):
    return os.path.join(_data_dir() or SANDBOX, name)


def _cluster_running(name):
    directory = _cluster_dir(name)
    if not os.path.exists(os.path.join(directory, 'cluster.json')):
        return False
    try:
        cluster = PgCluster.from_state(directory)
        cluster.psql('SELECT 1')
        return True
    except Exception:  # pylint: disable=broad-except
        return False


def is_up():
    pid = _read_pid()
    return bool(os.path.exists(ENV_JSON) and pid and _alive(pid) and all(_cluster_running(name) for name in CLUSTERS))


def _start_single_server(authority, data_dir):
    """The Single Server source: (emulator config entry, env variables)."""
    cert, key = single_server_setup.certificate(authority, SANDBOX, SINGLE_SERVER)
    cluster = PgCluster.start(name='single', base_dir=os.path.join(data_dir, 'single'), ssl_cert_file=cert, ssl_key_file=key, keep=True)
    login = single_server_setup.create_admin_login(cluster, SINGLE_SERVER, SINGLE_SERVER_ADMIN)
    sample_data.seed(cluster, sample_data.SINGLE_SERVER_DATABASES)
    entry = single_server_setup.config_entry(cluster, SINGLE_SERVER, SINGLE_SERVER_ADMIN, RESOURCE_GROUP, LOCATION)
    env = {'PGFLEX_SINGLE_SERVER_NAME': SINGLE_SERVER, 'PGFLEX_SINGLE_SERVER_FQDN': single_server_setup.fqdn(SINGLE_SERVER),
           'PGFLEX_SINGLE_SERVER_HOST': cluster.host, 'PGFLEX_SINGLE_SERVER_PORT': str(cluster.port),
           'PGFLEX_SINGLE_SERVER_USER': SINGLE_SERVER_ADMIN, 'PGFLEX_SINGLE_SERVER_LOGIN': login,
           'PGFLEX_SINGLE_SERVER_PASSWORD': cluster.password,
           'PGFLEX_SINGLE_SERVER_DATABASES': ','.join(sample_data.SINGLE_SERVER_DATABASES)}
    return entry, env


def up():
    profile = sandbox_profile.name()  # a bad PGFLEX_SANDBOX_PROFILE stops here, before anything starts
    if is_up() and sandbox_fleet.running_size(ENV_JSON) == sandbox_fleet.size() and sandbox_profile.running(ENV_JSON) == profile \
            and sandbox_fleet.running_subscriptions(ENV_JSON) == sandbox_fleet.subscription_count():
        print('sandbox: already running; environment in %s' % os.path.join(SANDBOX, 'env'))
        return 0
    fleet_size = sandbox_fleet.size()  # a bad PGFLEX_SANDBOX_FLEET stops here, before anything starts
    # The default subscription (AZURE_SUBSCRIPTION_ID) first; the others hold the fleet's turns and a namesake target.
    subscriptions = [str(uuid.uuid4()) for number in range(sandbox_fleet.subscription_count())]
    down(quiet=True)
    started = time.monotonic()
    os.makedirs(SANDBOX, mode=0o755)
    data_dir = _new_data_dir()
    authority = CertificateAuthority('pgflex sandbox source CA')
    source_ca = authority.write(SANDBOX, 'source-ca')
    cert, key = authority.write_leaf(SANDBOX, 'source-tls', hostnames=('localhost',), addresses=('127.0.0.1',))
    # wal_level=replica: the first online migration has the service set it to logical and restart the source.
    source = PgCluster.start(name='source', base_dir=os.path.join(data_dir, 'source'), ssl_cert_file=cert, ssl_key_file=key, keep=True,
                             settings=dict(sandbox_profile.server_settings(profile), wal_level='replica'))
    target = PgCluster.start(name='target', base_dir=os.path.join(data_dir, 'target'), keep=True,
                             settings=sandbox_profile.server_settings(profile))
    sample_data.seed(source)
    profile_env = sandbox_profile.seed(profile, source)
    sandbox_fleet.seed(source, fleet_size)
    single_entry, single_env = _start_single_server(authority, data_dir)
    # The service principal accepts its secret, a certificate (PEM with key + cert, azcollection's x509_certificate_path)
    # and federated assertions from the emulated OIDC issuer (POST /_emulator/federated-assertion mints them).
    client_cert, client_key = client_certificate('pgflex-sandbox-sp')
    certificate_path = os.path.join(SANDBOX, 'client-certificate.pem')
    with open(os.open(certificate_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'wb') as handle:
        handle.write(client_key + client_cert)
    client = {'client_id': str(uuid.uuid4()), 'client_secret': secrets.token_urlsafe(24), 'certificates': [client_cert.decode('ascii')],
              'federated': [FEDERATED_CREDENTIAL]}
    emulator = start_emulator(
        servers=[{'name': name, 'cluster': target, 'resource_group': RESOURCE_GROUP, 'location': LOCATION} for name in [SERVER_NAME] + FLEET]
        # Names are per subscription: each other subscription has a server named like the default one's target.
        + [{'name': SERVER_NAME, 'cluster': target, 'resource_group': RESOURCE_GROUP, 'location': LOCATION, 'subscription_id': other}
           for other in subscriptions[1:]]
        + sandbox_fleet.servers(fleet_size, target, RESOURCE_GROUP, LOCATION, subscriptions),
        subscription_ids=subscriptions,
        settings=dict(SETTINGS, **sandbox_fleet.throttle_settings()), source_ca_file=source_ca, state_dir=os.path.join(SANDBOX, 'emulator'),
        detach=True, clients=[client],
        single_servers=[single_entry])  # every published api-version is built in (tests/emulator/api_versions.py)
    with open(PID_FILE, 'w', encoding='utf-8') as handle:
        handle.write(str(emulator.process.pid))
    bundle = write_trust_bundle(os.path.join(SANDBOX, 'ca-bundle.pem'), emulator.ca_file)
    env = emulator.env()
    env.update({
        'REQUESTS_CA_BUNDLE': bundle, 'PGFLEX_RESOURCE_GROUP': RESOURCE_GROUP, 'PGFLEX_SERVER_NAME': SERVER_NAME,
        'PGFLEX_LOCATION': LOCATION,
        'PGFLEX_SOURCE_HOST': source.host, 'PGFLEX_SOURCE_PORT': str(source.port), 'PGFLEX_SOURCE_USER': source.user,
        'PGFLEX_SOURCE_PASSWORD': source.password, 'PGFLEX_SOURCE_SSL_CA': source_ca,
        'PGFLEX_TARGET_HOST': target.host, 'PGFLEX_TARGET_PORT': str(target.port), 'PGFLEX_TARGET_USER': target.user,
        'PGFLEX_TARGET_PASSWORD': target.password,
        'PGFLEX_SANDBOX_DATABASES': ','.join(sample_data.GOOD_DATABASES), 'PGFLEX_SANDBOX_BAD_DATABASE': sample_data.BAD_DATABASE,
        'PGFLEX_IDENTITY_ENDPOINT': emulator.identity_endpoint, 'PGFLEX_IDENTITY_HEADER': emulator.managed_identity['header'],
        'PGFLEX_MSI_CLIENT_ID': emulator.managed_identity['client_id'], 'PGFLEX_CLIENT_CERTIFICATE_PATH': certificate_path,
        'PGFLEX_SANDBOX_FLEET_SERVERS': ','.join(FLEET),
        'PGFLEX_SANDBOX_FLEET_SIZE': str(fleet_size),
        'PGFLEX_SANDBOX_FLEET_INVENTORY': sandbox_fleet.write_inventory(
            os.path.join(SANDBOX, sandbox_fleet.INVENTORY_NAME), fleet_size, RESOURCE_GROUP, subscriptions),
        'PGFLEX_SINGLE_SERVER_ID': '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/servers/%s' % (
            emulator.subscription_id, RESOURCE_GROUP, SINGLE_SERVER),
    })
    env.update(single_env)
    env.update(profile_env)
    with open(os.open(os.path.join(SANDBOX, 'env'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
        handle.write('# pgflex sandbox (make sandbox-up); source it: . .sandbox/env\n')
        for key in sorted(env):
            handle.write('export %s=%s\n' % (key, shlex.quote(env[key])))
    with open(os.open(ENV_JSON, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
        json.dump(env, handle, indent=2, sort_keys=True)
    print('sandbox: up in %.1fs; emulator %s; source 127.0.0.1:%d; target 127.0.0.1:%d (server %s/%s)'
          % (time.monotonic() - started, emulator.url, source.port, target.port, RESOURCE_GROUP, SERVER_NAME))
    print('sandbox: environment: . %s' % os.path.relpath(os.path.join(SANDBOX, 'env'), os.getcwd()))
    return 0


def _kill_group(pid):
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def down(quiet=False):
    pid = _read_pid()
    if pid and _alive(pid):
        _kill_group(pid)  # the emulator leads its own session: this also ends any pg_dump/pg_restore it runs
    data_dir = _data_dir()
    for name in CLUSTERS:
        directory = _cluster_dir(name)
        if os.path.exists(os.path.join(directory, 'cluster.json')):
            try:
                PgCluster.from_state(directory).stop()
            except Exception as exc:  # pylint: disable=broad-except
                print('sandbox: could not stop %s cleanly: %s' % (name, exc), file=sys.stderr)
    if data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(SANDBOX, ignore_errors=True)
    if not quiet:
        print('sandbox: down')
    return 0


def main(argv):
    if len(argv) != 1 or argv[0] not in ('up', 'down'):
        print('usage: sandbox.py up|down', file=sys.stderr)
        return 2
    return up() if argv[0] == 'up' else down()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
