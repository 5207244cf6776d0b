#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start (or stop) a throwaway source server whose wal_level is 'replica', with one small database.

Online validation then warns (the service would set up logical replication). Test helper only.
Usage: source_cluster.py start DIR DBNAME   -> prints the cluster's details as JSON
       source_cluster.py stop DIR
"""

from __future__ import annotations

import json
import sys

import psycopg
from pgcluster import PgCluster  # pylint: disable=import-error


def main(argv):
    command, directory = argv[1], argv[2]
    if command == 'stop':
        PgCluster.from_state(directory).stop()
        return 0
    cluster = PgCluster.start(name='walreplica', base_dir=directory, settings={'wal_level': 'replica'}, keep=True)
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute('CREATE DATABASE %s' % argv[3])
    with psycopg.connect(cluster.conninfo(argv[3]), autocommit=True) as conn:
        conn.execute('CREATE TABLE public.items (id int PRIMARY KEY, label text)')
        conn.execute("INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 100) g")
    print(json.dumps({'host': cluster.host, 'port': cluster.port, 'user': cluster.user, 'password': cluster.password}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
