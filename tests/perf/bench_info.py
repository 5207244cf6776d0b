# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: marginal wall time of one pg_flexible_migration_info task vs a bare SDK script.

Both sides import, authenticate (a real token from the emulator) and do one GET (the list of the
server's migrations). The task's marginal cost is (playbook with 1+N tasks - playbook with 1 task)
/ N, so ansible-playbook's fixed start-up cost is not counted. Prints numbers; never fails on time.

Needs a running sandbox (`make sandbox-up`): reads .sandbox/env.json, or the same keys from the
environment. Usage: python tests/perf/bench_info.py [--tasks N] [--rounds R] [--collections-path DIR]
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

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ENV_KEYS = ['AZURE_SUBSCRIPTION_ID', 'AZURE_CLIENT_ID', 'AZURE_SECRET', 'AZURE_TENANT', 'AZURE_CLOUD_ENVIRONMENT',
            'REQUESTS_CA_BUNDLE', 'PGFLEX_RESOURCE_GROUP', 'PGFLEX_SERVER_NAME']

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


def playbook(directory, tasks):
    path = os.path.join(directory, 'bench-%d.yml' % tasks)
    with open(path, 'w') as handle:
        handle.write(PLAY + ''.join(TASK.format(index=i) for i in range(tasks)))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=10, help='extra tasks in the long playbook (default 10)')
    parser.add_argument('--rounds', type=int, default=3, help='repetitions; the median is reported (default 3)')
    parser.add_argument('--collections-path', default=os.environ.get('ANSIBLE_COLLECTIONS_PATH'),
                        help='directory containing ansible_collections/pgflex/migration (default: ANSIBLE_COLLECTIONS_PATH, '
                             'else a temporary link to this checkout)')
    parser.add_argument('--sandbox-env', default=os.path.join(ROOT, '.sandbox', 'env.json'), help='the sandbox env.json')
    args = parser.parse_args()

    env = sandbox_env(args.sandbox_env)
    coll_path, cleanup = collections_path(args.collections_path)
    env['ANSIBLE_COLLECTIONS_PATH'] = coll_path
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    env.setdefault('ANSIBLE_LOCALHOST_WARNING', 'false')
    env.setdefault('ANSIBLE_INVENTORY_UNPARSED_WARNING', 'false')
    bin_dir = os.path.dirname(sys.executable)
    ansible_playbook = os.path.join(bin_dir, 'ansible-playbook')

    work = tempfile.mkdtemp(prefix='pgflex-bench-play-')
    short_play, long_play = playbook(work, 1), playbook(work, 1 + args.tasks)
    bare_path = os.path.join(work, 'bare.py')
    with open(bare_path, 'w') as handle:
        handle.write(BARE_SCRIPT)

    # One warm-up of each so disk caches and .pyc files do not favour either side.
    timed([sys.executable, bare_path], env)
    timed([ansible_playbook, short_play], env, cwd=work)

    bare, marginal = [], []
    for dummy in range(args.rounds):
        bare.append(timed([sys.executable, bare_path], env))
        short = timed([ansible_playbook, short_play], env, cwd=work)
        long_ = timed([ansible_playbook, long_play], env, cwd=work)
        marginal.append((long_ - short) / args.tasks)

    bare_s, task_s = statistics.median(bare), statistics.median(marginal)
    print('bare SDK script (import + auth + GET): %.3f s (median of %d)' % (bare_s, args.rounds))
    print('pg_flexible_migration_info task, marginal: %.3f s (median of %d, %d tasks per playbook)'
          % (task_s, args.rounds, args.tasks))
    print('ratio task / bare: %.2f (aim: <= 1.5)' % (task_s / bare_s))
    if cleanup:
        os.unlink(os.path.join(cleanup, 'ansible_collections', 'pgflex', 'migration'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
