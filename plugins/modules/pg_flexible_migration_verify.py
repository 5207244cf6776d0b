#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_flexible_migration_verify
short_description: Check that migrated PostgreSQL databases arrived complete
version_added: 0.1.0
description:
  - Connects to the source server and to the target server (for example an Azure Database for PostgreSQL
    flexible server after a migration) and compares, for each database, the list of tables and the row
    count of every table, and optionally a checksum of every table's content.
  - A table missing on the target, a table only on the target, a different row count or a different
    checksum is a mismatch. Each mismatch names the database and the table.
  - The module only reads (in read-only REPEATABLE READ transactions), so it never reports a change and
    runs the same way in check mode.
  - Tables that belong to an extension, system schemas and temporary tables are not compared. Partitioned
    tables are compared through their partitions.
author:
  - pgflex.migration maintainers (@pgflex)
requirements:
  - psycopg >= 3.1 (C{psycopg[binary]}) on the host that runs the module.
  - Network access from that host to both servers (PostgreSQL protocol, usually TCP port 5432). For Azure
    flexible servers this means a firewall rule or private network path for the Ansible host.
options:
  databases:
    description:
      - Names of the databases to compare. Each must exist on both servers.
    type: list
    elements: str
    required: true
  source_username:
    description:
      - User to connect to the source with. It needs C(SELECT) on every table compared.
    type: str
    required: true
  target_username:
    description:
      - User to connect to the target with. It needs C(SELECT) on every table compared.
    type: str
    required: true
  checksum:
    description:
      - Also compare the content of every table's rows (a hash of each row's text). This reads every row on both
        servers, so it takes longer than reading each database once (see RV(databases[].digest)).
      - The row hash is C(hashtextextended) (two 64-bit hashes per row) when both servers are PostgreSQL 11 or later
        and compute it alike, else C(md5) on both sides (slower); RV(databases[].digest) says which.
      - A table with a key (its primary key, or else a unique index without expression or predicate whose columns
        are all C(NOT NULL)), the same on the target, is compared in chunks of O(chunk_rows) rows walked in key
        order. The chunk boundaries
        come from the source and the same key ranges are hashed on the target, so a changed, missing or extra row
        shows in the chunk that holds its key. A differing chunk is then split in halves, re-hashed on both sides,
        until each differing range holds at most 8 rows, and the mismatch names those rows' keys (at most 10 ranges
        per table).
      - A table without such a key is compared whole, by its row count and the two sums of every row's 64-bit
        hashes (no sort). This is weaker than the chunked comparison; it cannot say which rows differ.
      - Changes whose row hashes happen to add up to the same sums go unnoticed. For accidental changes the odds are
        negligible (at most about 2^-64 per differing chunk or table), but neither row hash is a cryptographic
        checksum, so rows could be crafted to collide.
      - Memory stays bounded on both servers and in the module whatever the table's size.
      - Without it only row counts are compared, which is much faster.
    type: bool
    default: false
  objects:
    description:
      - Also compare what else must match besides table rows, each difference reported like a table mismatch.
      - Sequences (schema and name) must exist on the target, with a last value at least the source's (at most,
        for a descending sequence); a sequence behind would hand out keys again.
      - Large objects must have the same count and the same order-independent checksum (md5 of each object's oid and
        content, read one object at a time with C(lo_get)). When the user cannot read them (it needs C(SELECT) on
        every large object), they are not compared and the result says so in a warning.
      - Indexes, constraints (other than C(NOT NULL)), views, materialized views, functions (with their argument
        types), triggers and extensions are compared by name, per schema. Objects that belong to an extension are
        left out.
    type: bool
    default: true
  chunk_rows:
    description:
      - Rows per chunk when O(checksum) compares a table with a key, between 1 and 10000000.
      - Each chunk is a walk of O(chunk_rows) entries of the key's index on the source (to find the chunk's last
        key) and one hash query per side, run on both sides at the same time. The servers hold no more than one
        row at a time for it, whatever the chunk's size.
    type: int
    default: 100000
  parallel:
    description:
      - Tables compared at once, between 1 and 32. Each is one connection per side, and each connection reads one
        table at a time (one backend busy scanning on each server per table in flight).
      - All connections of a side read the same snapshot (the first exports it with C(pg_export_snapshot()) and the
        others import it), so the comparison stays consistent.
      - Raise it for a database of many tables on servers with idle cores; on a target that serves traffic keep it
        at or below half its vCores.
    type: int
    default: 2
  progress_interval:
    description:
      - Seconds between two progress lines while the module compares, between 1 and 3600. Each line shows the
        database, tables done of total, source rows done of the planner's estimate, rows per second and an
        estimate of the time left.
      - Lines are printed by the action plugin of the same name when the module runs on the controller
        (connection C(local), as with C(delegate_to=localhost)); through other connections and in C(async) tasks
        the module runs once without lines.
    type: int
    default: 60
  progress_file:
    description:
      - Internal; set by the action plugin. The file the module rewrites with its progress (counts and names
        only) while it works. Leave it unset.
    type: path
  fail_on_mismatch:
    description:
      - Fail the task when any database does not match, with a message naming each table that differs.
      - Set to V(false) to collect the result (for example for a report) and decide later.
    type: bool
    default: true
extends_documentation_fragment:
  - pgflex.migration.source_connection
  - pgflex.migration.target_connection
  - pgflex.migration.changes_nothing
  - pgflex.migration.choice_spellings
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs the same comparison.
notes:
  - Compare while nothing writes to the source (after an offline migration, or after the cutover of an online
    one); rows written to the source after the copy are reported as mismatches.
"""

EXAMPLES = r"""
- name: Check row counts of the migrated databases
  pgflex.migration.pg_flexible_migration_verify:
    databases: [shop, crm]
    source_host: pg-onprem.example.com
    source_username: migration
    source_password: "{{ vault_source_password }}"
    target_host: myserver.postgres.database.azure.com
    target_username: azureadmin
    target_password: "{{ vault_target_password }}"
    target_ssl_mode: require

- name: Compare content too, and keep going to write a report
  pgflex.migration.pg_flexible_migration_verify:
    databases: [shop]
    source_host: 10.0.0.5
    source_username: migration
    source_password: "{{ vault_source_password }}"
    target_host: myserver.postgres.database.azure.com
    target_username: azureadmin
    target_password: "{{ vault_target_password }}"
    checksum: true
    parallel: 4
    fail_on_mismatch: false
  register: verification

- name: Show the verdict
  ansible.builtin.debug:
    msg: "{{ verification.summary }}"
"""

RETURN = r"""
verified:
  description: Whether every database matched.
  returned: always
  type: bool
  sample: true
summary:
  description: One line with the number of databases, tables and rows compared and the verdict.
  returned: always
  type: str
  sample: "3 database(s), 24 table(s), 120400 source row(s) compared: all match"
mismatches:
  description: Every difference found, each naming the database and the table.
  returned: always
  type: list
  elements: str
  sample:
    - 'database "shop" table "public.orders" has 1000 rows on the source but 999 on the target: rows with id 40213..40220
      differ (source 8 rows, target 7): missing on the target: id 40215'

databases:
  description: The comparison of each database, in the order of O(databases).
  returned: always
  type: list
  elements: dict
  contains:
    database:
      description: The database's name, from O(databases).
      type: str
      sample: shop
    ok:
      description: Whether the database matched.
      type: bool
    table_count:
      description: Number of tables compared (on either side).
      type: int
      sample: 8
    source_rows:
      description: Total rows in the compared tables on the source.
      type: int
    target_rows:
      description: Total rows in the compared tables on the target.
      type: int
    missing_in_target:
      description: Tables (C(schema.table)) that exist on the source only.
      type: list
      elements: str
    extra_in_target:
      description: Tables (C(schema.table)) that exist on the target only.
      type: list
      elements: str
    mismatches:
      description: The differences found in this database.
      type: list
      elements: str
    digest:
      description:
        - The row hash both sides used (only with O(checksum); null without it).
        - C(hashtextextended) when both servers are PostgreSQL 11 or later and compute it alike, else C(md5).
      type: str
      sample: hashtextextended
    objects:
      description: What O(objects) compared (only with O(objects), when the database exists on both sides).
      type: dict
      contains:
        missing_in_target:
          description: Per kind (C(index), C(constraint), C(view), C(materialized view), C(function), C(trigger),
            C(extension), C(sequence)), the C(schema.name) of objects only on the source (constraints and
            triggers as C(schema.table.name)).
          type: dict
          sample: {index: [public.orders_note_idx]}
        extra_in_target:
          description: Per kind, the objects only on the target.
          type: dict
        sequences_behind:
          description: Sequences whose last value on the target is behind the source's.
          type: list
          elements: str
        large_objects:
          description: Number of large objects on each side (C(source), C(target); null when they could not be read).
          type: dict
        notes:
          description: What could not be compared and why (also given as warnings).
          type: list
          elements: str
    tables:
      description: One entry per table.
      type: list
      elements: dict
      contains:
        table:
          description: C(schema.table).
          type: str
          sample: public.orders
        source_rows:
          description: Row count on the source (null when the table is missing there).
          type: int
        target_rows:
          description: Row count on the target (null when the table is missing there).
          type: int
        source_checksum:
          description:
            - Checksum on the source (only with O(checksum)). It depends on the chunk boundaries, so compare it only
              with RV(databases[].tables[].target_checksum) of the same run.
          type: str
        target_checksum:
          description: Checksum on the target (only with O(checksum)).
          type: str
        key:
          description: Columns of the key the table was compared by, or null when it has none (only with O(checksum)).
          type: list
          elements: str
          sample: [id]
        chunks:
          description: Number of key ranges compared (1 for a table without a key; only with O(checksum)).
          type: int
          sample: 12
        differing_ranges:
          description:
            - The key ranges whose rows differ, narrowed down to a few rows, in key order (only with O(checksum);
              at most 10 per table).
            - Keys are lists of the key columns' values as text.
          type: list
          elements: dict
          contains:
            after:
              description: The range holds keys above this one (null for the start of the table).
              type: list
              elements: str
            through:
              description: The range holds keys up to and including this one (null for the end of the table).
              type: list
              elements: str
            first:
              description: First key of the range's rows on either side (null when the range was not narrowed).
              type: list
              elements: str
              sample: ['40213']
            last:
              description: Last key of the range's rows on either side (null when the range was not narrowed).
              type: list
              elements: str
              sample: ['40220']
            source_rows:
              description: Rows in the range on the source.
              type: int
            target_rows:
              description: Rows in the range on the target.
              type: int
            missing_in_target:
              description: Keys of rows only on the source.
              type: list
              elements: list
            extra_in_target:
              description: Keys of rows only on the target.
              type: list
              elements: list
            changed:
              description: Keys of rows on both sides with different content.
              type: list
              elements: list
            narrowed:
              description: Whether the range was narrowed down to its rows (false when the narrowing limit was reached).
              type: bool
        ok:
          description: Whether this table matched.
          type: bool
"""

from ansible_collections.pgflex.migration.plugins.module_utils import pg_endpoint, verify, verify_progress, verify_workers
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import database_list_problems, number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.postgres_module import postgres_module


def argument_spec():
    spec = dict(
        databases=dict(type='list', elements='str', required=True),
        checksum=dict(type='bool', default=False),
        chunk_rows=dict(type='int', default=verify.DEFAULT_CHUNK_ROWS),
        parallel=dict(type='int', default=verify.DEFAULT_PARALLEL),
        progress_interval=dict(type='int', default=60),
        objects=dict(type='bool', default=True),
        progress_file=dict(type='path'),
        fail_on_mismatch=dict(type='bool', default=True),
    )
    spec.update(pg_endpoint.connection_spec('source'))  # doc fragment pgflex.migration.source_connection
    spec.update(pg_endpoint.connection_spec('target'))
    spec.update(pg_endpoint.CONNECT_TIMEOUT_SPEC)
    return spec


# Ranges of this module's own numbers (the shared ones are in limits).
BOUNDS = {'chunk_rows': (1, 10000000), 'parallel': (1, 32)}


def bound_problems(params):
    problems = []
    for option, (low, high) in sorted(BOUNDS.items()):
        value = params.get(option)
        if value is not None and not low <= value <= high:
            shown = value if len(str(value)) <= 20 else 'a %d-digit number' % len(str(abs(value)))
            problems.append('%s must be between %d and %d; got %s' % (option, low, high, shown))
    return problems


def check_input(module):
    params = module.params
    problems = database_list_problems(params['databases'])
    problems += number_problems(params, ('source_port', 'target_port', 'connect_timeout', 'progress_interval'))
    problems += bound_problems(params)
    if problems:
        module.fail_json(msg='Invalid input: %s. Nothing was compared.' % '; '.join(problems))


def main():
    module = postgres_module(argument_spec(), check_input)
    source = pg_endpoint.endpoint_from_params(module.params, 'source')
    target = pg_endpoint.endpoint_from_params(module.params, 'target')
    progress = None
    if module.params['progress_file']:
        progress = verify_workers.Progress(report=verify_progress.FileReporter(module.params['progress_file']))
    results = []
    try:
        for database in module.params['databases']:
            results.append(verify.verify_database(
                source, target, database, checksum=module.params['checksum'],
                chunk_rows=module.params['chunk_rows'], parallel=module.params['parallel'], progress=progress,
                objects=module.params['objects']))
    except verify.VerifyError as exc:
        module.fail_json(msg='Verification could not run: %s' % exc, databases=results)

    for result in results:
        for note in (result.get('objects') or {}).get('notes', []):
            module.warn(note)
    mismatches = [problem for result in results for problem in result['mismatches']]
    outcome = dict(
        changed=False,
        verified=not mismatches,
        summary=verify.summarize(results),
        mismatches=mismatches,
        databases=results,
    )
    if mismatches and module.params['fail_on_mismatch']:
        module.fail_json(msg='Verification failed: %s' % '; '.join(mismatches), **outcome)
    module.exit_json(**outcome)


if __name__ == '__main__':
    main()
