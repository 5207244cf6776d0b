"""The data path: one database copied with pg_dump | pg_restore, with table counters read from pg_restore's
progress lines, an optional rate limit, and a kill that leaves no child process behind."""

import os
import re
import subprocess
import threading
import time

import psycopg
from psycopg import sql

from .pgcheck import connect

PROGRESS = re.compile(r'processing data for table "(?P<table>[^"]+)"')
ERROR = re.compile(r'^pg_(?:restore|dump): error: (?P<text>.*)$')
CHUNK = 65536


def bindir():
    from pgcluster.binaries import find_bindir  # pylint: disable=import-outside-toplevel
    return os.environ.get('PGFLEX_PG_BINDIR') or find_bindir(install=False)


class SourceFacts:
    """What the copy needs to know about one source database, read over a single connection."""

    def __init__(self, endpoint, dbname):
        with connect(endpoint, dbname) as conn:
            self.extensions = [row[0] for row in conn.execute('SELECT extname FROM pg_extension ORDER BY 1')]
            self.tables = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'").fetchone()[0]
            self.encoding, self.collate, self.ctype = conn.execute(
                'SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = current_database()').fetchone()


def recreate_database(facts, target, dbname):
    """Drop (forcefully) and create the target database with the source's encoding and locale."""
    encoding, collate, ctype = facts.encoding, facts.collate, facts.ctype
    with connect(target) as conn:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(dbname)))
        conn.execute(sql.SQL('CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}').format(
            sql.Identifier(dbname), sql.Literal(encoding), sql.Literal(collate), sql.Literal(ctype)))


def drop_database(target, dbname):
    """Drop a target database, whoever is connected (what the service does to the databases a cancel leaves unfinished)."""
    with connect(target) as conn:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(dbname)))


def target_databases(target):
    with connect(target) as conn:
        return [row[0] for row in conn.execute('SELECT datname FROM pg_database')]


ROLE_LINE = re.compile(r'^(CREATE|ALTER) ROLE (?P<name>"[^"]+"|\S+?)( |;)')
PRIVILEGED = re.compile(r'\b(NOSUPERUSER|SUPERUSER|NOREPLICATION|REPLICATION|NOBYPASSRLS|BYPASSRLS)\b')


def copy_roles(source, target):
    """Copy the source's roles (without superuser-level attributes; roles present on the target are left alone).
    Returns an error text or None."""
    dump = subprocess.run([os.path.join(bindir(), 'pg_dumpall'), '--roles-only', '--no-role-passwords'], env=source.env(),
                          capture_output=True, text=True, check=False)
    if dump.returncode != 0:
        return 'roles could not be read from the source: %s' % dump.stderr.strip().splitlines()[-1:]
    with connect(target) as conn:
        existing = {row[0] for row in conn.execute('SELECT rolname FROM pg_roles')}
        for line in dump.stdout.splitlines():
            found = ROLE_LINE.match(line)
            if not found:
                continue
            if found.group('name').strip('"') in existing or found.group('name').startswith('pg_'):
                continue
            try:
                conn.execute(PRIVILEGED.sub('', line))
            except psycopg.Error as exc:
                return 'role statement failed on the target: %s' % str(exc).strip().splitlines()[0]
    return None


class DatabaseCopy:
    """pg_dump -Fc of one database piped into pg_restore on the target. `on_table(name)` is called as each table's
    data starts loading. Call `run()`; `kill()` from another thread stops both processes. `schema_only`: the
    definitions without the rows (online mode, where logical replication copies the rows)."""

    def __init__(self, source, target, dbname, keep_owners, rate_bytes_per_second, on_table, schema_only=False):
        self.source = source
        self.target = target
        self.dbname = dbname
        self.keep_owners = keep_owners
        self.rate = rate_bytes_per_second
        self.on_table = on_table
        self.schema_only = schema_only
        self.errors = []
        self._procs = []
        self._lock = threading.Lock()
        self._killed = False

    def _spawn(self, args, env, **kwargs):
        with self._lock:
            if self._killed:
                raise InterruptedError('copy killed')
            proc = subprocess.Popen(args, env=env, **kwargs)  # pylint: disable=consider-using-with
            self._procs.append(proc)
            return proc

    def kill(self):
        with self._lock:
            self._killed = True
            procs = list(self._procs)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def run(self):
        """Return True when both programs succeeded; errors (first lines) are in self.errors."""
        bins = bindir()
        # -Z0: on loopback, compression costs more CPU than it saves in bytes.
        # A migration's own publication (online mode) is the service's, not the user's: never copied.
        dump_args = [os.path.join(bins, 'pg_dump'), '-Fc', '-Z0', '--no-publications', '--no-subscriptions', self.dbname]
        if self.schema_only:
            dump_args.insert(1, '--schema-only')
        dump = self._spawn(dump_args, self.source.env(self.dbname),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        restore_args = [os.path.join(bins, 'pg_restore'), '--verbose', '-d', self.dbname]
        if not self.keep_owners:
            restore_args += ['--no-owner', '--no-acl']
        relay = None
        try:
            if self.rate > 0:
                restore = self._spawn(restore_args, self.target.env(self.dbname), stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL)
                relay = threading.Thread(target=self._relay, args=(dump.stdout, restore.stdin), daemon=True)
                relay.start()
            else:
                restore = self._spawn(restore_args, self.target.env(self.dbname), stdin=dump.stdout, stderr=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL)
                dump.stdout.close()
        except InterruptedError:
            self.kill()
            return False
        dump_errors = threading.Thread(target=self._read_errors, args=(dump.stderr, False), daemon=True)
        dump_errors.start()
        self._read_errors(restore.stderr, True)
        restore.wait()
        dump.wait()
        dump_errors.join(5)
        if relay is not None:
            relay.join(5)
        return not self._killed and restore.returncode == 0 and dump.returncode == 0

    def _relay(self, source, sink):
        started = time.monotonic()
        sent = 0
        try:
            while not self._killed:
                data = source.read1(CHUNK) if hasattr(source, 'read1') else source.read(CHUNK)
                if not data:
                    break
                sink.write(data)
                sent += len(data)
                ahead = sent / float(self.rate) - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            for stream in (sink, source):
                try:
                    stream.close()
                except (BrokenPipeError, OSError):
                    pass

    def _read_errors(self, stream, progress):
        for raw in iter(stream.readline, b''):
            line = raw.decode('utf-8', 'replace').rstrip()
            found = PROGRESS.search(line) if progress else None
            if found:
                self.on_table(found.group('table'))
                continue
            error = ERROR.match(line)
            if error and len(self.errors) < 5:
                self.errors.append(error.group('text'))
        stream.close()
