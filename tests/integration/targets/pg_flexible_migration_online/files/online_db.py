#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Direct PostgreSQL work for the online migration test (test helper only). The servers come from the sandbox's
variables in the environment (PGFLEX_SOURCE_HOST, ..._PORT, ..._USER, ..._PASSWORD and the same for TARGET).

Usage: online_db.py write SECONDS TAG DB...  -> writes on the source; prints {db: {inserts, updates, deletes, per_second}}
       online_db.py sequences DB...          -> prints {checked: N, behind: [sequences where target < source]}
       online_db.py leftovers                -> prints {subscriptions: [...], slots: [...]}
       online_db.py start_writer TAG DB STATUS -> starts `writer` in the background, prints its pid once it committed
       online_db.py writer TAG DB STATUS     -> inserts on the source until killed (application pgflex-test-writer);
                                                STATUS (JSON) says the last committed key and the errors met
       online_db.py tagged TAG DB STATUS     -> prints {source: N, target: N, key_on_target: bool, writer: STATUS,
                                                read_only: the database's setting in a new source session}
       online_db.py read_only DB...          -> prints {db: default_transaction_read_only of a new source session}
       online_db.py thaw DB...               -> resets default_transaction_read_only of the source databases
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psycopg
import psycopg.errors
import psycopg.sql

# One writer step per database: an insert, an update and a delete (of a row an earlier step inserted).
STEPS = {
    'shop': ("INSERT INTO sales.customers (email, full_name, country) VALUES (%(key)s || '@writer.example', 'Writer', 'DE') "
             'RETURNING customer_id',
             'UPDATE inventory.stock SET quantity = quantity + 1 WHERE product_id = %(n)s %% 2000 + 1',
             'DELETE FROM sales.customers WHERE customer_id = %(old)s'),
    'hr': ("INSERT INTO people.departments (name) VALUES ('Writer ' || %(key)s) RETURNING department_id",
           'UPDATE people.employees SET bio = md5(bio) WHERE employee_id = %(n)s %% 8000 + 1',
           'DELETE FROM people.departments WHERE department_id = %(old)s'),
}
# The background writer's insert per database (one row per transaction) and how its rows are found again.
WRITER_APP = 'pgflex-test-writer'
WRITER_ROWS = {
    'shop': ("INSERT INTO sales.customers (email, full_name, country) VALUES (%(key)s || '@writer.example', 'Writer', 'DE')",
             "SELECT count(*), count(*) FILTER (WHERE email = %(key)s || '@writer.example') FROM sales.customers "
             "WHERE email LIKE %(tag)s || '-%%'"),
    'hr': ("INSERT INTO people.departments (name) VALUES ('Writer ' || %(key)s)",
           "SELECT count(*), count(*) FILTER (WHERE name = 'Writer ' || %(key)s) FROM people.departments "
           "WHERE name LIKE 'Writer ' || %(tag)s || '-%%'"),
}
CHANGES_PER_SECOND = 400  # aimed at, over all databases (the machine may allow less; the result says)


def connect(side, dbname, application_name='pgflex-test'):
    prefix = 'PGFLEX_%s_' % side.upper()
    return psycopg.connect(host=os.environ[prefix + 'HOST'], port=int(os.environ[prefix + 'PORT']), user=os.environ[prefix + 'USER'],
                           password=os.environ[prefix + 'PASSWORD'], dbname=dbname, sslmode='prefer', autocommit=True,
                           connect_timeout=10, application_name=application_name)


def writer(tag, database, status_path):
    """An application that keeps writing: one insert per transaction on one connection, until killed. A lost
    connection is opened again, a read-only database (the safe cutover's freeze) tried again; both are counted."""
    status = {'last_key': None, 'read_only_errors': 0, 'connection_errors': 0}
    conn, step = None, 0
    while True:
        key = '%s-%d' % (tag, step)
        try:
            if conn is None:
                conn = connect('source', database, WRITER_APP)
            conn.execute(WRITER_ROWS[database][0], {'key': key})
            step += 1
            status['last_key'] = key
        except psycopg.errors.ReadOnlySqlTransaction:
            status['read_only_errors'] += 1
            time.sleep(0.05)
        except psycopg.OperationalError:
            status['connection_errors'] += 1
            conn = None
            time.sleep(0.05)
        with open(status_path + '.new', 'w') as handle:
            json.dump(status, handle)
        os.replace(status_path + '.new', status_path)
        time.sleep(0.005)


def start_writer(tag, database, status_path):
    """The writer as a process of its own (the test kills it), once its first row is committed."""
    with open(status_path + '.log', 'w') as log:
        process = subprocess.Popen([sys.executable, __file__, 'writer', tag, database, status_path], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while not _last_key(status_path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit('the writer did not commit a row; see %s.log' % status_path)
        time.sleep(0.05)
    return process.pid


def _last_key(status_path):
    try:
        with open(status_path) as handle:
            return json.load(handle).get('last_key')
    except (OSError, ValueError):
        return None


def tagged(tag, database, status_path):
    with open(status_path) as handle:
        status = json.load(handle)
    key = status['last_key']
    found = {'writer': status, 'read_only': read_only([database])[database]}
    for side in ('source', 'target'):
        with connect(side, database) as conn:
            count, has_key = conn.execute(WRITER_ROWS[database][1], {'tag': tag, 'key': key}).fetchone()
        found[side] = count
        found['key_on_%s' % side] = bool(has_key)
    return found


def read_only(databases):
    values = {}
    for db in databases:
        with connect('source', db) as conn:
            values[db] = conn.execute('SHOW default_transaction_read_only').fetchone()[0]
    return values


def thaw(databases):
    with connect('source', 'postgres') as conn:
        for db in databases:
            conn.execute(psycopg.sql.SQL('ALTER DATABASE {} RESET default_transaction_read_only').format(psycopg.sql.Identifier(db)))
    return read_only(databases)


def write(seconds, tag, databases):
    conns = {db: connect('source', db) for db in databases}
    counts = {db: {'inserts': 0, 'updates': 0, 'deletes': 0} for db in databases}
    inserted = {db: [] for db in databases}
    started = time.monotonic()
    step = 0
    while time.monotonic() - started < seconds:
        for db in databases:
            insert, update, delete = STEPS[db]
            conn, key = conns[db], '%s-%d' % (tag, step)
            with conn.transaction():
                inserted[db].append(conn.execute(insert, {'key': key}).fetchone()[0])
                counts[db]['inserts'] += 1
                counts[db]['updates'] += conn.execute(update, {'n': step}).rowcount
                if step % 2 == 1:  # delete every other inserted row, so all three kinds of change flow
                    counts[db]['deletes'] += conn.execute(delete, {'old': inserted[db].pop(0)}).rowcount
        step += 1
        ahead = step * 2.5 * len(databases) / CHANGES_PER_SECOND - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
    for conn in conns.values():
        conn.close()
    for db in databases:
        counts[db]['per_second'] = round(sum(counts[db][k] for k in ('inserts', 'updates', 'deletes')) / seconds)
    return counts


def sequences(databases):
    found = []
    for db in databases:
        values = {}
        for side in ('source', 'target'):
            with connect(side, db) as conn:
                for schema, name, last in conn.execute('SELECT schemaname, sequencename, last_value FROM pg_sequences'):
                    values.setdefault('%s.%s' % (schema, name), {})[side] = last
        found += [dict(sides, db=db, sequence=name) for name, sides in sorted(values.items())]
    behind = [item for item in found if item.get('source') is not None and (item.get('target') or 0) < item['source']]
    return {'checked': len(found), 'behind': behind}


def leftovers():
    with connect('target', 'postgres') as conn:
        subscriptions = [r[0] for r in conn.execute("SELECT subname FROM pg_subscription WHERE subname LIKE 'pgflex%'")]
    with connect('source', 'postgres') as conn:
        slots = [r[0] for r in conn.execute("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgflex%'")]
    return {'subscriptions': subscriptions, 'slots': slots}


def main(argv):
    command = argv[1]
    if command == 'write':
        result = write(float(argv[2]), argv[3], argv[4:])
    elif command == 'sequences':
        result = sequences(argv[2:])
    elif command == 'writer':
        writer(argv[2], argv[3], argv[4])
    elif command == 'start_writer':
        result = start_writer(argv[2], argv[3], argv[4])
    elif command == 'tagged':
        result = tagged(argv[2], argv[3], argv[4])
    elif command == 'read_only':
        result = read_only(argv[2:])
    elif command == 'thaw':
        result = thaw(argv[2:])
    else:
        result = leftovers()
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
