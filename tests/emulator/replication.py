"""Online mode: PostgreSQL logical replication of one database from the source to the target.

A publication FOR ALL TABLES on the source database, a subscription (with its replication slot on the source and the
initial table copy) in the target database. The figures the service reports in dbDetails are read from the real
catalogs: pg_subscription_rel (initial copy), pg_replication_slots / pg_stat_replication (lag) and pg_stat_user_tables
(change counters; see docs/emulator.md, "Online migrations")."""

import os
import shutil
import stat
import tempfile

import psycopg
from psycopg import sql

from .pgcheck import connect

PREFIX = 'pgflex_'
# srsubstate of pg_subscription_rel: i = queued, d = copying, f/s = copied and catching up, r = ready.
COPY_STATES_SQL = ("SELECT count(*) FILTER (WHERE srsubstate = 'i'), count(*) FILTER (WHERE srsubstate = 'd'), "
                   "count(*) FILTER (WHERE srsubstate IN ('f', 's', 'r')), count(*) FILTER (WHERE srsubstate = 'r'), count(*) "
                   'FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = %s')
CHANGES_SQL = ('SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), coalesce(sum(n_tup_del), 0) '
               "FROM pg_stat_user_tables WHERE relid IN (SELECT oid FROM pg_class WHERE relkind IN ('r', 'p'))")
LAG_SQL = ("SELECT pg_current_wal_lsn(), s.confirmed_flush_lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), "
           'coalesce(extract(epoch FROM r.replay_lag), 0) '
           'FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = %s')
SEQUENCES_SQL = ('SELECT schemaname, sequencename, last_value FROM pg_sequences '
                 "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND last_value IS NOT NULL")


def changes(conn):
    """(inserted, updated, deleted) rows in the connected database's tables, from the statistics."""
    return tuple(int(v) for v in conn.execute(CHANGES_SQL).fetchone())


class ReadableCa:
    """A world-readable copy of the CA the service trusts: the target server's own processes (the subscription's
    apply worker) open it, and they run as another OS user than the emulator."""

    def __init__(self, ca_file):
        self.directory = None
        self.path = None
        if ca_file:
            self.directory = tempfile.mkdtemp(prefix='pgflex-sub-ca-')
            os.chmod(self.directory, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
            self.path = os.path.join(self.directory, 'ca.pem')
            shutil.copyfile(ca_file, self.path)
            os.chmod(self.path, 0o644)

    def remove(self):
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def conninfo(endpoint, dbname, ca_path):
    """libpq connection string the subscription uses to reach the source (quoted per libpq rules)."""
    args = endpoint.kwargs(dbname)
    args.pop('connect_timeout', None)
    args['application_name'] = None  # set by the subscription (its name), which pg_stat_replication shows
    if ca_path:
        args['sslrootcert'] = ca_path
    parts = []
    for key, value in args.items():
        if value is None:
            continue
        text = str(value).replace('\\', '\\\\').replace("'", "\\'")
        parts.append("%s='%s'" % (key, text))
    return ' '.join(parts)


class Replication:
    """The replication of one database of one migration. Names derive from the migration id, so a restart of the
    emulator (or a second migration) never touches another migration's objects."""

    def __init__(self, source, target, dbname, migration_id, index, ca_path):
        self.source = source
        self.target = target
        self.dbname = dbname
        tag = migration_id.replace('-', '')[:12]
        self.publication = '%s%s' % (PREFIX, tag)
        self.name = '%s%s_%d' % (PREFIX, tag, index)  # subscription and slot
        self.ca_path = ca_path
        self.baseline = None  # (source changes, target changes) when the initial copy ended

    def start(self):
        """Publication on the source, subscription with the initial copy on the target."""
        with connect(self.source, self.dbname) as conn:
            exists = conn.execute('SELECT 1 FROM pg_publication WHERE pubname = %s', (self.publication,)).fetchone()
            if not exists:
                conn.execute(sql.SQL('CREATE PUBLICATION {} FOR ALL TABLES').format(sql.Identifier(self.publication)))
        with connect(self.target, self.dbname) as conn:
            conn.execute(sql.SQL('CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} WITH (copy_data = true, slot_name = {})').format(
                sql.Identifier(self.name), sql.Literal(conninfo(self.source, self.dbname, self.ca_path)),
                sql.Identifier(self.publication), sql.Literal(self.name)))

    def reconnect(self):
        """Give the subscription the source endpoint's current credentials; its apply worker restarts and signs in
        with them."""
        with connect(self.target, self.dbname) as conn:
            conn.execute(sql.SQL('ALTER SUBSCRIPTION {} CONNECTION {}').format(
                sql.Identifier(self.name), sql.Literal(conninfo(self.source, self.dbname, self.ca_path))))

    def copy_state(self):
        """(queued, loading, copied, ready, total) tables of the initial copy."""
        with connect(self.target, self.dbname) as conn:
            return tuple(int(v) for v in conn.execute(COPY_STATES_SQL, (self.name,)).fetchone())

    def sync_errors(self):
        with connect(self.target, self.dbname) as conn:
            row = conn.execute('SELECT sync_error_count, apply_error_count FROM pg_stat_subscription_stats WHERE subname = %s',
                               (self.name,)).fetchone()
        return tuple(row) if row else (0, 0)

    def counters(self):
        """(source changes, target changes), each (inserted, updated, deleted)."""
        with connect(self.source, self.dbname) as conn:
            incoming = changes(conn)
        with connect(self.target, self.dbname) as conn:
            applied = changes(conn)
        return incoming, applied

    def mark_copied(self):
        """The CDC counters count from here: the moment the initial copy of every table ended."""
        self.baseline = self.counters()

    def cdc_figures(self):
        """dbDetails' CDC fields: changes applied on the target (insert/update/delete) and seen on the source since the
        initial copy ended."""
        incoming, applied = self.counters()
        base_in, base_applied = self.baseline or (incoming, applied)
        ins, upd, dele = (max(a - b, 0) for a, b in zip(applied, base_applied))
        seen = sum(max(a - b, 0) for a, b in zip(incoming, base_in))
        return {'cdcInsertCounter': ins, 'cdcUpdateCounter': upd, 'cdcDeleteCounter': dele, 'appliedChanges': ins + upd + dele,
                'incomingChanges': max(seen, ins + upd + dele)}

    def lag(self):
        """(source's current LSN, bytes not yet confirmed by the target, replay lag in whole seconds)."""
        with connect(self.source, self.dbname) as conn:
            row = conn.execute(LAG_SQL, (self.name,)).fetchone()
        if row is None:
            return None, 0, 0
        current, dummy, behind, seconds = row
        behind = int(behind or 0)
        return current, behind, int(seconds) if behind > 0 else 0

    def source_lsn(self):
        with connect(self.source, self.dbname) as conn:
            return conn.execute('SELECT pg_current_wal_lsn()').fetchone()[0]

    def confirmed_beyond(self, lsn):
        """True when the target confirmed everything up to the source LSN `lsn`."""
        with connect(self.source, self.dbname) as conn:
            row = conn.execute('SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots WHERE slot_name = %s',
                               (str(lsn), self.name)).fetchone()
        return bool(row and row[0])

    def sync_sequences(self):
        """Copy every sequence's position to the target (logical replication does not carry sequences)."""
        with connect(self.source, self.dbname) as conn:
            values = list(conn.execute(SEQUENCES_SQL))
        with connect(self.target, self.dbname) as conn:
            for schema, name, last in values:
                conn.execute('SELECT setval(%s::regclass, %s, true)',
                             (sql.Identifier(schema, name).as_string(conn), int(last)))
        return len(values)

    def refresh_materialized_views(self):
        """The schema copy creates materialized views empty; fill the ones the source has filled."""
        with connect(self.source, self.dbname) as conn:
            filled = [tuple(r) for r in conn.execute('SELECT schemaname, matviewname FROM pg_matviews WHERE ispopulated')]
        with connect(self.target, self.dbname) as conn:
            for schema, name in filled:
                conn.execute(sql.SQL('REFRESH MATERIALIZED VIEW {}').format(sql.Identifier(schema, name)))

    def drop(self):
        """Remove the subscription (and with it the slot on the source) and the publication. Safe to repeat; when the
        source cannot be reached the subscription is detached from its slot first and the slot dropped separately."""
        problems = []
        try:
            with connect(self.target, self.dbname) as conn:
                if conn.execute('SELECT 1 FROM pg_subscription WHERE subname = %s', (self.name,)).fetchone():
                    try:
                        conn.execute(sql.SQL('DROP SUBSCRIPTION {}').format(sql.Identifier(self.name)))
                    except psycopg.Error:
                        detach(conn, self.name)
        except psycopg.Error as exc:
            problems.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        try:
            drop_source_objects(self.source, self.dbname, [self.name], self.publication)
        except psycopg.Error as exc:
            problems.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return problems


def detach(conn, name):
    """Drop a subscription without reaching its publisher (the slot is dropped separately)."""
    ident = sql.Identifier(name)
    conn.execute(sql.SQL('ALTER SUBSCRIPTION {} DISABLE').format(ident))
    conn.execute(sql.SQL('ALTER SUBSCRIPTION {} SET (slot_name = NONE)').format(ident))
    conn.execute(sql.SQL('DROP SUBSCRIPTION {}').format(ident))


def drop_source_objects(source, dbname, slots, publication=None):
    """Drop replication slots (when not in use) and a publication on the source."""
    with connect(source, dbname) as conn:
        # The safe cutover may have left the source database read-only for new sessions (default_transaction_read_only);
        # the service's own cleanup is not stopped by it (docs/service-assumptions.md).
        conn.execute('SET default_transaction_read_only = off')
        for slot in slots:
            conn.execute('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s AND NOT active',
                         (slot,))
        if publication:
            conn.execute(sql.SQL('DROP PUBLICATION IF EXISTS {}').format(sql.Identifier(publication)))


def clear_target_database(target, source, dbname):
    """Before a target database is replaced: drop the emulator's leftover subscriptions in it (DROP DATABASE refuses a
    database with subscriptions) and, when the source is reachable, their slots."""
    try:
        with connect(target, dbname) as conn:
            leftovers = [(r[0], r[1]) for r in conn.execute(
                'SELECT subname, subslotname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database '
                'WHERE datname = current_database()) AND subname LIKE %s', (PREFIX + '%',))]
            for name, dummy in leftovers:
                detach(conn, name)
    except psycopg.OperationalError:
        return  # no such database yet
    slots = [slot for dummy, slot in leftovers if slot]
    if slots and source is not None:
        try:
            drop_source_objects(source, dbname, slots)
        except psycopg.Error:
            pass
