"""Start and stop throwaway PostgreSQL clusters on 127.0.0.1.

The server refuses to run as root, so when invoked as root the cluster is created and run as an
unprivileged OS user (``postgres`` when the Debian package made one, else a ``pgflex`` system user).
"""

import atexit
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from .binaries import find_bindir

SERVICE_USER_CANDIDATES = ('postgres', 'pgflex')
STATE_FILE = 'cluster.json'

# Fast, disposable clusters: durability is irrelevant for test data; logical WAL keeps the door open
# for logical replication (online migrations).
DEFAULT_SETTINGS = {
    'listen_addresses': "'127.0.0.1'",
    'fsync': 'off',
    'synchronous_commit': 'off',
    'full_page_writes': 'off',
    'wal_level': 'logical',
    'max_wal_senders': '20',
    'max_replication_slots': '20',
    # Online migrations: one apply worker per database plus parallel table copies, started without the default
    # 5 s back-off between worker starts.
    'max_worker_processes': '24',
    'max_logical_replication_workers': '16',
    'max_sync_workers_per_subscription': '4',
    'wal_retrieve_retry_interval': "'200ms'",
    'max_connections': '100',
    'shared_buffers': '32MB',
    'log_min_messages': 'warning',
}

_LIVE = []


class PgClusterError(RuntimeError):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _service_account():
    """Return (uid, gid, name) of the account the server runs as."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name
    for name in SERVICE_USER_CANDIDATES:
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid, entry.pw_name
        except KeyError:
            continue
    subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'pgflex'], check=True)
    entry = pwd.getpwnam('pgflex')
    return entry.pw_uid, entry.pw_gid, entry.pw_name


class PgCluster:
    """One running cluster. Use ``PgCluster.start(...)``; stop with ``stop()`` or a ``with`` block."""

    host = '127.0.0.1'
    user = 'postgres'

    def __init__(self, name, base_dir, port, password, bindir, owned_dir):
        self.name = name
        self.base_dir = base_dir
        self.datadir = os.path.join(base_dir, 'data')
        self.logfile = os.path.join(base_dir, 'server.log')
        self.port = port
        self.password = password
        self.bindir = bindir
        self._owned_dir = owned_dir
        self._uid, self._gid, self.os_user = _service_account()
        self.major = self._read_major()

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, name='pg', base_dir=None, port=None, password=None, settings=None,
              ssl_cert_file=None, ssl_key_file=None, ssl_ca_file=None, keep=False):
        """Create and start a cluster. ``keep=True`` leaves it running when this process exits."""
        bindir = find_bindir()
        owned_dir = base_dir is None
        base_dir = base_dir or tempfile.mkdtemp(prefix='pgflex-%s-' % name)
        os.makedirs(base_dir, exist_ok=True)
        cluster = cls(name, os.path.abspath(base_dir), port or free_port(), password or secrets.token_hex(12), bindir, owned_dir)
        try:
            cluster._initdb()
            cluster._configure(settings or {}, ssl_cert_file, ssl_key_file, ssl_ca_file)
            cluster._start_server(retry_ports=port is None)
        except Exception:
            cluster.stop()
            raise
        cluster.save_state()
        if not keep:
            _LIVE.append(cluster)
            cluster._start_watchdog()
        return cluster

    def stop(self):
        """Stop the server (fast, then forcefully) and remove the cluster's directory."""
        pid = self._postmaster_pid()
        if pid:
            self._as_owner([self.bin('pg_ctl'), '-D', self.datadir, 'stop', '-m', 'fast', '-w', '-t', '20'], check=False)
            if self._alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if cluster_in(_LIVE, self):
            _LIVE.remove(self)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def restart(self):
        """Restart the server on the same port (settings such as wal_level apply only at start)."""
        self._as_owner([self.bin('pg_ctl'), '-D', self.datadir, '-l', self.logfile, '-o', '-p %d' % self.port,
                        '-m', 'fast', '-w', '-t', '60', 'restart'])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- connection helpers ------------------------------------------------------------------

    def bin(self, program):
        return os.path.join(self.bindir, program)

    def conninfo(self, dbname='postgres'):
        return 'host=%s port=%d user=%s password=%s dbname=%s' % (self.host, self.port, self.user, self.password, dbname)

    def client_env(self):
        """Environment for libpq client programs (pg_dump, psql) talking to this cluster."""
        return dict(os.environ, PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password)

    def psql(self, sql, dbname='postgres'):
        """Run SQL with psql and return its unaligned output (stripped)."""
        done = subprocess.run([self.bin('psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', dbname, '-c', sql],
                              env=self.client_env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PgClusterError('psql failed on %s/%s: %s' % (self.name, dbname, done.stderr.strip()))
        return done.stdout.strip()

    def as_dict(self):
        return {'name': self.name, 'host': self.host, 'port': self.port, 'user': self.user, 'password': self.password,
                'datadir': self.datadir, 'base_dir': self.base_dir, 'bindir': self.bindir, 'major': self.major}

    def save_state(self):
        with open(os.path.join(self.base_dir, STATE_FILE), 'w', encoding='utf-8') as handle:
            json.dump(self.as_dict(), handle)
        os.chmod(os.path.join(self.base_dir, STATE_FILE), 0o600)

    @classmethod
    def from_state(cls, base_dir):
        """Re-attach to a cluster started earlier (by the CLI) in ``base_dir``."""
        with open(os.path.join(base_dir, STATE_FILE), encoding='utf-8') as handle:
            state = json.load(handle)
        return cls(state['name'], state['base_dir'], state['port'], state['password'], state['bindir'], owned_dir=True)

    # -- internals ---------------------------------------------------------------------------

    def _start_watchdog(self):
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get('PYTHONPATH')])))
        subprocess.Popen([sys.executable, '-m', 'pgcluster.watchdog', str(os.getpid()), self.base_dir],  # pylint: disable=consider-using-with
                         env=env, start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True)

    def _as_owner(self, argv, check=True):
        kwargs = {}
        if os.geteuid() == 0:
            kwargs = {'user': self._uid, 'group': self._gid, 'extra_groups': []}
        env = dict(os.environ, HOME=self.base_dir, LC_ALL='C.UTF-8')
        done = subprocess.run(argv, cwd=self.base_dir, env=env, capture_output=True, text=True, check=False, **kwargs)
        if check and done.returncode != 0:
            raise PgClusterError('%s failed: %s' % (os.path.basename(argv[0]), (done.stderr or done.stdout).strip()))
        return done

    def _read_major(self):
        out = subprocess.run([self.bin('pg_ctl'), '--version'], capture_output=True, text=True, check=True).stdout
        return int(re.search(r'(\d+)', out).group(1))

    def _initdb(self):
        os.chmod(self.base_dir, 0o700)
        if os.geteuid() == 0:
            os.chown(self.base_dir, self._uid, self._gid)
            if self._as_owner(['test', '-w', self.base_dir], check=False).returncode != 0:
                raise PgClusterError('%s is not reachable by the unprivileged user %r that runs the server; '
                                     'use a directory under /tmp' % (self.base_dir, self.os_user))
        pwfile = os.path.join(self.base_dir, 'pwfile')
        with open(pwfile, 'w', encoding='utf-8') as handle:
            handle.write(self.password + '\n')
        os.chmod(pwfile, 0o600)
        if os.geteuid() == 0:
            os.chown(pwfile, self._uid, self._gid)
        try:
            self._as_owner([self.bin('initdb'), '-D', self.datadir, '-U', self.user, '--pwfile', pwfile,
                            '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync'])
        finally:
            os.unlink(pwfile)

    def _configure(self, settings, ssl_cert_file, ssl_key_file, ssl_ca_file):
        values = dict(DEFAULT_SETTINGS, unix_socket_directories="'%s'" % self.base_dir)
        if ssl_cert_file and ssl_key_file:
            values.update(ssl='on', ssl_cert_file="'%s'" % self._install_file(ssl_cert_file, 'server.crt'),
                          ssl_key_file="'%s'" % self._install_file(ssl_key_file, 'server.key'))
            if ssl_ca_file:
                values['ssl_ca_file'] = "'%s'" % self._install_file(ssl_ca_file, 'root.crt')
        values.update({key: str(value) for key, value in settings.items()})
        with open(os.path.join(self.datadir, 'postgresql.auto.conf'), 'a', encoding='utf-8') as handle:
            for key, value in values.items():
                handle.write('%s = %s\n' % (key, value))
        with open(os.path.join(self.datadir, 'pg_hba.conf'), 'w', encoding='utf-8') as handle:
            handle.write('local all all scram-sha-256\n'
                         'host all all 127.0.0.1/32 scram-sha-256\n'
                         'host replication all 127.0.0.1/32 scram-sha-256\n')

    def _install_file(self, source, name):
        target = os.path.join(self.datadir, name)
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)
        if os.geteuid() == 0:
            os.chown(target, self._uid, self._gid)
        return target

    def _start_server(self, retry_ports):
        for attempt in range(3):
            done = self._as_owner([self.bin('pg_ctl'), '-D', self.datadir, '-l', self.logfile, '-o', '-p %d' % self.port,
                                   '-w', '-t', '60', 'start'], check=False)
            if done.returncode == 0:
                return
            if not retry_ports or attempt == 2:
                break
            self.port = free_port()  # another process took the port between probing and binding
        log = ''
        if os.path.exists(self.logfile):
            with open(self.logfile, encoding='utf-8', errors='replace') as handle:
                log = handle.read()[-2000:]
        raise PgClusterError('PostgreSQL cluster %r did not start: %s %s' % (self.name, done.stderr.strip(), log))

    def _postmaster_pid(self):
        try:
            with open(os.path.join(self.datadir, 'postmaster.pid'), encoding='utf-8') as handle:
                return int(handle.readline().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(pid):
        for dummy in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            time.sleep(0.1)
        return True


def cluster_in(clusters, cluster):
    return any(item is cluster for item in clusters)


@atexit.register
def _stop_leftovers():
    # A test run that crashes must not leave servers behind.
    for cluster in list(_LIVE):
        cluster.stop()
