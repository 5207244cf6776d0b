"""A private sandbox with a 12-server fleet and ARM throttling on, shared by the ansible-runner tests of this directory."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLEET_SIZE = 12


class Sandbox(dict):
    """The sandbox's directory and env.json values; its repr names no secret (pytest prints fixtures on failure)."""

    def __repr__(self):
        return '<fleet sandbox in %s>' % self['dir']


@pytest.fixture(scope='session')
def fleet_sandbox():
    parent = tempfile.mkdtemp(prefix='pgflex-runner-')
    os.chmod(parent, 0o755)  # PostgreSQL runs as an unprivileged user and must reach its data directory
    directory = os.path.join(parent, 'sandbox')
    env = dict(os.environ, PGFLEX_SANDBOX_DIR=directory, PGFLEX_SANDBOX_FLEET=str(FLEET_SIZE), PGFLEX_SANDBOX_THROTTLE='1')
    command = [sys.executable, os.path.join(ROOT, 'scripts', 'sandbox.py')]
    try:
        started = subprocess.run(command + ['up'], env=env, capture_output=True, text=True, check=False, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        with open(os.path.join(directory, 'env.json'), encoding='utf-8') as handle:
            values = json.load(handle)
        # The role turns the token cache on: keep the emulator's tokens here, not in the user's ~/.azure.
        values['PGFLEX_TOKEN_CACHE_PATH'] = os.path.join(parent, 'token_cache.json')
        yield Sandbox(dir=parent, env=values)
    finally:
        subprocess.run(command + ['down'], env=env, capture_output=True, check=False, timeout=120)
        shutil.rmtree(parent, ignore_errors=True)
