"""The PostgreSQL helper: two clusters, data copied between them with pg_dump | pg_restore."""

import os
import subprocess
import sys
import tempfile
import time

from pgcluster import PgCluster


def _running(pid_file):
    try:
        with open(pid_file, encoding='utf-8') as handle:
            pid = int(handle.readline())
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False


def test_dump_restore_between_two_clusters(pg_cluster_factory):
    source = pg_cluster_factory(name='source')
    target = pg_cluster_factory(name='target')
    assert source.port != target.port
    assert source.major >= 15

    source.psql('CREATE DATABASE shop')
    source.psql("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL);"
                "INSERT INTO item (name) SELECT 'item-' || g FROM generate_series(1, 500) g;", dbname='shop')
    target.psql('CREATE DATABASE shop')

    dump = subprocess.Popen([source.bin('pg_dump'), '-Fc', '-d', 'shop'], stdout=subprocess.PIPE, env=source.client_env())
    restore = subprocess.run([target.bin('pg_restore'), '--no-owner', '-d', 'shop'], stdin=dump.stdout,
                             env=target.client_env(), capture_output=True, text=True, check=False)
    dump.stdout.close()
    assert dump.wait() == 0
    assert restore.returncode == 0, restore.stderr

    query = "SELECT count(*), md5(string_agg(name, ',' ORDER BY id)) FROM item"
    assert target.psql(query, dbname='shop') == source.psql(query, dbname='shop')
    assert target.psql('SELECT count(*) FROM item', dbname='shop') == '500'


def test_server_runs_unprivileged_and_cleans_up():
    cluster = PgCluster.start(name='cleanup')
    pid_file = os.path.join(cluster.datadir, 'postmaster.pid')
    assert _running(pid_file)
    owner = cluster.psql("SELECT current_setting('data_directory')")
    assert owner == cluster.datadir
    stat = os.stat(cluster.datadir)
    assert stat.st_uid != 0, 'the server must not run as root'
    cluster.stop()
    assert not os.path.exists(cluster.base_dir)


def test_wrong_password_is_refused(pg_cluster_factory):
    cluster = pg_cluster_factory(name='auth')
    env = dict(cluster.client_env(), PGPASSWORD='not-the-password')
    done = subprocess.run([cluster.bin('psql'), '-X', '-c', 'SELECT 1'], env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert 'password authentication failed' in done.stderr


def test_command_line_start_and_stop():
    base = tempfile.mkdtemp(prefix='pgflex-cli-test-')  # pytest's tmp_path is private to root
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), '..', '..'))
    started = subprocess.run([sys.executable, '-m', 'pgcluster', 'start', '--dir', base, '--name', 'cli'], env=env,
                             capture_output=True, text=True, check=True)
    assert '"port"' in started.stdout
    assert _running(os.path.join(base, 'data', 'postmaster.pid'))
    subprocess.run([sys.executable, '-m', 'pgcluster', 'stop', '--dir', base], env=env, check=True)
    assert not os.path.exists(base)


def test_cluster_is_stopped_when_its_owner_dies_without_cleaning_up(tmp_path):
    # pytest-forked children and killed CI jobs exit without running clean-up code.
    script = ('import os, sys; sys.path.insert(0, %r); from pgcluster import PgCluster; '
              'c = PgCluster.start(name="orphan"); print(c.base_dir, flush=True); os._exit(0)'
              % os.path.join(os.path.dirname(__file__), '..', '..'))
    base_dir = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True).stdout.strip()
    pid_file = os.path.join(base_dir, 'data', 'postmaster.pid')
    for dummy in range(100):
        if not os.path.exists(base_dir):
            break
        time.sleep(0.2)
    assert not os.path.exists(base_dir)
    assert not _running(pid_file)
