# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: API calls per pg_flexible_migration task, and a fleet wave of migrations from one playbook.

(a) One offline migration of the sandbox's sample databases (wait: true), its re-run and one info task,
    each an ansible-playbook run; the emulator's request log is counted by kind of call for each.
(b) One migration per fleet server (PGFLEX_SANDBOX_FLEET_SERVERS) started from one playbook with
    async/poll 0 and collected with async_status; prints wall time, migrations per minute and API calls.
    Each fleet server gets its own small database (created on the source, dropped at the end) since the
    fleet servers share one real target PostgreSQL.

Prints numbers; never fails on time. Needs a running sandbox (`make sandbox-up`).
Usage: python tests/perf/bench_migration.py [--sandbox-env FILE] [--collections-path DIR] [--fleet-speed F]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import psycopg

from bench_info import AUTH, collections_path, sandbox_env

POLL_INTERVAL = 2   # module's poll_interval here (default 15 s would dominate a seconds-long migration)
FLEET_ROWS = 20000  # rows of the one table in each fleet database


MIGRATION_ARGS = '''
        state: present
        source_type: OnPremises
        source_server: "{{ lookup('env', 'PGFLEX_SOURCE_HOST') }}:{{ lookup('env', 'PGFLEX_SOURCE_PORT') }}@{{ lookup('env', 'PGFLEX_SOURCE_USER') }}"
        source_password: "{{ lookup('env', 'PGFLEX_SOURCE_PASSWORD') }}"
        target_username: "{{ lookup('env', 'PGFLEX_TARGET_USER') }}"
        target_password: "{{ lookup('env', 'PGFLEX_TARGET_PASSWORD') }}"
        overwrite_databases: true
        wait: true
        poll_interval: %d
''' % POLL_INTERVAL

SINGLE_PLAY = '''---
- name: Benchmark one migration
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
    - name: Migrate
      pgflex.migration.pg_flexible_migration:
        server_name: "{{ lookup('env', 'PGFLEX_SERVER_NAME') }}"
        name: "{{ bench_name }}"
        databases: "{{ lookup('env', 'PGFLEX_SANDBOX_DATABASES').split(',') }}"''' + MIGRATION_ARGS

INFO_PLAY = '''---
- name: Benchmark one info task
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
    - name: Read the migration
      pgflex.migration.pg_flexible_migration_info:
        server_name: "{{ lookup('env', 'PGFLEX_SERVER_NAME') }}"
        name: "{{ bench_name }}"
'''

FLEET_PLAY = '''---
- name: Benchmark a fleet wave
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
    - name: Start one migration per fleet server
      pgflex.migration.pg_flexible_migration:
        server_name: "{{ item }}"
        name: "{{ bench_name }}-{{ index }}"
        databases: ["{{ bench_databases[index] }}"]''' + MIGRATION_ARGS + '''
      loop: "{{ lookup('env', 'PGFLEX_SANDBOX_FLEET_SERVERS').split(',') }}"
      loop_control:
        index_var: index
      async: 300
      poll: 0
      register: bench_started

    - name: Wait for every migration of the wave
      ansible.builtin.async_status:
        jid: "{{ item.ansible_job_id }}"
      loop: "{{ bench_started.results }}"
      loop_control:
        label: "{{ item.item }}"
      register: bench_done
      until: bench_done.finished
      retries: 300
      delay: 1
'''


class Emulator:
    """The sandbox emulator's admin API: request log and settings."""

    def __init__(self, env):
        self.url = env['PGFLEX_EMULATOR_URL'] + '/_emulator'
        self.token = env['PGFLEX_EMULATOR_ADMIN_TOKEN']
        self.context = ssl.create_default_context(cafile=env['REQUESTS_CA_BUNDLE'])

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={'Authorization': 'Bearer ' + self.token, 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:  # nosec - local emulator
            return json.loads(response.read() or b'null')

    def requests_since(self, seq):
        return self.call('GET', '/requests?since=%d' % seq)['value']

    def last_seq(self):
        return max([item['seq'] for item in self.requests_since(0)] or [0])

    def settings(self, **changes):
        return self.call('PATCH' if changes else 'GET', '/settings', changes or None)


def kind_of(entry):
    """Name the kind of one request log entry: token, metadata, GET migration, PUT, ..."""
    if entry['scope'] == 'identity':
        return 'token' if entry['path'].endswith('/token') else 'OIDC discovery'
    if entry['scope'] == 'metadata':
        return 'metadata'
    path = entry['path'].rstrip('/').lower()
    if re.search(r'/migrations/[^/]+$', path):
        return entry['method'] + (' migration' if entry['method'] == 'GET' else '')
    if path.endswith('/migrations'):
        return 'GET migration list'
    if re.search(r'/flexibleservers/[^/]+$', path):
        return entry['method'] + ' server'
    return entry['method'] + ' other ARM'


def count_calls(entries):
    counts = collections.Counter(kind_of(entry) for entry in entries)
    counts['total'] = len(entries)
    return counts


def run_playbook(env, work, text, extra_vars):
    path = os.path.join(work, 'play-%d.yml' % time.monotonic_ns())
    with open(path, 'w') as handle:
        handle.write(text)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), path, '-e', json.dumps(extra_vars)]
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit('ansible-playbook failed:\n%s' % completed.stdout[-4000:])
    return elapsed, completed.stdout


def measured(emulator, env, work, text, extra_vars):
    """Run a playbook; answer (wall seconds, request log entries it caused, whether a task changed)."""
    seq = emulator.last_seq()
    elapsed, output = run_playbook(env, work, text, extra_vars)
    changed = re.search(r'changed=([0-9]+)', output.split('PLAY RECAP')[-1])
    return elapsed, emulator.requests_since(seq), bool(changed and int(changed.group(1)))


def print_calls(title, elapsed, entries, changed):
    counts = count_calls(entries)
    details = ', '.join('%s %d' % (kind, counts[kind]) for kind in sorted(counts) if kind != 'total')
    print('%-28s %5.1f s  changed=%-5s API calls %3d: %s' % (title, elapsed, changed, counts['total'], details))


def fleet_databases(env, count):
    """Create one small database per fleet server on the source; answer their names."""
    names = ['bench_fleet_%02d' % (i + 1) for i in range(count)]
    with psycopg.connect(source_conninfo(env, 'postgres'), autocommit=True) as conn:
        for name in names:
            conn.execute('DROP DATABASE IF EXISTS %s' % name)
            conn.execute('CREATE DATABASE %s' % name)
    for name in names:
        with psycopg.connect(source_conninfo(env, name), autocommit=True) as conn:
            conn.execute('CREATE TABLE items (id int PRIMARY KEY, label text)')
            conn.execute("INSERT INTO items SELECT i, md5(i::text) FROM generate_series(1, %d) i" % FLEET_ROWS)
    return names


def drop_databases(env, names):
    for prefix in ('SOURCE', 'TARGET'):
        with psycopg.connect(conninfo(env, prefix, 'postgres'), autocommit=True) as conn:
            for name in names:
                conn.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


def conninfo(env, prefix, dbname):
    return psycopg.conninfo.make_conninfo(host=env['PGFLEX_%s_HOST' % prefix], port=env['PGFLEX_%s_PORT' % prefix],
                                          user=env['PGFLEX_%s_USER' % prefix], password=env['PGFLEX_%s_PASSWORD' % prefix],
                                          dbname=dbname, connect_timeout=10)


def source_conninfo(env, dbname):
    return conninfo(env, 'SOURCE', dbname)


def bench_single(emulator, env, work, stamp):
    name = 'bench-one-%s' % stamp
    print('(a) API calls per task (poll_interval %d s, step delay %s s / speed %s)' % (
        POLL_INTERVAL, emulator.settings()['step_delay_seconds'], emulator.settings()['speed_factor']))
    print_calls('migration, wait: true', *measured(emulator, env, work, SINGLE_PLAY, {'bench_name': name}))
    print_calls('re-run of the same task', *measured(emulator, env, work, SINGLE_PLAY, {'bench_name': name}))
    print_calls('info task (one migration)', *measured(emulator, env, work, INFO_PLAY, {'bench_name': name}))


def bench_fleet(emulator, env, work, stamp, speed):
    servers = env['PGFLEX_SANDBOX_FLEET_SERVERS'].split(',')
    databases = fleet_databases(env, len(servers))
    before = emulator.settings()
    try:
        emulator.settings(speed_factor=speed)
        elapsed, entries, dummy = measured(emulator, env, work, FLEET_PLAY,
                                           {'bench_name': 'bench-fleet-%s' % stamp, 'bench_databases': databases})
    finally:
        emulator.settings(speed_factor=before['speed_factor'])
        drop_databases(env, databases)
    counts = count_calls(entries)
    print('(b) fleet wave: %d migrations (one %d-row database each, speed factor %s, poll_interval %d s)'
          % (len(servers), FLEET_ROWS, speed, POLL_INTERVAL))
    print('    wall time (ansible-playbook): %.1f s' % elapsed)
    print('    migrations per minute: %.1f' % (len(servers) * 60.0 / elapsed))
    print('    API calls: %d (%.1f per migration): %s' % (
        counts['total'], counts['total'] / float(len(servers)),
        ', '.join('%s %d' % (kind, counts[kind]) for kind in sorted(counts) if kind != 'total')))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections-path', default=os.environ.get('ANSIBLE_COLLECTIONS_PATH'),
                        help='directory containing ansible_collections/pgflex/migration (default: ANSIBLE_COLLECTIONS_PATH, '
                             'else a temporary link to this checkout)')
    parser.add_argument('--sandbox-env', default=os.path.join(os.path.dirname(__file__), '..', '..', '.sandbox', 'env.json'),
                        help='the sandbox env.json')
    parser.add_argument('--fleet-speed', type=float, default=5.0, help="emulator speed_factor during the fleet wave (default 5)")
    args = parser.parse_args()

    env = sandbox_env(args.sandbox_env)
    missing = [key for key in ('PGFLEX_EMULATOR_URL', 'PGFLEX_EMULATOR_ADMIN_TOKEN', 'PGFLEX_SANDBOX_FLEET_SERVERS',
                               'PGFLEX_SOURCE_HOST', 'PGFLEX_TARGET_HOST', 'PGFLEX_SANDBOX_DATABASES') if not env.get(key)]
    if missing:
        sys.exit('sandbox settings missing (%s): run `make sandbox-up` first' % ', '.join(missing))
    coll_path, cleanup = collections_path(args.collections_path)
    env['ANSIBLE_COLLECTIONS_PATH'] = coll_path
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    env.setdefault('ANSIBLE_LOCALHOST_WARNING', 'false')
    env.setdefault('ANSIBLE_INVENTORY_UNPARSED_WARNING', 'false')
    emulator = Emulator(env)
    stamp = time.strftime('%H%M%S')
    with tempfile.TemporaryDirectory(prefix='pgflex-bench-migration-') as work:
        bench_single(emulator, env, work, stamp)
        bench_fleet(emulator, env, work, stamp, args.fleet_speed)
    if cleanup:
        os.unlink(os.path.join(cleanup, 'ansible_collections', 'pgflex', 'migration'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
