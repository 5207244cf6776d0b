# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: examples/readiness.yml (the migrate role with migrate_assess_only, then the readiness report) over a
sandbox fleet (default 100 servers, forks 20, ARM throttling on), with bench_fleet's set-up.

Prints: failed hosts, the readiness totals, wall time, controller CPU (ansible-playbook and every process under it)
in all and per server, 429s received and retried, and the requests that would have changed something (PUT, PATCH,
POST or DELETE on ARM: there must be none). Never fails on time (a failed host or a write makes the exit status 1).
Usage: python tests/perf/bench_assess.py [--servers N] [--forks N] [--sandbox-env IGNORED] [--collections-path DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from bench_fleet import ROOT, request_log, retried, sandbox, tasks_per_host
from bench_info import collections_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=int(os.environ.get('PGFLEX_BENCH_FLEET', '100')))
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--sandbox-env', help='ignored: this benchmark starts its own fleet sandbox')
    parser.add_argument('--collections-path')
    args = parser.parse_args()
    collections_dir, temp_collections = collections_path(args.collections_path)
    work = tempfile.mkdtemp(prefix='pgflex-bench-assess-')
    os.chmod(work, 0o755)
    directory = os.path.join(work, 'sandbox')
    try:
        started = time.perf_counter()
        sandbox('up', directory, args.servers)
        print('fleet sandbox: %d servers up in %.1f s' % (args.servers, time.perf_counter() - started))
        with open(os.path.join(directory, 'env.json'), encoding='utf-8') as handle:
            env = json.load(handle)
        reports = os.path.join(work, 'reports')
        run_env = dict(os.environ, **env)
        run_env.update(ANSIBLE_COLLECTIONS_PATH=collections_dir, PGFLEX_REPORT_DIR=reports, ANSIBLE_FORCE_COLOR='0',
                       ANSIBLE_CONFIG=os.path.join(ROOT, 'examples', 'ansible.cfg'))
        seen = len(request_log(env))
        loads = [os.getloadavg()[0]]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(['ansible-playbook', '-i', env['PGFLEX_SANDBOX_FLEET_INVENTORY'], os.path.join(ROOT, 'examples', 'readiness.yml'),
                               '--forks', str(args.forks)], env=run_env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        loads.append(os.getloadavg()[0])
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        log = [entry for entry in request_log(env)[seen:] if entry['scope'] == 'arm']
        statuses = collections.Counter(entry['status'] for entry in log)
        writes = [e for e in log if e['method'] in ('PUT', 'PATCH', 'POST', 'DELETE')]
        with open(os.path.join(reports, 'readiness-report.json'), encoding='utf-8') as handle:
            totals = json.load(handle)['totals']
        tasks = tasks_per_host(done.stdout)
        failed = [line.split()[0] for line in done.stdout.splitlines() if ' failed=' in line and ' failed=0 ' not in line]
        print('assessment: %d servers, forks %d, throttling on (ansible-playbook rc %d)' % (args.servers, args.forks, done.returncode))
        print('  failed hosts: %d%s' % (len(failed), (' (%s)' % ', '.join(failed)) if failed else ''))
        print('  readiness: %(blocked)d blocked, %(needs_preparation)d need preparation, %(ready)d ready, %(not_assessed)d not '
              'assessed; %(databases)d databases, estimated copy %(estimate_minutes)d min in all' % totals)
        print('  wall time: %.1f s (%.2f s per server)' % (wall, wall / args.servers))
        print('  controller CPU: %.1f s (%.2f s per server) on %d cores' % (cpu, cpu / args.servers, os.cpu_count() or 1))
        print('  ARM calls: %d (%.1f per server); 429s received: %d, retried: %d' % (
            len(log), len(log) / args.servers, statuses.get(429, 0), retried(log)))
        print('  requests that change something (PUT/PATCH/POST/DELETE): %d' % len(writes))
        print('  tasks per server (play recap): %.1f' % (sum(tasks) / len(tasks) if tasks else 0.0))
        print('  load average (1 min) before / after: %.1f / %.1f' % tuple(loads))
        if done.returncode or writes:
            print(done.stdout[-3000:] + done.stderr[-2000:])
            return 1
        return 0
    finally:
        sandbox('down', directory, args.servers)
        shutil.rmtree(work, ignore_errors=True)
        if temp_collections:
            shutil.rmtree(temp_collections, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
