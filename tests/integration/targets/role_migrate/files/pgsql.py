#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run SQL statements against a sandbox server and print the first column of the last result as JSON.

Usage: pgsql.py HOST PORT USER DBNAME SQL [SQL...]  (password in PGPASSWORD). Test helper only.
"""

from __future__ import annotations

import json
import sys

import psycopg


def main(argv):
    host, port, user, dbname = argv[1:5]
    rows = []
    with psycopg.connect(host=host, port=int(port), user=user, dbname=dbname, autocommit=True) as conn:
        for statement in argv[5:]:
            cur = conn.execute(statement)
            rows = [row[0] for row in cur.fetchall()] if cur.description else []
    print(json.dumps(rows, default=str))


if __name__ == '__main__':
    main(sys.argv)
