# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: pg_flexible_migration_verify with checksums vs reading both sides once.

Starts two throwaway clusters (tests/pgcluster), builds the same tables on both in the server (generate_series):
a keyed table of N rows and a table without key of N/5 rows. Then:

- reads every table of both sides once with COPY ... TO STDOUT (the two sides at the same time), the floor;
- runs the real module (a child process, as Ansible would) with checksum: true, and reports its wall time and
  its peak RSS (wait4's rusage of that child).

Prints numbers; never fails on time. Not part of make test.
Usage: python tests/perf/bench_verify.py [--rows N] [--chunk-rows R] [--parallel P]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from pgcluster import PgCluster  # noqa: E402  (needs the tests directory on the path)

import psycopg  # noqa: E402


def build(cluster, rows):
    with psycopg.connect(cluster.conninfo('postgres'), autocommit=True) as conn:
        conn.execute('CREATE DATABASE bench')
    with psycopg.connect(cluster.conninfo('bench'), autocommit=True) as conn:
        conn.execute('CREATE TABLE keyed (id bigint PRIMARY KEY, payload text, n int, at timestamptz)')
        conn.execute("INSERT INTO keyed SELECT g, md5(g::text) || md5((g * 7)::text), g %% 1000,"
                     " '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, %s) g", (rows,))
        conn.execute('CREATE TABLE keyless (payload text, n int)')
        conn.execute('INSERT INTO keyless SELECT md5(g::text), g %% 1000 FROM generate_series(1, %s) g', (rows // 5,))
        conn.execute('VACUUM ANALYZE')
        size = conn.execute("SELECT pg_database_size('bench')").fetchone()[0]
    return size


def copy_out(cluster, dbname='bench', sources=('keyed', 'keyless')):
    """Bytes of COPY ... TO STDOUT of each source (a table name or a parenthesised query) of one database."""
    total = 0
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        for table in sources:
            with conn.cursor().copy('COPY %s TO STDOUT' % table) as copy:
                for data in copy:
                    total += len(data)
    return total


def on_both(function, source, target, *args):
    """function(cluster, *args) on both sides at the same time; errors are raised here."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(function, cluster, *args) for cluster in (source, target)]
        return [future.result() for future in futures]


def read_both_once(source, target, *copy_args):
    started = time.monotonic()
    copied = sum(on_both(copy_out, source, target, *copy_args))
    return time.monotonic() - started, copied


def staged_collection():
    """A throwaway ansible_collections tree linking this checkout, so the module runs as Ansible would import it."""
    root = tempfile.mkdtemp(prefix='pgflex-bench-verify-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'pgflex'))
    os.symlink(ROOT, os.path.join(root, 'ansible_collections', 'pgflex', 'migration'))
    return root


def run_json(argv, env):
    """The JSON a child prints and the child's own peak RSS in KB (wait4: this child only, not earlier ones)."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errors)  # pylint: disable=consider-using-with
        stdout = proc.stdout.read()
        proc.stdout.close()
        dummy, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    return json.loads(stdout), usage.ru_maxrss


def run_module(source, target, chunk_rows, parallel, databases=('bench',), extra=None):
    """Run pg_flexible_migration_verify as Ansible would (a child process); answer (seconds, peak RSS KB, result)."""
    args = {'ANSIBLE_MODULE_ARGS': {
        'databases': list(databases), 'checksum': True, 'chunk_rows': chunk_rows, 'parallel': parallel, **(extra or {}),
        'source_host': source.host, 'source_port': source.port, 'source_username': source.user,
        'source_password': source.password, 'source_ssl_mode': 'disable',
        'target_host': target.host, 'target_port': target.port, 'target_username': target.user,
        'target_password': target.password, 'target_ssl_mode': 'disable',
    }}
    root = staged_collection()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump(args, handle)
    env = dict(os.environ, PYTHONPATH=root)
    started = time.monotonic()
    try:
        result, peak_kb = run_json([sys.executable, '-m', 'ansible_collections.pgflex.migration.plugins.modules.pg_flexible_migration_verify',
                                    handle.name], env)
    finally:
        os.unlink(handle.name)
        shutil.rmtree(root, ignore_errors=True)  # the link only, never the checkout
    return time.monotonic() - started, peak_kb, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=3000000, help='rows of the keyed table (the keyless one has a fifth)')
    parser.add_argument('--chunk-rows', type=int, default=100000)
    parser.add_argument('--parallel', type=int, default=2)
    parser.add_argument('--sandbox-env', help=argparse.SUPPRESS)  # make perf passes it to every bench; this one starts its own clusters
    options = parser.parse_args()

    source = PgCluster.start(name='bench-verify-source')
    target = PgCluster.start(name='bench-verify-target')
    try:
        started = time.monotonic()
        size = on_both(build, source, target, options.rows)[0]
        print('built %d + %d rows per side (%.0f MB per side) in %.1f s' % (
            options.rows, options.rows // 5, size / 1e6, time.monotonic() - started))

        copy_seconds, copied = read_both_once(source, target)
        print('read both sides once (COPY TO STDOUT, sides at the same time): %.1f s, %.0f MB' % (copy_seconds, copied / 1e6))

        seconds, peak_kb, result = run_module(source, target, options.chunk_rows, options.parallel)
        tables = result['databases'][0]['tables']
        print('verify checksum: true, chunk_rows %d, parallel %d: %.1f s (%.2fx the COPY read), module peak RSS %.1f MB, '
              'verified=%s, chunks %s' % (options.chunk_rows, options.parallel, seconds, seconds / copy_seconds,
                                          peak_kb / 1024.0, result.get('verified'),
                                          ', '.join('%s %s' % (t['table'], t.get('chunks')) for t in tables)))
        if not result.get('verified'):
            print(result.get('msg'))
    finally:
        target.stop()
        source.stop()


if __name__ == '__main__':
    main()
