# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what one waited migration costs the controller, per waited hour.

A migration held in progress by the emulator ('stuck' fault) is waited for by one
pg_flexible_migration task (wait: true) until wait_timeout, twice (a short and a long wait), in
each of the action plugin's two ways: one module run on the controller (connection local) and
chunks (forced with become, as through a remote connection). For each wait it prints chunks,
module processes, sign-ins (token requests), GETs of the migration and the controller's CPU
seconds (ansible-playbook and everything it started); the difference between the long and the
short wait, scaled to an hour, is the CPU per waited hour without the fixed start-up cost.

Prints numbers; never fails on time. Needs a running sandbox (`make sandbox-up`).
Usage: python tests/perf/bench_wait.py [--sandbox-env FILE] [--collections-path DIR] [--short S] [--long S]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from bench_info import AUTH, collections_path, sandbox_env
from bench_migration import Emulator, kind_of

POLL_INTERVAL = 5
PROGRESS_INTERVAL = 5

PLAY = '''---
- name: Benchmark one waited migration
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
    - name: Wait for a migration the emulator holds
      pgflex.migration.pg_flexible_migration:
        server_name: "{{ lookup('env', 'PGFLEX_SERVER_NAME') }}"
        name: "{{ bench_name }}"
        databases: ["{{ lookup('env', 'PGFLEX_SANDBOX_DATABASES').split(',') | first }}"]
        source_type: OnPremises
        source_server: "{{ lookup('env', 'PGFLEX_SOURCE_HOST') }}:{{ lookup('env', 'PGFLEX_SOURCE_PORT') }}@{{ lookup('env', 'PGFLEX_SOURCE_USER') }}"
        source_password: "{{ lookup('env', 'PGFLEX_SOURCE_PASSWORD') }}"
        target_password: "{{ lookup('env', 'PGFLEX_TARGET_PASSWORD') }}"
        overwrite_databases: true
        wait: true
        wait_timeout: "{{ bench_wait | int }}"
        poll_interval: %d
        progress_interval: %d
      become: "{{ bench_chunks | bool }}"
      become_method: ansible.builtin.su
      failed_when: false
      register: bench_result

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ bench_result | to_json }}"
        dest: "{{ bench_result_file }}"
        mode: "0600"
''' % (POLL_INTERVAL, PROGRESS_INTERVAL)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def waited(emulator, env, work, name, seconds, chunks):
    """One held migration waited for ``seconds``: figures of that run."""
    fault = emulator.call('POST', '/faults', {'kind': 'stuck', 'migration': name})['id']
    seq = emulator.last_seq()
    result_file = os.path.join(work, name + '.json')
    play = os.path.join(work, 'wait.yml')
    with open(play, 'w') as handle:
        handle.write(PLAY)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), play, '-e', json.dumps(
        {'bench_name': name, 'bench_wait': seconds, 'bench_chunks': chunks, 'bench_result_file': result_file})]
    cpu_before, start = children_cpu(), time.perf_counter()
    try:
        completed = subprocess.run(command, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   check=False)
    finally:
        emulator.call('DELETE', '/faults/%d' % fault)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu_before
    if completed.returncode != 0 or not os.path.exists(result_file):
        sys.exit('ansible-playbook failed:\n%s' % completed.stdout[-4000:])
    with open(result_file) as handle:
        result = json.load(handle)
    entries = emulator.requests_since(seq)
    kinds = [kind_of(entry) for entry in entries]
    lines = completed.stdout.count('pg_flexible_migration %s:' % name)
    return {'wait': seconds, 'wall': wall, 'cpu': cpu, 'chunks': result.get('chunks'), 'lines': lines,
            'timed_out': result.get('timed_out'), 'tokens': kinds.count('token'), 'gets': kinds.count('GET migration')}


def cancel(emulator, env, work, name):
    """The held migrations stay InProgress: cancel them so the next one may start (one active per server)."""
    del emulator, work
    subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-m', 'pgflex.migration.pg_flexible_migration',
                    '-a', json.dumps({'name': name, 'state': 'cancelled', 'resource_group': env['PGFLEX_RESOURCE_GROUP'],
                                      'server_name': env['PGFLEX_SERVER_NAME'], 'subscription_id': env['AZURE_SUBSCRIPTION_ID'],
                                      'client_id': env['AZURE_CLIENT_ID'], 'secret': env['AZURE_SECRET'], 'tenant': env['AZURE_TENANT'],
                                      'cloud_environment': env['AZURE_CLOUD_ENVIRONMENT']})],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections-path', default=os.environ.get('ANSIBLE_COLLECTIONS_PATH'))
    parser.add_argument('--sandbox-env', default=os.path.join(os.path.dirname(__file__), '..', '..', '.sandbox', 'env.json'))
    parser.add_argument('--short', type=int, default=10, help='seconds of the short wait (default 10)')
    parser.add_argument('--long', type=int, default=70, help='seconds of the long wait (default 70)')
    args = parser.parse_args()
    env = sandbox_env(args.sandbox_env)
    coll_path, cleanup = collections_path(args.collections_path)
    env.update(ANSIBLE_COLLECTIONS_PATH=coll_path, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    emulator = Emulator(env)
    stamp = time.strftime('%H%M%S')
    print('one waited migration (held by the emulator), poll_interval %d s, progress_interval %d s'
          % (POLL_INTERVAL, PROGRESS_INTERVAL))
    columns = ('way', 'wait s', 'wall s', 'chunks', 'processes', 'sign-ins', 'GETs', 'lines', 'CPU s')
    print('%-22s %6s %7s %7s %9s %8s %6s %5s %8s' % columns)
    with tempfile.TemporaryDirectory(prefix='pgflex-bench-wait-') as work:
        for label, chunks in (('one run (controller)', False), ('chunks (become/remote)', True)):
            runs = []
            for seconds in (args.short, args.long):
                name = 'benchwait%s%s%d' % (stamp, 'c' if chunks else 'o', seconds)
                runs.append(waited(emulator, env, work, name, seconds, chunks))
                cancel(emulator, env, work, name)
                run = runs[-1]
                figures = (label, seconds, run['wall'], run['chunks'], run['chunks'], run['tokens'], run['gets'], run['lines'],
                           run['cpu'])
                print('%-22s %6d %7.1f %7s %9s %8d %6d %5d %8.2f' % figures)
            per_hour = (runs[1]['cpu'] - runs[0]['cpu']) / float(args.long - args.short) * 3600
            print('%-22s controller CPU per waited hour (projected from the two waits): %.0f s' % (label, per_hour))
    if cleanup:
        os.unlink(os.path.join(cleanup, 'ansible_collections', 'pgflex', 'migration'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
