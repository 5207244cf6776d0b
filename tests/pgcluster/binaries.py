"""Finding (and, when missing, installing) the PostgreSQL server binaries."""

import glob
import os
import shutil
import subprocess

PREFERRED_MAJOR = 15


class PgBinariesMissing(RuntimeError):
    pass


def _candidate_bindirs():
    # Debian keeps each major version's server binaries in its own directory; the newest
    # installed one wins unless the preferred major is present.
    dirs = sorted(glob.glob('/usr/lib/postgresql/*/bin'), key=lambda d: int(d.split('/')[-2]), reverse=True)
    preferred = '/usr/lib/postgresql/%d/bin' % PREFERRED_MAJOR
    if preferred in dirs:
        dirs.remove(preferred)
        dirs.insert(0, preferred)
    initdb = shutil.which('initdb')
    if initdb:
        dirs.append(os.path.dirname(os.path.realpath(initdb)))
    return [d for d in dirs if os.access(os.path.join(d, 'initdb'), os.X_OK)]


def _install_with_apt():
    prefix = []
    if os.geteuid() != 0:
        if not shutil.which('sudo'):
            raise PgBinariesMissing('PostgreSQL server binaries are missing; install the Debian package "postgresql".')
        prefix = ['sudo']
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.run(prefix + ['apt-get', 'update', '-qq'], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(prefix + ['apt-get', 'install', '-y', '-qq', 'postgresql'], check=True, env=env, stdout=subprocess.DEVNULL)


def find_bindir(install=True):
    """Return the directory holding initdb/pg_ctl/pg_dump, installing PostgreSQL if allowed."""
    dirs = _candidate_bindirs()
    if not dirs and install:
        _install_with_apt()
        dirs = _candidate_bindirs()
    if not dirs:
        raise PgBinariesMissing('PostgreSQL server binaries (initdb, pg_ctl) were not found.')
    return dirs[0]
