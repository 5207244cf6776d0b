# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: examples/fleet.yml over a sandbox fleet (default 100 servers, forks 20, ARM throttling on).

Starts its own private sandbox (PGFLEX_SANDBOX_FLEET, PGFLEX_SANDBOX_THROTTLE=1, the servers taking turns over
--subscriptions subscriptions), runs the fleet play once with ansible-playbook and prints: failed hosts, 429s
received and retried, wall time, the longest single host (the role's own start-to-end time on that host), API calls
and sign-ins per server, controller CPU seconds per server (ansible-playbook and every process under it), tasks and
module processes per server, peak memory (ansible-playbook's own peak RSS, and the largest total RSS of its
process tree sampled every 2 s) and the fleet report task's own wall time. The aim it prints:
wall time within 1.2x of controller CPU / cores + the longest host, i.e. no host waits idle because of the
collection.

Prints numbers; never fails on time (a failed host makes the exit status 1).
Usage: python tests/perf/bench_fleet.py [--servers N] [--forks N] [--subscriptions N] [--sandbox-env IGNORED]
       [--collections-path DIR]
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import re
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench_info import collections_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORT_ACTION = 'pg_flexible_migration_fleet_report'


def sandbox(command, directory, servers, subscriptions=2):
    env = dict(os.environ, PGFLEX_SANDBOX_DIR=directory, PGFLEX_SANDBOX_FLEET=str(servers), PGFLEX_SANDBOX_THROTTLE='1',
               PGFLEX_SANDBOX_SUBSCRIPTIONS=str(subscriptions))
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'sandbox.py'), command], env=env, capture_output=True,
                          text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise SystemExit('sandbox %s failed: %s' % (command, done.stdout + done.stderr))


def request_log(env):
    context = ssl.create_default_context(cafile=env['PGFLEX_EMULATOR_CA'])
    request = urllib.request.Request(env['PGFLEX_EMULATOR_URL'] + '/_emulator/requests',
                                     headers={'Authorization': 'Bearer ' + env['PGFLEX_EMULATOR_ADMIN_TOKEN']})
    with urllib.request.urlopen(request, context=context, timeout=60) as answer:
        return json.load(answer)['value']


def retried(log):
    """429s followed later by another request with the same method and path (the client's retry)."""
    count = 0
    for index, entry in enumerate(log):
        if entry['status'] == 429 and any(e['method'] == entry['method'] and e['path'] == entry['path'] for e in log[index + 1:index + 4000]):
            count += 1
    return count


def host_times(report_dir):
    """Seconds from start to end of the role on each host (its newest JSON report)."""
    times = {}
    for host_dir in glob.glob(os.path.join(report_dir, '*', '')):
        reports = sorted(glob.glob(os.path.join(host_dir, '*.json')))
        if reports:
            with open(reports[-1], encoding='utf-8') as handle:
                report = json.load(handle)
            start = time.mktime(time.strptime(report['started'], '%Y-%m-%dT%H:%M:%SZ'))
            end = time.mktime(time.strptime(report['finished'], '%Y-%m-%dT%H:%M:%SZ'))
            times[os.path.basename(os.path.dirname(host_dir))] = end - start
    return times


def tasks_per_host(output):
    """Tasks run per host, from the PLAY RECAP lines (ok + failed + skipped + rescued + ignored; ok counts changed)."""
    counts = []
    for line in output.splitlines():
        match = re.match(r'^(\S+)\s+: ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)', line)
        if match and match.group(1) != 'localhost':
            counts.append(sum(int(n) for n in match.groups()[1:]))
    return counts


def _status_kib(pid, field):
    """A VmRSS / VmHWM line of /proc/<pid>/status in KiB (0 when the process is gone)."""
    try:
        with open('/proc/%d/status' % pid, encoding='ascii') as handle:
            for line in handle:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_kib(root):
    """Total RSS of ``root`` and every process under it now (one pass over /proc)."""
    children = collections.defaultdict(list)
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open('/proc/%s/stat' % name, encoding='ascii', errors='replace') as handle:
                    parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children[parent].append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _status_kib(pid, 'VmRSS')
        todo.extend(children.get(pid, []))
    return total


def module_counter(work):
    """An interpreter for the modules that runs the Python that runs ansible-playbook and notes each module process
    (its AnsiballZ file, or '-' when pipelined) with its CPU seconds (user and system, from bash's `times`): the
    count of module processes per server, and how much of the controller's CPU they take."""
    with open(shutil.which('ansible-playbook'), encoding='utf-8') as handle:
        python = handle.readline()[2:].strip()
    counter, runs = os.path.join(work, 'module-python'), os.path.join(work, 'module-runs')
    os.mkdir(runs)
    with open(counter, 'w', encoding='utf-8') as handle:
        # `times` in the shell itself (a command substitution would be a subshell of its own): one file per process.
        handle.write('#!/bin/bash\n%s "$@"\nrc=$?\n{ echo "${1:--}"; times; } > %s/$$\nexit $rc\n' % (python, runs))
    os.chmod(counter, 0o755)
    return counter, runs


def module_runs(runs):
    """Module processes by module name, and their CPU seconds by module name, from the counter's files."""
    modules, cpu = collections.Counter(), collections.Counter()
    for entry in os.listdir(runs):
        with open(os.path.join(runs, entry), encoding='utf-8') as handle:
            path, _shell, children = (handle.read().splitlines() + ['', ''])[:3]
        name = re.sub(r'^.*AnsiballZ_|\\.py$', '', path)
        modules[name] += 1
        # `times` prints the children's user and system time as 0m0.312s 0m0.041s.
        cpu[name] += sum(int(minutes) * 60 + float(seconds) for minutes, seconds in re.findall(r'(\d+)m([\d.]+)s', children))
    return modules, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=int(os.environ.get('PGFLEX_BENCH_FLEET', '100')))
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--subscriptions', type=int, default=2, help='subscriptions the servers take turns over')
    parser.add_argument('--sandbox-env', help='ignored: this benchmark starts its own fleet sandbox')
    parser.add_argument('--collections-path')
    args = parser.parse_args()
    collections_dir, temp_collections = collections_path(args.collections_path)
    work = tempfile.mkdtemp(prefix='pgflex-bench-fleet-')
    os.chmod(work, 0o755)
    directory = os.path.join(work, 'sandbox')
    log_path = None
    try:
        started = time.perf_counter()
        sandbox('up', directory, args.servers, args.subscriptions)
        print('fleet sandbox: %d servers in %d subscriptions up in %.1f s' % (args.servers, args.subscriptions, time.perf_counter() - started))
        with open(os.path.join(directory, 'env.json'), encoding='utf-8') as handle:
            env = json.load(handle)
        reports = os.path.join(work, 'reports')
        run_env = dict(os.environ, **env)
        task_times = os.path.join(work, 'task-times.jsonl')
        run_env.update(ANSIBLE_COLLECTIONS_PATH=collections_dir, PGFLEX_REPORT_DIR=reports, ANSIBLE_FORCE_COLOR='0',
                       ANSIBLE_CONFIG=os.path.join(ROOT, 'examples', 'ansible.cfg'),
                       ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'tests', 'perf', 'callbacks'), ANSIBLE_CALLBACKS_ENABLED='task_times',
                       PGFLEX_TIMED_ACTION=REPORT_ACTION, PGFLEX_TASK_TIMES=task_times)
        counter, runs = module_counter(work)
        # Written outside the work directory as it runs, so it survives the clean-up of a failed or interrupted run.
        log_fd, log_path = tempfile.mkstemp(prefix='pgflex-bench-fleet-', suffix='.log')
        loads = []  # 1-minute load average every 10 s: the machine may be shared, so the figures say how busy it was
        own_peak = tree_peak = 0  # KiB: ansible-playbook's VmHWM (its own peak), the process tree's largest sampled total
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with os.fdopen(log_fd, 'w', encoding='utf-8') as handle:
            done = subprocess.Popen(['ansible-playbook', '-i', env['PGFLEX_SANDBOX_FLEET_INVENTORY'], os.path.join(ROOT, 'examples', 'fleet.yml'),
                                     '--forks', str(args.forks), '-e', 'ansible_python_interpreter=' + counter],
                                    env=run_env, stdout=handle, stderr=subprocess.STDOUT)
            polls = 0
            while True:
                if polls % 5 == 0:
                    loads.append(os.getloadavg()[0])
                polls += 1
                own_peak = max(own_peak, _status_kib(done.pid, 'VmHWM'))
                tree_peak = max(tree_peak, tree_rss_kib(done.pid))
                try:
                    done.wait(timeout=2)
                    break
                except subprocess.TimeoutExpired:
                    continue
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(log_path, encoding='utf-8') as handle:
            output = handle.read()
        with open(os.path.join(reports, 'fleet-report.json'), encoding='utf-8') as handle:
            fleet = json.load(handle)
        log = request_log(env)
        statuses = collections.Counter(entry['status'] for entry in log if entry['scope'] == 'arm')
        arm = sum(statuses.values())
        sign_ins = sum(1 for entry in log if entry['scope'] == 'identity' and entry['method'] == 'POST')
        throttled = statuses.get(429, 0)
        failed = [s['host'] for s in fleet['servers'] if s['result'] != 'succeeded']
        times = host_times(reports)
        longest = max(times.values()) if times else 0.0
        cores = os.cpu_count() or 1
        ideal = cpu / cores + longest
        print('fleet: %d servers, forks %d, throttling on (ansible-playbook rc %d)' % (args.servers, args.forks, done.returncode))
        print('  failed hosts: %d%s' % (len(failed), (' (%s)' % ', '.join(failed)) if failed else ''))
        print('  429s received: %d, retried: %d' % (throttled, retried([e for e in log if e['scope'] == 'arm'])))
        print('  wall time: %.1f s; longest single host: %.0f s; median host: %.0f s' % (
            wall, longest, sorted(times.values())[len(times) // 2] if times else 0.0))
        print('  ARM calls: %d (%.1f per server); sign-ins: %d (%.1f per server)' % (arm, arm / args.servers, sign_ins, sign_ins / args.servers))
        print('  controller CPU: %.1f s (%.2f s per server) on %d cores' % (cpu, cpu / args.servers, cores))
        tasks = tasks_per_host(output)
        print('  tasks per server (play recap): %.1f' % (sum(tasks) / len(tasks) if tasks else 0.0))
        modules, module_cpu = module_runs(runs)
        print('  module processes per server (the fleet report play included): %.1f (%s)' % (
            sum(modules.values()) / args.servers, ', '.join('%s %d' % item for item in sorted(modules.items()))))
        print('  CPU of module processes: %.2f s per server (%s); the rest, Ansible\'s own: %.2f s per server' % (
            sum(module_cpu.values()) / args.servers,
            ', '.join('%s %.2f s each' % (name, module_cpu[name] / modules[name]) for name in sorted(modules)),
            (cpu - sum(module_cpu.values())) / args.servers))
        print('  load average (1 min) during the run: mean %.1f, max %.1f' % (sum(loads) / len(loads), max(loads)))
        print('  peak memory: ansible-playbook %.0f MiB (its own peak RSS, VmHWM); process tree %.0f MiB (largest total RSS, '
              'sampled every 2 s)' % (own_peak / 1024.0, tree_peak / 1024.0))
        with open(task_times, encoding='utf-8') if os.path.exists(task_times) else open(os.devnull, encoding='utf-8') as handle:
            report_times = [json.loads(line)['seconds'] for line in handle if line.strip()]
        subscriptions = collections.Counter(s.get('subscription_id') for s in fleet['servers'])
        print('  fleet report task: %s (%d servers in %d subscriptions: %s)' % (
            ', '.join('%.1f s' % seconds for seconds in report_times) or 'not timed', len(fleet['servers']), len(subscriptions),
            ' + '.join(str(count) for count in sorted(subscriptions.values(), reverse=True))))
        print('  wall / (CPU/cores + longest host) = %.0f / (%.0f + %.0f) = %.2fx (aim <= 1.2x)' % (
            wall, cpu / cores, longest, wall / ideal if ideal else 0.0))
        print('  fleet report: %d succeeded, %d failed, %d rows verified' % (
            fleet['totals']['succeeded'], fleet['totals']['failed'], fleet['totals']['rows_verified']))
        if failed or done.returncode:
            return 1
        os.remove(log_path)
        log_path = None
        return 0
    finally:
        if log_path:
            print('kept the ansible-playbook output of the failed run: %s' % log_path)
        sandbox('down', directory, args.servers, args.subscriptions)
        shutil.rmtree(work, ignore_errors=True)
        if temp_collections:
            shutil.rmtree(temp_collections, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
