# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark at size (`make bench-big`): the big sandbox profile migrated offline and verified with checksums.

1. Starts its own sandbox (PGFLEX_SANDBOX_PROFILE=big, PGFLEX_SANDBOX_DIR of its own, so other sandboxes are left
   alone): bigdb, a few GB with a table past 40 million rows (tests/emulator/big_data.py).
2. Migrates bigdb (and the small `shop`) offline with pg_flexible_migration (wait: true, progress lines) through
   ansible-playbook and the emulator, which copies for real (pg_dump | pg_restore); prints GB per hour and every
   progress line with what the target held at that moment, for the time-left estimates (tables done of total vs
   bytes).
3. Reads both sides once (COPY ... TO STDOUT of every table and of pg_largeobject, the sides at the same time).
4. Verifies shop, then bigdb, with pg_flexible_migration_verify (checksum: true, objects: true), the module run as
   Ansible runs it, with its progress lines; prints its time against step 3 and its peak memory on both sizes.
During 2-4, the peak memory of every server backend and of pg_dump / pg_restore (bench_big_memory.py); for 3 and 4,
the CPU seconds both servers spent too (the load of a shared machine changes them far less than wall time).

Prints numbers; never fails on time; not part of make test. Stops its sandbox at the end unless --keep.
Usage: python tests/perf/bench_big.py [--rows N] [--sandbox-dir DIR] [--keep] [--chunk-rows R] [--parallel P]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, HERE)

import psycopg  # noqa: E402

from bench_big_memory import PeakMemory, postmaster_pid, server_cpu_seconds  # noqa: E402
from bench_info import AUTH, collections_path  # noqa: E402
from bench_migration import MIGRATION_ARGS, conninfo  # noqa: E402
from bench_verify import read_both_once, run_module  # noqa: E402
from emulator import big_data  # noqa: E402

SMALL_DATABASE = 'shop'  # migrated and verified beside bigdb: the module's memory on a small database
PROGRESS_INTERVAL = 20
LINE = re.compile(r'%s (?P<done>[0-9?]+)/(?P<total>[0-9?]+) tables' % big_data.BIG_DATABASE)

PLAY = '''---
- name: Migrate the big profile
  hosts: localhost
  connection: local
  gather_facts: false
''' + AUTH + '''  tasks:
    - name: Migrate
      pgflex.migration.pg_flexible_migration:
        server_name: "{{ lookup('env', 'PGFLEX_SERVER_NAME') }}"
        name: "{{ bench_name }}"
        databases: "{{ bench_databases }}"''' + MIGRATION_ARGS + '''        progress_interval: %d
''' % PROGRESS_INTERVAL


class Side:
    """One sandbox cluster, with the attributes bench_verify's helpers use."""

    def __init__(self, env, prefix):
        self.env, self.prefix = env, prefix
        self.host = env['PGFLEX_%s_HOST' % prefix]
        self.port = int(env['PGFLEX_%s_PORT' % prefix])
        self.user = env['PGFLEX_%s_USER' % prefix]
        self.password = env['PGFLEX_%s_PASSWORD' % prefix]

    def conninfo(self, dbname):
        return conninfo(self.env, self.prefix, dbname)


def machine():
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    with open('/proc/loadavg', encoding='ascii') as handle:
        load = ' '.join(handle.read().split()[:3])
    with open('/proc/meminfo', encoding='ascii') as handle:
        memory = int(handle.readline().split()[1]) / 1048576.0
    return 'commit %s; %d CPUs, %.1f GB RAM; load average %s' % (commit or '?', os.cpu_count(), memory, load)


def sandbox(command, directory, rows):
    env = dict(os.environ, PGFLEX_SANDBOX_PROFILE='big', PGFLEX_SANDBOX_BIG_ROWS=str(rows), PGFLEX_SANDBOX_DIR=directory)
    subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'sandbox.py'), command], env=env, check=True)
    if command == 'up':
        with open(os.path.join(directory, 'env.json'), encoding='utf-8') as handle:
            return dict(os.environ, **{key: str(value) for key, value in json.load(handle).items()})
    return None


def sandbox_pids(directory):
    """({'source': postmaster pid, 'target': ...}, emulator pid) of the sandbox in directory."""
    with open(os.path.join(directory, 'data-dir'), encoding='utf-8') as handle:
        data = handle.read().strip()
    with open(os.path.join(directory, 'emulator.pid'), encoding='utf-8') as handle:
        emulator = int(handle.read().strip())
    return {side: postmaster_pid(os.path.join(data, side)) for side in ('source', 'target')}, emulator


def table_sizes(side, dbname):
    """{schema.table: bytes} of the ordinary tables (partitions included, their parent not) and pg_largeobject."""
    with psycopg.connect(side.conninfo(dbname), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '300ms'")
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname, pg_table_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
            " ORDER BY 1").fetchall()
        large = conn.execute("SELECT pg_table_size('pg_largeobject')").fetchone()[0]
    return dict(rows), large


def target_bytes(side, dbname):
    """Bytes the target's copy of dbname holds so far (None while it does not exist or a table is locked)."""
    try:
        sizes, large = table_sizes(side, dbname)
    except psycopg.Error:
        return None
    return sum(sizes.values()) + large


def migrate(env, directory, source_bytes, target, coll_path):
    """Run the playbook; answer (seconds, progress samples [(t, done, total, target bytes, line)])."""
    play_env = dict(env, ANSIBLE_COLLECTIONS_PATH=coll_path, ANSIBLE_PYTHON_INTERPRETER=sys.executable, PYTHONUNBUFFERED='1',
                    ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_FORCE_COLOR='0',
                    PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    path = os.path.join(directory, 'bench-big-play.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(PLAY)
    extra = {'bench_name': 'bench-big-%s' % time.strftime('%H%M%S'), 'bench_databases': [big_data.BIG_DATABASE, SMALL_DATABASE]}
    samples, tail = [], []
    started = time.monotonic()
    with subprocess.Popen(['ansible-playbook', path, '-e', json.dumps(extra)], env=play_env, cwd=directory, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-40:]
            found = LINE.search(line)
            if found:
                elapsed = time.monotonic() - started
                held = target_bytes(target, big_data.BIG_DATABASE)
                samples.append((elapsed, found.group('done'), found.group('total'), held, line))
                print('  [%6.0f s] %s | target holds %s of %.2f GB' % (
                    elapsed, line.strip(), '?' if held is None else '%.2f GB' % (held / 1e9), source_bytes / 1e9), flush=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit('ansible-playbook failed:\n%s' % '\n'.join(tail))
    return seconds, samples


def estimates(samples, seconds, source_sizes):
    """Per progress line: time left by tables done of total, by the sizes of the tables done (in name order, the
    order pg_dump writes them) and by the bytes the target holds, against the real time left."""
    ordered = [source_sizes[name] for name in sorted(source_sizes) if name != 'pg_largeobject']  # the large objects come last
    whole = float(sum(source_sizes.values())) or 1.0
    print('time-left estimates at each progress line (seconds; real = what was left):')
    print('  %8s %9s %10s %12s %12s %8s' % ('elapsed', 'tables', 'by tables', 'by sizes', 'by bytes', 'real'))
    for elapsed, done, total, held, dummy in samples:
        if not done.isdigit() or not total.isdigit():
            continue
        done, total = int(done), int(total)
        by_tables = elapsed * (total - done) / done if done else None
        share = sum(ordered[:done]) / whole if total == len(ordered) else None
        by_sizes = elapsed * (1 - share) / share if share else None
        fraction = min(held / whole, 1.0) if held else None
        by_bytes = elapsed * (1 - fraction) / fraction if fraction else None
        cells = (elapsed, '%d/%d' % (done, total), _opt(by_tables), _opt(by_sizes), _opt(by_bytes), seconds - elapsed)
        print('  %8.0f %9s %10s %12s %12s %8.0f' % cells)


def _opt(value):
    return '-' if value is None else '%.0f' % value


def verify(source, target, database, chunk_rows, parallel, directory, show):
    """pg_flexible_migration_verify on one database with its progress lines; (seconds, peak RSS KB, result, lines)."""
    from ansible_collections.pgflex.migration.plugins.module_utils import verify_progress  # pylint: disable=import-outside-toplevel
    from ansible_collections.pgflex.migration.plugins.plugin_utils.verify_progress_line import verify_line  # pylint: disable=import-outside-toplevel
    progress_file = os.path.join(directory, 'verify-progress-%s.json' % database)
    extra = {'objects': True, 'progress_file': progress_file}
    lines, done, started = [], threading.Event(), time.monotonic()

    def watch():
        while not done.wait(PROGRESS_INTERVAL):
            progress = verify_progress.read(progress_file) if os.path.exists(progress_file) else None
            lines.append(verify_line(progress, time.monotonic() - started))
            if show:
                print('  ' + lines[-1], flush=True)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        seconds, peak_kb, result = run_module(source, target, chunk_rows, parallel, databases=(database,), extra=extra)
    finally:
        done.set()
        watcher.join()
    return seconds, peak_kb, result, lines


class ServerCpu:
    """with ServerCpu({'source': pid, 'target': pid}) as cpu: ...; then cpu.seconds: CPU both servers spent in it."""

    def __init__(self, postmasters):
        self.postmasters = list(postmasters.values())
        self.seconds = None
        self._start = None

    def __enter__(self):
        self._start = server_cpu_seconds(self.postmasters)
        return self

    def __exit__(self, *exc):
        time.sleep(1)  # the postmasters reap the step's backends, whose CPU then counts
        self.seconds = server_cpu_seconds(self.postmasters) - self._start


def migrate_and_report(env, directory, database_bytes, target, coll_path, pids, sizes):
    print('(1) offline migration of bigdb + shop (pg_flexible_migration, wait: true, progress_interval %d s):' % PROGRESS_INTERVAL)
    with PeakMemory(*pids) as peaks:
        seconds, samples = migrate(env, directory, database_bytes, target, coll_path)
    print('migration: %.0f s, %.1f GB per hour (bigdb database size / wall time); load %s' % (
        seconds, database_bytes / 1e9 * 3600 / seconds, machine().split('load average ')[1]))
    print('peak memory during the migration (VmHWM):')
    print('\n'.join(peaks.summary()))
    estimates(samples, seconds, sizes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=big_data.DEFAULT_ROWS, help='rows of ledger.entries (default %(default)s)')
    parser.add_argument('--sandbox-dir', default=os.path.join(tempfile.gettempdir(), 'pgflex-bench-big-sandbox'))
    parser.add_argument('--keep', action='store_true', help='leave the sandbox running (a re-run with the same --rows reuses it)')
    parser.add_argument('--chunk-rows', type=int, default=100000)
    parser.add_argument('--parallel', type=int, default=2)
    parser.add_argument('--skip-migration', action='store_true',
                        help='steps 3-4 only, on a sandbox kept (--keep) from a run that migrated it')
    options = parser.parse_args()

    print('machine: %s' % machine())
    coll_path, link_dir = collections_path(None)  # a link to this checkout, for ansible-playbook and the imports below
    sys.path.insert(0, coll_path)
    started = time.monotonic()
    try:  # a sandbox that failed half-way up is stopped too
        env = sandbox('up', options.sandbox_dir, options.rows)
        print('sandbox up (big profile, %s rows) in %.0f s' % (env['PGFLEX_SANDBOX_BIG_ROWS'], time.monotonic() - started))
        source, target = Side(env, 'SOURCE'), Side(env, 'TARGET')
        sizes, large = table_sizes(source, big_data.BIG_DATABASE)
        sizes['pg_largeobject'] = large
        database_bytes = int(env['PGFLEX_SANDBOX_BIG_BYTES'])
        print('bigdb: %.2f GB on the source (%.2f GB tables and large objects, the rest indexes); tables: %s' % (
            database_bytes / 1e9, sum(sizes.values()) / 1e9, ', '.join('%s %.0f MB' % (k, v / 1e6) for k, v in sorted(sizes.items()))))
        pids = sandbox_pids(options.sandbox_dir)

        if not options.skip_migration:
            migrate_and_report(env, options.sandbox_dir, database_bytes, target, coll_path, pids, sizes)

        sources = sorted(name for name in sizes if name != 'pg_largeobject') + ['(SELECT loid, pageno, data FROM pg_largeobject)']
        with PeakMemory(*pids) as peaks, ServerCpu(pids[0]) as read_cpu:
            read_seconds, copied = read_both_once(source, target, big_data.BIG_DATABASE, sources)
        print('(2) read both sides once (COPY TO STDOUT of every table and pg_largeobject, sides at once): %.0f s, %.2f GB;'
              ' servers\' CPU %.0f s; load %s' % (read_seconds, copied / 1e9, read_cpu.seconds, machine().split('load average ')[1]))
        print('\n'.join(peaks.summary()))

        small = verify(source, target, SMALL_DATABASE, options.chunk_rows, options.parallel, options.sandbox_dir, False)
        print('(3) verify %s (checksum, objects): %.1f s, module peak RSS %.1f MB, verified=%s' % (
            SMALL_DATABASE, small[0], small[1] / 1024.0, small[2].get('verified')))
        print('    verify bigdb (checksum, objects, chunk_rows %d, parallel %d), progress lines:' % (options.chunk_rows, options.parallel))
        with PeakMemory(*pids) as peaks, ServerCpu(pids[0]) as verify_cpu:
            seconds, peak_kb, result, lines = verify(source, target, big_data.BIG_DATABASE, options.chunk_rows, options.parallel,
                                                     options.sandbox_dir, True)
        database = result.get('databases', [{}])[0]
        tables = database.get('tables', [])
        print('verify bigdb: %.0f s = %.2fx the read of both sides, %.0f rows/s, row hash %s; module peak RSS %.1f MB (%.1f MB on %s);'
              ' verified=%s; %s' % (seconds, seconds / read_seconds, database.get('source_rows', 0) / seconds, database.get('digest'),
                                    peak_kb / 1024.0, small[1] / 1024.0, SMALL_DATABASE, result.get('verified'), result.get('summary')))
        print('    tables: %s' % ', '.join(
            '%s %s rows %s chunks' % (t.get('table'), t.get('source_rows'), t.get('chunks')) for t in tables))
        if not result.get('verified'):
            print('    %s' % (result.get('msg') or result.get('mismatches')))
        print('    servers\' CPU %.0f s = %.2fx the read\'s (%.0f s; the read\'s own client, this process, is not counted)'
              % (verify_cpu.seconds, verify_cpu.seconds / read_cpu.seconds, read_cpu.seconds))
        print('    %d progress lines; load %s' % (len(lines), machine().split('load average ')[1]))
        print('peak memory during the verification (VmHWM):')
        print('\n'.join(peaks.summary()))
    finally:
        if not options.keep:
            sandbox('down', options.sandbox_dir, options.rows)
        os.unlink(os.path.join(link_dir, 'ansible_collections', 'pgflex', 'migration'))  # the link only, never the checkout
        shutil.rmtree(link_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
