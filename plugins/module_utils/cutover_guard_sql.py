# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL the safe cutover runs on the source (cutover_guard.SourceReader runs it).

Every statement reads the catalogs or statistics views, except the freeze (ALTER DATABASE ... SET
default_transaction_read_only), its undo, and pg_terminate_backend. Internal to the pgflex.migration
collection; not a public API.
"""

from __future__ import annotations

WAL_LSN = 'SELECT pg_current_wal_lsn()::text'

# Rows inserted, updated and deleted per database. Not xact_commit: that counts read-only transactions too, and the
# migration service reads the source all along (its lag and change counters), so it never stands still.
ROW_CHANGES = ('SELECT datname, coalesce(tup_inserted, 0) + coalesce(tup_updated, 0) + coalesce(tup_deleted, 0), '
               'coalesce(xact_commit, 0) FROM pg_stat_database WHERE datname IS NOT NULL')

# Every client session of the given databases but this one (the service's walsenders are not client backends).
# writing: it holds a transaction id, so it has written in its open transaction. recent: it began a query within the
# last %(seconds)s seconds. pre_freeze: it was opened before %(frozen_at)s (then the freeze does not apply to it).
SESSIONS = (
    "SELECT pid, usename, coalesce(application_name, ''), coalesce(host(client_addr), 'local'), datname, "
    "coalesce(state, ''), backend_xid IS NOT NULL, "
    'coalesce(state_change > clock_timestamp() - make_interval(secs => %(seconds)s::float8), false), '
    'coalesce(backend_start <= %(frozen_at)s::timestamptz, true) '
    'FROM pg_stat_activity '
    "WHERE datname = ANY(%(databases)s) AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid")

# Logical replication slots of the given databases. The service replicates each migrated database through a logical
# slot on the source (docs/service-assumptions.md); a slot with a walsender attached is active.
SLOTS = ('SELECT slot_name, database, coalesce(confirmed_flush_lsn::text, \'0/0\'), active '
         "FROM pg_replication_slots WHERE slot_type = 'logical' AND database = ANY(%(databases)s) ORDER BY slot_name")

SERVER_TIME = 'SELECT clock_timestamp()::text'

# The database-wide default_transaction_read_only (pg_db_role_setting with setrole 0), to put back on undo.
READ_ONLY_SETTING = (
    "SELECT d.datname, (SELECT split_part(c, '=', 2) FROM unnest(s.setconfig) c "
    "                   WHERE c LIKE 'default_transaction_read_only=%%') "
    'FROM pg_database d LEFT JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0 '
    'WHERE d.datname = ANY(%(databases)s)')

# Identifiers and values are composed with psycopg.sql by the reader.
FREEZE = 'ALTER DATABASE {} SET default_transaction_read_only = on'
RESTORE = 'ALTER DATABASE {} SET default_transaction_read_only = {}'
UNFREEZE = 'ALTER DATABASE {} RESET default_transaction_read_only'
TERMINATE = 'SELECT pg_terminate_backend(%(pid)s)'
