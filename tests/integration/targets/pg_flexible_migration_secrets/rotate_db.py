#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Direct PostgreSQL work for the password rotation test (test helper only). Everything secret comes on stdin as JSON
(never on the command line or in the environment, which -vvvv output could show): host, port, admin_user,
admin_password (the sandbox source's superuser), target_host/_port/_user/_password, role, password. The role and a
small database of its own (people.departments, a few rows: the online copy takes a moment) share one name.

Usage: rotate_db.py role      -> creates (or resets) the role as a superuser login with the password, and its database
       rotate_db.py password  -> sets the role's new password and ends the role's open connections (replication too)
       rotate_db.py write     -> inserts a department named after the role on the source
       rotate_db.py seen      -> prints how many departments named after the role the target has
       rotate_db.py drop      -> drops the role and its database on both servers
"""

from __future__ import annotations

import json
import sys

import psycopg
from psycopg import sql


def connect(values, side, dbname='postgres'):
    if side == 'source':
        return psycopg.connect(host=values['host'], port=int(values['port']), user=values['admin_user'],
                               password=values['admin_password'], dbname=dbname, autocommit=True, connect_timeout=10)
    return psycopg.connect(host=values['target_host'], port=int(values['target_port']), user=values['target_user'],
                           password=values['target_password'], dbname=dbname, autocommit=True, connect_timeout=10)


def main(argv):
    values = json.load(sys.stdin)
    role = sql.Identifier(values['role'])
    action = argv[1]
    name = values['role']
    if action == 'role':
        with connect(values, 'source') as conn:
            exists = conn.execute('SELECT 1 FROM pg_roles WHERE rolname = %s', (name,)).fetchone()
            verb = 'ALTER' if exists else 'CREATE'
            conn.execute(sql.SQL(verb + ' ROLE {} LOGIN SUPERUSER REPLICATION PASSWORD {}').format(role, sql.Literal(values['password'])))
            if not conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone():
                conn.execute(sql.SQL('CREATE DATABASE {}').format(role))
        with connect(values, 'source', name) as conn:
            conn.execute('CREATE SCHEMA IF NOT EXISTS people')
            conn.execute('CREATE TABLE IF NOT EXISTS people.departments (department_id serial PRIMARY KEY, name text NOT NULL)')
            conn.execute("INSERT INTO people.departments (name) SELECT 'Department ' || g FROM generate_series(1, 20) g")
    elif action == 'password':
        with connect(values, 'source') as conn:
            conn.execute(sql.SQL('ALTER ROLE {} PASSWORD {}').format(role, sql.Literal(values['password'])))
            ended = conn.execute('SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s',
                                 (values['role'],)).fetchone()[0]
        print(json.dumps({'ended_connections': ended}))
    elif action == 'write':
        with connect(values, 'source', name) as conn:
            conn.execute('INSERT INTO people.departments (name) VALUES (%s)', ('rotated ' + values['role'],))
    elif action == 'seen':
        with connect(values, 'target', name) as conn:
            print(conn.execute('SELECT count(*) FROM people.departments WHERE name = %s', ('rotated ' + values['role'],)).fetchone()[0])
    elif action == 'drop':
        with connect(values, 'target') as conn:
            conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(role))
        with connect(values, 'source') as conn:
            conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(role))
            conn.execute(sql.SQL('DROP ROLE IF EXISTS {}').format(role))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
