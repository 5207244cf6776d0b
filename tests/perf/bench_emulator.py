"""Benchmark: the emulator's GET latency/throughput on loopback, and its migration data path against a raw
`pg_dump -Fc | pg_restore` of the same databases. Prints numbers; never fails on time.

Usage: PYTHONPATH=tests python tests/perf/bench_emulator.py [--sandbox-env .sandbox/env.json] [--seconds 5] [--clients 3]
Without --sandbox-env it starts its own source/target clusters and emulator (and stops them)."""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))

from emulator import sample_data  # noqa: E402  pylint: disable=wrong-import-position
from emulator.copier import bindir  # noqa: E402  pylint: disable=wrong-import-position

API = '?api-version=2026-10-01'
TERMINAL = ('Succeeded', 'Failed', 'Canceled', 'ValidationFailed')


class Target:
    """What the benchmark needs, from a sandbox env file or from a private setup."""

    def __init__(self, env, cleanup=None):
        self.env = env
        self.cleanup = cleanup or (lambda: None)
        self.url = env['PGFLEX_EMULATOR_URL']
        self.verify = env.get('PGFLEX_EMULATOR_CA') or env['REQUESTS_CA_BUNDLE']
        self.admin_headers = {'Authorization': 'Bearer ' + env['PGFLEX_EMULATOR_ADMIN_TOKEN']}
        self.server_path = '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s' % (
            env['AZURE_SUBSCRIPTION_ID'], env['PGFLEX_RESOURCE_GROUP'], env['PGFLEX_SERVER_NAME'])

    def token(self):
        response = requests.post('%s/%s/oauth2/v2.0/token' % (self.url, self.env['AZURE_TENANT_ID']), verify=self.verify, timeout=30,
                                 data={'grant_type': 'client_credentials', 'client_id': self.env['AZURE_CLIENT_ID'],
                                       'client_secret': self.env['AZURE_CLIENT_SECRET'], 'scope': self.url + '/.default'})
        response.raise_for_status()
        return response.json()['access_token']

    def admin(self, method, path, body=None):
        response = requests.request(method, self.url + '/_emulator' + path, json=body, headers=self.admin_headers, verify=self.verify,
                                    timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None


def private_target():
    from emulator.launcher import start_emulator  # pylint: disable=import-outside-toplevel
    from pgcluster import PgCluster  # pylint: disable=import-outside-toplevel
    source = PgCluster.start(name='bench-source')
    target = PgCluster.start(name='bench-target')
    sample_data.seed(source, sample_data.GOOD_DATABASES)
    emu = start_emulator(servers=[{'name': 'bench-target', 'cluster': target, 'resource_group': 'bench-rg'}])
    env = dict(emu.env(), REQUESTS_CA_BUNDLE=emu.ca_file, PGFLEX_RESOURCE_GROUP='bench-rg', PGFLEX_SERVER_NAME='bench-target',
               PGFLEX_SOURCE_HOST=source.host, PGFLEX_SOURCE_PORT=str(source.port), PGFLEX_SOURCE_USER=source.user,
               PGFLEX_SOURCE_PASSWORD=source.password, PGFLEX_TARGET_HOST=target.host, PGFLEX_TARGET_PORT=str(target.port),
               PGFLEX_TARGET_USER=target.user, PGFLEX_TARGET_PASSWORD=target.password,
               PGFLEX_SANDBOX_DATABASES=','.join(sample_data.GOOD_DATABASES))

    def cleanup():
        emu.stop()
        source.stop()
        target.stop()
    return Target(env, cleanup)


def create_migration(t, session, name, dbs, option='Migrate'):
    env = t.env
    body = {'location': env.get('PGFLEX_LOCATION', 'eastus'), 'properties': {
        'sourceDbServerResourceId': '%s:%s@%s' % (env['PGFLEX_SOURCE_HOST'], env['PGFLEX_SOURCE_PORT'], env['PGFLEX_SOURCE_USER']),
        'dbsToMigrate': dbs, 'migrationOption': option, 'overwriteDbsInTarget': 'True',
        'secretParameters': {'adminCredentials': {'sourceServerPassword': env['PGFLEX_SOURCE_PASSWORD'],
                                                  'targetServerPassword': env['PGFLEX_TARGET_PASSWORD']}}}}
    response = session.put(t.url + t.server_path + '/migrations/' + name + API, json=body, timeout=30)
    response.raise_for_status()


def wait(t, session, name):
    while True:
        body = session.get(t.url + t.server_path + '/migrations/' + name + API, timeout=30).json()
        if body['properties']['currentStatus']['state'] in TERMINAL:
            return body
        time.sleep(0.1)  # real clients poll every few seconds; a tight loop would steal CPU from the copy it measures


def bench_get(t, session, name, seconds, threads):
    url = t.url + t.server_path + '/migrations/' + name + API
    latencies = []
    while len(latencies) < 300:
        started = time.perf_counter()
        session.get(url, timeout=30).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    print('GET migration, 1 client, keep-alive: p50 %.2f ms, p95 %.2f ms, max %.2f ms (%d requests)'
          % (latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)], latencies[-1], len(latencies)))
    # Load comes from separate processes so the client's own GIL does not cap the figure.
    with multiprocessing.Pool(threads) as pool:
        counts = pool.starmap(_hammer, [(url, dict(session.headers), session.verify, seconds)] * threads)
    print('GET migration, %d client processes for %.0f s: %.0f GET/s (aim >= 300)' % (threads, seconds, sum(counts) / seconds))


def _hammer(url, headers, verify, seconds):
    own = requests.Session()
    own.trust_env = False
    own.headers.update(headers)
    own.verify = verify
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        own.get(url, timeout=30).raise_for_status()
        done += 1
    return done


def raw_copy_seconds(t, dbs):
    env = t.env
    bins = bindir()
    base = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
    src = dict(base, PGHOST=env['PGFLEX_SOURCE_HOST'], PGPORT=env['PGFLEX_SOURCE_PORT'], PGUSER=env['PGFLEX_SOURCE_USER'],
               PGPASSWORD=env['PGFLEX_SOURCE_PASSWORD'])
    dst = dict(base, PGHOST=env['PGFLEX_TARGET_HOST'], PGPORT=env['PGFLEX_TARGET_PORT'], PGUSER=env['PGFLEX_TARGET_USER'],
               PGPASSWORD=env['PGFLEX_TARGET_PASSWORD'])
    started = time.perf_counter()
    for db in dbs:
        scratch = 'bench_raw_' + db
        subprocess.run([os.path.join(bins, 'psql'), '-q', '-d', 'postgres', '-c', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % scratch,
                        '-c', 'CREATE DATABASE %s TEMPLATE template0' % scratch], env=dst, check=True)
        with subprocess.Popen([os.path.join(bins, 'pg_dump'), '-Fc', '-Z0', db], env=src, stdout=subprocess.PIPE) as dump:
            subprocess.run([os.path.join(bins, 'pg_restore'), '--no-owner', '--no-acl', '-d', scratch], env=dst, stdin=dump.stdout,
                           check=True)
            dump.stdout.close()
    elapsed = time.perf_counter() - started
    for db in dbs:
        subprocess.run([os.path.join(bins, 'psql'), '-q', '-d', 'postgres', '-c', 'DROP DATABASE IF EXISTS bench_raw_%s WITH (FORCE)' % db],
                       env=dst, check=True)
    return elapsed


def bench_data_path(t, session, dbs, rounds):
    before = t.admin('GET', '/settings')
    t.admin('PATCH', '/settings', {'step_delay_seconds': 0, 'copy_rate_bytes_per_second': 0})
    try:
        raw, emulated = [], []
        for attempt in range(rounds):
            raw.append(raw_copy_seconds(t, dbs))
            name = 'bench-copy-%d-%d' % (int(time.time()), attempt)
            started = time.perf_counter()
            create_migration(t, session, name, dbs)
            done = wait(t, session, name)
            emulated.append(time.perf_counter() - started)
            if done['properties']['currentStatus']['state'] != 'Succeeded':
                print('migration %s ended %s' % (name, done['properties']['currentStatus']))
                return
    finally:
        t.admin('PATCH', '/settings', {k: before[k] for k in ('step_delay_seconds', 'copy_rate_bytes_per_second')})
    raw_s, emu_s = statistics.median(raw), statistics.median(emulated)
    print('data path, %s: raw pg_dump|pg_restore %.2f s, emulated migration %.2f s (create to Succeeded, polled), '
          'throughput ratio %.2fx (aim >= 0.8x; median of %d)' % (','.join(dbs), raw_s, emu_s, raw_s / emu_s, rounds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sandbox-env', help='.sandbox/env.json of a running sandbox')
    parser.add_argument('--seconds', type=float, default=5.0)
    parser.add_argument('--clients', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    if args.sandbox_env:
        with open(args.sandbox_env, encoding='utf-8') as handle:
            t = Target(json.load(handle))
    else:
        t = private_target()
    try:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override session.verify
        session.verify = t.verify
        session.headers['Authorization'] = 'Bearer ' + t.token()
        name = 'bench-get-%d' % int(time.time())
        dbs = t.env['PGFLEX_SANDBOX_DATABASES'].split(',')
        create_migration(t, session, name, dbs[:1], option='Validate')
        wait(t, session, name)
        bench_get(t, session, name, args.seconds, args.clients)
        bench_data_path(t, session, dbs, args.rounds)
    finally:
        t.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
