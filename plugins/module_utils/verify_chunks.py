# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare one table's content between source and target in chunks of its key, and narrow a difference down
to a few rows.

Pure logic: the SQL lives in ``verify_sql``; here a *reader* is any object with the methods ``hash_range``,
``key_at`` and ``rows_in`` (see ``verify_sql.TableReader``), so the walk and the bisection are
unit-tested with a fake reader.

A range is ``(after, through)``: rows whose key is above ``after`` (None: from the start) and at most ``through``
(None: to the end). Keys travel as tuples of their text form. A digest is ``(rows, sum_a, sum_b)``: the count and
two sums of 64-bit hashes of each row (``verify_sql.RowDigest``), so it needs no sort and no big value whatever the
range's size.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

# A difference is narrowed until each range holds at most this many rows on either side; then its rows are listed.
LEAF_ROWS = 8
# At most this many differing ranges are reported per table, and at most this many range hashes are spent narrowing.
MAX_RANGES = 10
MAX_NARROWING_QUERIES = 400

NUMERIC_TYPES = ('smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'oid')


def empty_digest():
    return (0, 0, 0)


def digest_text(digest):
    return '%d:%d:%d' % digest


def run_now(function, *args):
    """Stand-in for an executor's submit when the target runs in the caller's thread."""
    class Done(object):
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value
    return Done(function(*args))


class TableComparison(object):
    """The outcome for one keyed table: totals, whole-table checksums and the ranges that differ."""

    def __init__(self):
        self.chunks = 0
        self.source_rows = 0
        self.target_rows = 0
        self._source_md5 = hashlib.md5()
        self._target_md5 = hashlib.md5()
        self.differing_chunks = []
        self.ranges = []
        self.more_ranges = False

    def add(self, after, through, source_digest, target_digest):
        self.chunks += 1
        self.source_rows += source_digest[0]
        self.target_rows += target_digest[0]
        self._source_md5.update((digest_text(source_digest) + ';').encode())
        self._target_md5.update((digest_text(target_digest) + ';').encode())
        if source_digest != target_digest:
            self.differing_chunks.append((after, through, source_digest, target_digest))

    @property
    def source_checksum(self):
        return self._source_md5.hexdigest()

    @property
    def target_checksum(self):
        return self._target_md5.hexdigest()


def compare_keyed_table(source, target, chunk_rows, submit=None, on_chunk=None,
                        leaf_rows=LEAF_ROWS, max_ranges=MAX_RANGES, max_queries=MAX_NARROWING_QUERIES):
    """Walk the source's key in chunks of ``chunk_rows``; hash the same ranges on both sides.

    The chunk boundaries come from the source (its key at every ``chunk_rows``-th row), and the first and last
    ranges are open, so a row only on the target lands in the range that holds its key. ``submit(function, *args)``
    runs the target's hash (an executor's submit lets both sides hash a chunk at the same time). ``on_chunk(rows)``
    is told the source rows of each chunk done (for progress).
    """
    submit = submit or run_now
    outcome = TableComparison()
    after = None
    while True:
        through = source.key_at(after, None, chunk_rows - 1)
        target_digest = submit(target.hash_range, after, through)
        source_digest = source.hash_range(after, through)
        outcome.add(after, through, source_digest, target_digest.result())
        if on_chunk:
            on_chunk(source_digest[0])
        if through is None:
            break
        after = through
    narrow_differences(source, target, outcome, leaf_rows, max_ranges, max_queries)
    return outcome


def narrow_differences(source, target, outcome, leaf_rows=LEAF_ROWS, max_ranges=MAX_RANGES,
                       max_queries=MAX_NARROWING_QUERIES):
    """Bisect each differing chunk (re-hash halves on both sides) down to ranges of at most ``leaf_rows`` rows."""
    budget = [max_queries]
    for after, through, source_digest, target_digest in outcome.differing_chunks:
        if not _bisect(source, target, after, through, source_digest, target_digest, outcome, leaf_rows, max_ranges, budget):
            break


def _bisect(source, target, after, through, source_digest, target_digest, outcome, leaf_rows, max_ranges, budget):
    """Record the differing ranges in (after, through]; False once the cap on ranges is reached."""
    if len(outcome.ranges) >= max_ranges:
        outcome.more_ranges = True
        return False
    rows = max(source_digest[0], target_digest[0])
    if rows <= leaf_rows:
        outcome.ranges.append(_leaf(source, target, after, through, source_digest, target_digest))
        return True
    if budget[0] < 3:
        outcome.ranges.append(_unnarrowed(after, through, source_digest, target_digest))
        return True
    # Split at the middle key of the side with more rows, so that side's rows halve at every step.
    larger = source if source_digest[0] >= target_digest[0] else target
    middle = larger.key_at(after, through, rows // 2 - 1)
    budget[0] -= 3
    for low, high in ((after, middle), (middle, through)):
        source_half = source.hash_range(low, high)
        target_half = target.hash_range(low, high)
        if source_half != target_half:
            if not _bisect(source, target, low, high, source_half, target_half, outcome, leaf_rows, max_ranges, budget):
                return False
    return True


def _leaf(source, target, after, through, source_digest, target_digest):
    source_rows = source.rows_in(after, through, leaf_rows_limit(source_digest))
    target_rows = target.rows_in(after, through, leaf_rows_limit(target_digest))
    source_hashes = dict(source_rows)
    target_hashes = dict(target_rows)
    missing = [key for key, _hash in source_rows if key not in target_hashes]
    extra = [key for key, _hash in target_rows if key not in source_hashes]
    changed = [key for key, row_hash in source_rows if key in target_hashes and target_hashes[key] != row_hash]
    keys = [key for key, _hash in source_rows] + extra
    return {
        'after': _listed(after),
        'through': _listed(through),
        'first': _listed(min(keys, key=sort_key)) if keys else None,
        'last': _listed(max(keys, key=sort_key)) if keys else None,
        'source_rows': source_digest[0],
        'target_rows': target_digest[0],
        'missing_in_target': [_listed(key) for key in sorted(missing, key=sort_key)],
        'extra_in_target': [_listed(key) for key in sorted(extra, key=sort_key)],
        'changed': [_listed(key) for key in sorted(changed, key=sort_key)],
        'narrowed': True,
    }


def leaf_rows_limit(digest):
    return max(digest[0], 1)


def _unnarrowed(after, through, source_digest, target_digest):
    return {
        'after': _listed(after),
        'through': _listed(through),
        'first': None,
        'last': None,
        'source_rows': source_digest[0],
        'target_rows': target_digest[0],
        'missing_in_target': [],
        'extra_in_target': [],
        'changed': [],
        'narrowed': False,
    }


def _listed(key):
    return None if key is None else list(key)


def _number_or_text(value):
    if value is None:
        return (0, Decimal(0), '')
    try:
        return (0, Decimal(value), value)
    except (InvalidOperation, ValueError):
        return (1, Decimal(0), value)


def sort_key(key):
    """Order keys for display: numbers as numbers, the rest as text (the server's order decides the ranges)."""
    return tuple(_number_or_text(part) for part in key)


def key_values(key):
    """'40213' or '(eu, 7)'."""
    parts = ['NULL' if part is None else part for part in key]
    return parts[0] if len(parts) == 1 else '(%s)' % ', '.join(parts)


def key_names(columns):
    """'id' or '(region, id)'."""
    return columns[0] if len(columns) == 1 else '(%s)' % ', '.join(columns)


def key_text(columns, key):
    """'id 40213' or '(region, id) (eu, 7)'."""
    return '%s %s' % (key_names(columns), key_values(key))


def range_problem(columns, found):
    """One sentence about one differing range, for the mismatches list."""
    counts = 'source %d rows, target %d' % (found['source_rows'], found['target_rows'])
    if not found['narrowed']:
        return 'rows with %s differ (%s; not narrowed further: the narrowing limit was reached)' % (
            _bounds_text(columns, found), counts)
    if found['first'] is None:
        return 'rows with %s differ (%s)' % (_bounds_text(columns, found), counts)
    span = key_text(columns, found['first'])
    if found['last'] != found['first']:
        span += '..%s' % key_values(found['last'])
    details = []
    for label, keys in (('missing on the target', found['missing_in_target']),
                        ('extra on the target', found['extra_in_target']),
                        ('changed', found['changed'])):
        if keys:
            details.append('%s: %s %s' % (label, key_names(columns), ', '.join(key_values(key) for key in keys)))
    text = 'rows with %s differ (%s)' % (span, counts)
    if details:
        text += ': ' + '; '.join(details)
    return text


def _bounds_text(columns, found):
    parts = []
    if found['after'] is not None:
        parts.append('above %s' % key_text(columns, found['after']))
    if found['through'] is not None:
        parts.append('up to %s' % key_text(columns, found['through']))
    return ' and '.join(parts) or 'any key'
