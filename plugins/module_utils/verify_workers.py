# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare the tables of one database with several workers, each owning one connection per side.

A job is one table: on both sides, or on one side only (then it is only counted and hashed there). Workers take
jobs from a queue (the biggest tables first); each worker hashes its target side in a helper thread so the
target hashes a chunk while the source reads the next one.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pgflex.migration.plugins.module_utils import verify_chunks, verify_sql


class Job(object):
    def __init__(self, name, source_table, target_table):
        self.name = name
        self.source_table = source_table
        self.target_table = target_table


class Outcome(object):
    """Per side {'schema.table': {'rows', 'checksum'}}, and per table the details of a keyed comparison."""

    def __init__(self):
        self.source = {}
        self.target = {}
        self.details = {}
        self._lock = threading.Lock()

    def record(self, name, source, target, details=None):
        with self._lock:
            if source is not None:
                self.source[name] = source
            if target is not None:
                self.target[name] = target
            if details is not None:
                self.details[name] = details


class Progress(object):
    """Tables and source rows done so far, thread-safe; ``report(progress)`` is called after each step."""

    def __init__(self, report=None, clock=time.monotonic):
        self.database = None
        self.tables_total = 0
        self.tables_done = 0
        self.rows_estimated = 0
        self.rows_done = 0
        self.started = clock()
        self._clock = clock
        self._report = report
        self._lock = threading.Lock()

    def start_database(self, name, tables, estimated_rows):
        with self._lock:
            self.database = name
            self.tables_total += tables
            self.rows_estimated += estimated_rows
        self._tell()

    def as_dict(self):
        with self._lock:
            return {'database': self.database, 'tables_done': self.tables_done, 'tables_total': self.tables_total,
                    'rows_done': self.rows_done, 'rows_estimated': max(self.rows_estimated, self.rows_done),
                    'elapsed': round(self.elapsed(), 1)}

    def rows(self, count):
        with self._lock:
            self.rows_done += count
        self._tell()

    def table_done(self):
        with self._lock:
            self.tables_done += 1
        self._tell()

    def elapsed(self):
        return self._clock() - self.started

    def _tell(self):
        if self._report:
            self._report(self)


def plan(source_tables, target_tables):
    """Jobs in the source's order (biggest first), then tables only on the target."""
    target_by_name = dict((table.qualified, table) for table in target_tables)
    jobs = [Job(table.qualified, table, target_by_name.pop(table.qualified, None)) for table in source_tables]
    jobs.extend(Job(name, None, table) for name, table in sorted(target_by_name.items()))
    return jobs


def run(jobs, source, target, workers, digest, chunk_rows, progress=None):
    """Run every job with ``workers`` threads; worker i uses connection i of each side. ``digest``: the
    verify_sql.RowDigest of both sides, or None to count rows only."""
    outcome = Outcome()
    pending = list(reversed(jobs))
    lock = threading.Lock()

    def next_job():
        with lock:
            return pending.pop() if pending else None

    def work(index):
        source_conn = source.connection(index)
        target_conn = target.connection(index)
        with ThreadPoolExecutor(max_workers=1) as target_thread:
            job = next_job()
            while job is not None:
                try:
                    _compare_job(job, source, target, source_conn, target_conn, target_thread, digest, chunk_rows,
                                 outcome, progress)
                except Exception:
                    with lock:
                        del pending[:]  # the other workers stop after their current table
                    raise
                if progress is not None:
                    progress.table_done()
                job = next_job()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, index) for index in range(workers)]:
            future.result()
    return outcome


class Guarded(object):
    """A reader whose database errors name its side (``side.errors``), whichever thread calls it."""

    def __init__(self, reader, side):
        self._reader = reader
        self._side = side

    def __getattr__(self, name):
        method = getattr(self._reader, name)

        def call(*args):
            with self._side.errors('reading'):
                return method(*args)
        return call


def _guarded_whole(side, cur, table, digest):
    with side.errors('reading'):
        return _whole(cur, table, digest)


def _compare_job(job, source, target, source_conn, target_conn, target_thread, digest, chunk_rows, outcome, progress):
    if job.source_table is None or job.target_table is None:
        side, conn, table = (source, source_conn, job.source_table) if job.target_table is None else (target, target_conn, job.target_table)
        with conn.cursor() as cur:
            snapshot = _guarded_whole(side, cur, table, digest)
        outcome.record(job.name, snapshot if side is source else None, snapshot if side is target else None)
        return
    with source_conn.cursor() as source_cur, target_conn.cursor() as target_cur:
        if digest and same_key(job.source_table, job.target_table):
            _compare_keyed(job, source, target, source_cur, target_cur, target_thread, digest, chunk_rows, outcome, progress)
            return
        target_future = target_thread.submit(_guarded_whole, target, target_cur, job.target_table, digest)
        source_snapshot = _guarded_whole(source, source_cur, job.source_table, digest)
        outcome.record(job.name, source_snapshot, target_future.result(),
                       {'key': None, 'chunks': 1, 'differing_ranges': []} if digest else None)
        if progress is not None:
            progress.rows(source_snapshot['rows'])


def same_key(source_table, target_table):
    """Chunks need the same key, with an index, on both sides: without it each chunk would scan the whole target
    table, and values of another type would not compare. Otherwise the table is compared whole (and a missing
    index or constraint shows in the objects compared)."""
    return bool(source_table.key) and (source_table.key, source_table.key_types) == (target_table.key, target_table.key_types)


def _whole(cur, table, digest):
    """{'rows', 'checksum'} of a whole table: the order-independent digest (no key needed) or the count alone."""
    if not digest:
        return {'rows': verify_sql.count_rows(cur, table), 'checksum': None}
    sums = verify_sql.whole_table_digest(cur, table, digest)
    return {'rows': sums[0], 'checksum': hashlib.md5(verify_chunks.digest_text(sums).encode()).hexdigest()}


def _compare_keyed(job, source, target, source_cur, target_cur, target_thread, digest, chunk_rows, outcome, progress):
    table = job.source_table
    source_reader = Guarded(verify_sql.TableReader(source_cur, table, table.key, table.key_types, digest), source)
    target_reader = Guarded(verify_sql.TableReader(target_cur, job.target_table, table.key, table.key_types, digest), target)
    result = verify_chunks.compare_keyed_table(
        source_reader, target_reader, chunk_rows, submit=target_thread.submit,
        on_chunk=progress.rows if progress is not None else None)
    outcome.record(job.name,
                   {'rows': result.source_rows, 'checksum': result.source_checksum},
                   {'rows': result.target_rows, 'checksum': result.target_checksum},
                   {'key': list(table.key), 'chunks': result.chunks, 'differing_ranges': result.ranges,
                    'more_ranges': result.more_ranges})
