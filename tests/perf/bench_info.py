# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: marginal wall time of one pg_flexible_migration_info task, token cache off and on, beside the az CLI.

Every side imports, authenticates (a real token from the emulator) and does one GET (the list of the
server's migrations): a bare SDK script, the Azure CLI (`az postgres flexible-server migration list`, signed in
once, with its own token cache; when scripts/azcli.sh or --az provides it) and the task with the token cache
off and on. A task's marginal cost is (playbook with 1+N tasks - playbook with 1 task) / N, so ansible-playbook's fixed start-up
cost is not counted; an ansible.builtin.ping task gives Ansible's own floor. The sides run interleaved in each
round (the machine's load hits them alike), with and without latency added to every answer of the emulator;
ratios are the point. Prints numbers; never fails on time.

With --baseline DIR (a directory holding ansible_collections/pgflex/migration of another commit, e.g. from
`git archive`), the task with the cache on also runs from that copy in each round: a lever's before and after
in one run.

Needs a running sandbox (`make sandbox-up`): reads .sandbox/env.json, or the same keys from the
environment. Usage: python tests/perf/bench_info.py [--tasks N] [--rounds R] [--latency-ms 0,80]
[--az PATH | --no-az] [--collections-path DIR] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ENV_KEYS = ['AZURE_SUBSCRIPTION_ID', 'AZURE_CLIENT_ID', 'AZURE_SECRET', 'AZURE_TENANT', 'AZURE_CLOUD_ENVIRONMENT',
            'REQUESTS_CA_BUNDLE', 'PGFLEX_RESOURCE_GROUP', 'PGFLEX_SERVER_NAME', 'PGFLEX_EMULATOR_URL',
            'PGFLEX_EMULATOR_ADMIN_TOKEN', 'PGFLEX_CLIENT_CERTIFICATE_PATH']

BARE_SCRIPT = r'''
import json, os, sys
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
base = os.environ['AZURE_CLOUD_ENVIRONMENT'].split('/metadata/')[0].rstrip('/')
meta = requests.get(base + '/metadata/endpoints?api-version=2022-09-01', timeout=30).json()
meta = meta[0] if isinstance(meta, list) else meta
authority = meta['authentication']['loginEndpoint'].rstrip('/')
audience = meta['authentication']['audiences'][0].rstrip('/') + '/'
credential = ClientSecretCredential(os.environ['AZURE_TENANT'], os.environ['AZURE_CLIENT_ID'], os.environ['AZURE_SECRET'],
                                    authority=authority, disable_instance_discovery=True)
client = PostgreSQLManagementClient(credential, os.environ['AZURE_SUBSCRIPTION_ID'], base_url=base + '/',
                                    credential_scopes=[audience + '.default'])
items = [m.as_dict() for m in client.migrations.list_by_target_server(
    os.environ['PGFLEX_RESOURCE_GROUP'], os.environ['PGFLEX_SERVER_NAME'], migration_list_filter='All')]
print(len(items))
'''

TASK = '''
    - name: Info {index}
      pgflex.migration.pg_flexible_migration_info:
        resource_group: "{{{{ lookup('env', 'PGFLEX_RESOURCE_GROUP') }}}}"
        server_name: "{{{{ lookup('env', 'PGFLEX_SERVER_NAME') }}}}"
'''

# Auth for every module of the collection, from the sandbox's environment (shared with bench_migration).
AUTH = '''  module_defaults:
    group/pgflex.migration.azure:
      subscription_id: "{{ lookup('env', 'AZURE_SUBSCRIPTION_ID') }}"
      client_id: "{{ lookup('env', 'AZURE_CLIENT_ID') }}"
      secret: "{{ lookup('env', 'AZURE_SECRET') }}"
      tenant: "{{ lookup('env', 'AZURE_TENANT') }}"
      cloud_environment: "{{ lookup('env', 'AZURE_CLOUD_ENVIRONMENT') }}"
      resource_group: "{{ lookup('env', 'PGFLEX_RESOURCE_GROUP') }}"
'''

PING_TASK = '''
    - name: Ping {index}
      ansible.builtin.ping:
'''

PLAY = '''---
- name: Benchmark pg_flexible_migration_info
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
'''


def sandbox_env(path):
    env = dict(os.environ)
    if os.path.exists(path):
        with open(path) as handle:
            env.update(dict((k, str(v)) for k, v in json.load(handle).items()))
    missing = [key for key in ENV_KEYS if not env.get(key)]
    if missing:
        sys.exit('sandbox settings missing (%s): run `make sandbox-up` first' % ', '.join(missing))
    return env


def collections_path(explicit):
    """A directory holding ansible_collections/pgflex/migration (a symlink to the checkout if needed)."""
    if explicit:
        return explicit, None
    temp = tempfile.mkdtemp(prefix='pgflex-bench-')
    os.makedirs(os.path.join(temp, 'ansible_collections', 'pgflex'))
    os.symlink(ROOT, os.path.join(temp, 'ansible_collections', 'pgflex', 'migration'))
    return temp, temp


def timed(command, env, cwd=None):
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit('command failed: %s\n%s' % (' '.join(command), completed.stdout[-3000:]))
    return elapsed


def playbook(directory, kind, tasks):
    path = os.path.join(directory, 'bench-%s-%d.yml' % (kind, tasks))
    task = PING_TASK if kind == 'ping' else TASK
    with open(path, 'w') as handle:
        handle.write(PLAY + ''.join(task.format(index=i) for i in range(tasks)))
    return path


def emulator_latency(env, seconds):
    """Add ``seconds`` to every answer of the emulator (a fault rule), or remove every rule (0)."""
    url = env['PGFLEX_EMULATOR_URL'] + '/_emulator/faults'
    body = json.dumps({'kind': 'latency', 'scope': 'all', 'seconds': seconds}).encode() if seconds else None
    request = urllib.request.Request(url, data=body, method='POST' if seconds else 'DELETE', headers={
        'Authorization': 'Bearer ' + env['PGFLEX_EMULATOR_ADMIN_TOKEN'], 'Content-Type': 'application/json'})
    import ssl  # pylint: disable=import-outside-toplevel
    urllib.request.urlopen(request, context=ssl.create_default_context(cafile=env['REQUESTS_CA_BUNDLE']), timeout=30).read()


def az_sign_in(az, env):
    """A private az profile signed in to the sandbox (certificate of the service principal); returns its env."""
    az_env = dict(env, AZURE_CONFIG_DIR=tempfile.mkdtemp(prefix='pgflex-bench-az-'), AZURE_CORE_COLLECT_TELEMETRY='false',
                  AZURE_CORE_SURVEY_MESSAGE='false', AZURE_CORE_INSTANCE_DISCOVERY='false',
                  AZURE_EXTENSION_USE_DYNAMIC_INSTALL='no', AZURE_CORE_ONLY_SHOW_ERRORS='true')
    arm = env['PGFLEX_EMULATOR_URL'].rstrip('/') + '/'
    for command in (['cloud', 'register', '--name', 'PgflexSandbox', '--endpoint-resource-manager', arm],
                    ['cloud', 'set', '--name', 'PgflexSandbox'],
                    ['login', '--service-principal', '--username', env['AZURE_CLIENT_ID'], '--tenant', env['AZURE_TENANT'],
                     '--certificate', env['PGFLEX_CLIENT_CERTIFICATE_PATH'], '--output', 'none']):
        timed([az] + command, az_env)
    return az_env


def installed_az():
    """The az of scripts/azcli.sh (its own virtualenv, installed once per machine), or None without it."""
    installer = os.path.join(ROOT, 'scripts', 'azcli.sh')
    if not os.access(installer, os.X_OK):
        print('no scripts/azcli.sh in this checkout: the Azure CLI is not measured (see --az)')
        return None
    completed = subprocess.run([installer], stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0 or not completed.stdout.strip():
        print('scripts/azcli.sh could not install the Azure CLI: it is not measured')
        return None
    return completed.stdout.strip().splitlines()[-1]


def az_list(az, env):
    return [az, 'postgres', 'flexible-server', 'migration', 'list', '--resource-group', env['PGFLEX_RESOURCE_GROUP'],
            '--server-name', env['PGFLEX_SERVER_NAME'], '--filter', 'All', '--output', 'none']


def one_round(sides, results):
    """Run every side once, in turn, and record its time (a task's time is its marginal cost)."""
    for name, run in sides:
        results.setdefault(name, []).append(run())


def marginal(env, work, plays, tasks):
    short_play, long_play = plays

    def run():
        short = timed([env['_ANSIBLE_PLAYBOOK'], short_play], env, cwd=work)
        return (timed([env['_ANSIBLE_PLAYBOOK'], long_play], env, cwd=work) - short) / tasks
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=10, help='extra tasks in the long playbook (default 10)')
    parser.add_argument('--rounds', type=int, default=3, help='repetitions; the median is reported (default 3)')
    parser.add_argument('--latency-ms', default='0,80', help='latency added to every emulator answer, per series (default 0,80)')
    parser.add_argument('--az', help='the az executable to run beside the task (default: what scripts/azcli.sh installs '
                                     'or reuses, when the checkout has it)')
    parser.add_argument('--no-az', action='store_true', help='do not run the Azure CLI')
    parser.add_argument('--collections-path', default=os.environ.get('ANSIBLE_COLLECTIONS_PATH'),
                        help='directory containing ansible_collections/pgflex/migration (default: ANSIBLE_COLLECTIONS_PATH, '
                             'else a temporary link to this checkout)')
    parser.add_argument('--baseline', help='directory containing ansible_collections/pgflex/migration of another commit: '
                                           'its task with the cache on runs beside this checkout\'s')
    parser.add_argument('--sandbox-env', default=os.path.join(ROOT, '.sandbox', 'env.json'), help='the sandbox env.json')
    args = parser.parse_args()

    env = sandbox_env(args.sandbox_env)
    if not args.az and not args.no_az:
        args.az = installed_az()
    coll_path, cleanup = collections_path(args.collections_path)
    env['ANSIBLE_COLLECTIONS_PATH'] = coll_path
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    env.setdefault('ANSIBLE_LOCALHOST_WARNING', 'false')
    env.setdefault('ANSIBLE_INVENTORY_UNPARSED_WARNING', 'false')
    env['_ANSIBLE_PLAYBOOK'] = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    env.pop('PGFLEX_TOKEN_CACHE', None)
    env.pop('PGFLEX_TOKEN_CACHE_PATH', None)

    work = tempfile.mkdtemp(prefix='pgflex-bench-play-')
    cached_env = dict(env, PGFLEX_TOKEN_CACHE_PATH=os.path.join(work, 'token-cache.json'))
    bare_path = os.path.join(work, 'bare.py')
    with open(bare_path, 'w') as handle:
        handle.write(BARE_SCRIPT)
    sides = [('bare SDK script (import + auth + GET)', lambda: timed([sys.executable, bare_path], env))]
    if args.az:
        az_env = az_sign_in(args.az, env)
        sides.append(('az postgres flexible-server migration list', lambda: timed(az_list(args.az, env), az_env)))
    plays = dict((kind, (playbook(work, kind, 1), playbook(work, kind, 1 + args.tasks))) for kind in ('ping', 'info'))
    sides += [
        ('ansible.builtin.ping task, marginal', marginal(env, work, plays['ping'], args.tasks)),
        ('info task, token cache off, marginal', marginal(env, work, plays['info'], args.tasks)),
        ('info task, token cache on, marginal', marginal(cached_env, work, plays['info'], args.tasks)),
    ]
    if args.baseline:
        sides.append(('info task, token cache on, baseline, marginal',
                      marginal(dict(cached_env, ANSIBLE_COLLECTIONS_PATH=args.baseline), work, plays['info'], args.tasks)))
    for dummy_name, run in sides:  # warm-up: disk caches, .pyc files, and a token in the cache
        run()

    latencies = [float(value) for value in args.latency_ms.split(',') if value.strip()]
    results = dict((latency, {}) for latency in latencies)
    try:
        for dummy in range(args.rounds):
            for latency in latencies:
                emulator_latency(env, latency / 1000.0)
                try:
                    one_round(sides, results[latency])
                finally:
                    emulator_latency(env, 0)
    finally:
        if cleanup:
            os.unlink(os.path.join(cleanup, 'ansible_collections', 'pgflex', 'migration'))

    for latency in latencies:
        medians = dict((name, statistics.median(times)) for name, times in results[latency].items())
        print('latency %g ms per answer (median of %d rounds, %d tasks per long playbook):' % (latency, args.rounds, args.tasks))
        for name, dummy_run in sides:
            print('  %-48s %.3f s' % (name, medians[name]))
        reference = medians.get('az postgres flexible-server migration list') or medians[sides[0][0]]
        what = 'az' if args.az else 'bare'
        for name in [side for side, dummy_run in sides if side.startswith('info task')]:
            print('  ratio %s / %s: %.2f' % (name.split(',', 1)[1].rsplit(',', 1)[0].strip(), what, medians[name] / reference))
    return 0


if __name__ == '__main__':
    sys.exit(main())
