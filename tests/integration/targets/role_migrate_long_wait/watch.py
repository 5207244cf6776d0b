#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the long-wait play, watch it, release the held migration, and check what the issue asks.

Usage: watch.py CONFIG PREFIX FAULT_ID INTERVALS LOG -- ansible-playbook ...

While the play runs: count the progress lines of <PREFIX>b01mig, read the peak memory (VmHWM in
/proc) of the ansible-playbook process after the first 50 lines and at the end, and release the
held migration (fault FAULT_ID) once INTERVALS lines were printed. Then check: the play succeeded,
at least INTERVALS progress lines, the median time per interval of the last 50 lines within 25 %
of the first 50 (measured from the action plugin's own 'elapsed' stamps, medians so a loaded
machine's hiccups do not count), the peak memory at the end within 25 % of the value after 50
intervals, and the emulator's request log: token requests and migration GETs within the issue's
bounds. Prints the figures.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = os.path.join(HERE, '..', 'setup_emulator', 'emulator_admin.py')
ELAPSED = re.compile(r'elapsed (\d+):(\d\d):(\d\d(?:\.\d)?)')


def admin(config, *args):
    return subprocess.run([sys.executable, ADMIN, config] + list(args), check=True, capture_output=True, text=True).stdout


def peak_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as handle:
            for line in handle:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def seconds(match):
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3))


def main(argv):
    split = argv.index('--')
    config, prefix, fault_id, intervals, log_path = argv[1:split]
    intervals = int(intervals)
    name = prefix + 'b01mig'
    marker = 'pg_flexible_migration %s:' % name
    since = json.loads(admin(config, 'requests', '0'))
    log_start = since[-1]['seq'] if since else 0

    play = subprocess.Popen(argv[split + 1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stamps, memory = [], {}
    released = False

    def sample_memory():  # the last reading before the process ends is its peak at the end
        while play.poll() is None:
            value = peak_kib(play.pid)
            if value:
                memory['end'] = value
            time.sleep(0.2)
    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()

    with open(log_path, 'w') as log:
        for line in play.stdout:
            log.write(line)
            if marker not in line:
                continue
            match = ELAPSED.search(line)
            if match:
                stamps.append(seconds(match))
            if len(stamps) == 50:
                memory['after_50'] = peak_kib(play.pid)
            if len(stamps) >= intervals and not released:
                admin(config, 'release', fault_id)
                released = True
    code = play.wait()
    sampler.join()
    if not released:
        admin(config, 'release', fault_id)

    requests = json.loads(admin(config, 'requests', str(log_start)))
    tokens = [r for r in requests if r['scope'] == 'identity' and r['path'].endswith('/token')]
    gets = [r for r in requests if r['method'] == 'GET' and r['path'].endswith('/migrations/' + name)]
    steps = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
    first, last = statistics.median(steps[:50]), statistics.median(steps[-50:])
    elapsed = stamps[-1] if stamps else 0.0
    chunks = 1  # module runs of the waited task (connection local: one run; see docs/pg_flexible_migration.md)
    figures = {
        'exit_code': code, 'progress_lines': len(stamps), 'median_interval_first_50': round(first, 3),
        'median_interval_last_50': round(last, 3), 'peak_kib_after_50': memory.get('after_50'),
        'peak_kib_at_end': memory.get('end'), 'token_requests': len(tokens), 'migration_gets': len(gets),
        'waited_seconds': round(elapsed, 1),
    }
    print(json.dumps(figures, indent=1))
    problems = []
    if code != 0:
        problems.append('the play failed (exit %d); see %s' % (code, log_path))
    if len(stamps) < intervals:
        problems.append('%d progress lines, expected at least %d' % (len(stamps), intervals))
    if not abs(last - first) <= 0.25 * first:
        problems.append('time per interval drifted: median %.3f s in the first 50, %.3f s in the last 50' % (first, last))
    if not (memory.get('after_50') and memory.get('end')) or memory['end'] > 1.25 * memory['after_50']:
        problems.append('peak memory grew: %s KiB after 50 intervals, %s KiB at the end' % (memory.get('after_50'), memory.get('end')))
    if len(tokens) > chunks + 2:
        problems.append('%d token requests for one waited migration (at most chunks + 2 = %d)' % (len(tokens), chunks + 2))
    if len(gets) > elapsed / 1 + chunks + 3:  # poll_interval 1 s
        problems.append('%d GETs of the migration in %.0f s (at most elapsed / poll_interval + chunks + 3)' % (len(gets), elapsed))
    for problem in problems:
        print('FAILED: ' + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
