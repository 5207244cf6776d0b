"""The sandbox contract: `sandbox.py up` writes the documented variables and `down` stops everything (run in a
private directory through PGFLEX_SANDBOX_DIR, so a developer's own sandbox is never touched)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CONTRACT = ['AZURE_SUBSCRIPTION_ID', 'AZURE_CLIENT_ID', 'AZURE_SECRET', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT', 'AZURE_TENANT_ID',
            'AZURE_CLOUD_ENVIRONMENT', 'REQUESTS_CA_BUNDLE', 'PGFLEX_RESOURCE_GROUP', 'PGFLEX_SERVER_NAME', 'PGFLEX_SOURCE_HOST',
            'PGFLEX_SOURCE_PORT', 'PGFLEX_SOURCE_USER', 'PGFLEX_SOURCE_PASSWORD', 'PGFLEX_TARGET_HOST', 'PGFLEX_TARGET_PORT',
            'PGFLEX_TARGET_USER', 'PGFLEX_TARGET_PASSWORD', 'PGFLEX_EMULATOR_URL', 'PGFLEX_EMULATOR_ADMIN_TOKEN',
            'PGFLEX_SANDBOX_DATABASES', 'PGFLEX_SANDBOX_BAD_DATABASE', 'PGFLEX_LOCATION', 'PGFLEX_SINGLE_SERVER_ID', 'PGFLEX_SINGLE_SERVER_NAME',
            'PGFLEX_SINGLE_SERVER_FQDN', 'PGFLEX_SINGLE_SERVER_HOST', 'PGFLEX_SINGLE_SERVER_PORT', 'PGFLEX_SINGLE_SERVER_USER',
            'PGFLEX_SINGLE_SERVER_LOGIN', 'PGFLEX_SINGLE_SERVER_PASSWORD', 'PGFLEX_SINGLE_SERVER_DATABASES', 'PGFLEX_SUBSCRIPTION_IDS']


def _sandbox(command, directory):
    env = dict(os.environ, PGFLEX_SANDBOX_DIR=directory)
    return subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'sandbox.py'), command], env=env, capture_output=True,
                          text=True, check=False, timeout=120)


def _pids_mentioning(text):
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                    if text.encode() in handle.read():
                        found.append(int(pid))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_sandbox_up_writes_the_contract_and_down_stops_everything():
    parent = tempfile.mkdtemp(prefix='pgflex-sandbox-test-')
    os.chmod(parent, 0o755)  # PostgreSQL runs as an unprivileged user and must reach its data directory
    directory = os.path.join(parent, 'sandbox')
    try:
        first = _sandbox('up', directory)
        assert first.returncode == 0, first.stderr
        assert 'already running' in _sandbox('up', directory).stdout  # idempotent
        with open(os.path.join(directory, 'env.json'), encoding='utf-8') as handle:
            values = json.load(handle)
        assert set(CONTRACT) <= set(values)
        shell = subprocess.run(['bash', '-c', '. "%s/env" && echo "$AZURE_CLOUD_ENVIRONMENT|$PGFLEX_SANDBOX_DATABASES"' % directory],
                               capture_output=True, text=True, check=True)
        assert shell.stdout.strip() == '%s|shop,hr,analytics' % values['AZURE_CLOUD_ENVIRONMENT']
        assert values['AZURE_CLOUD_ENVIRONMENT'].startswith(values['PGFLEX_EMULATOR_URL'] + '/metadata/endpoints')
        # Two subscriptions by default, the default one (AZURE_SUBSCRIPTION_ID) first.
        subscriptions = values['PGFLEX_SUBSCRIPTION_IDS'].split(',')
        assert len(subscriptions) == 2 and subscriptions[0] == values['AZURE_SUBSCRIPTION_ID']
        with open(values['REQUESTS_CA_BUNDLE'], encoding='ascii') as bundle, open(values['PGFLEX_EMULATOR_CA'], encoding='ascii') as ca:
            assert ca.read().strip() in bundle.read()
        assert first.stdout.count(values['PGFLEX_SOURCE_PASSWORD']) == 0
        assert _pids_mentioning(directory)
    finally:
        down = _sandbox('down', directory)
        shutil.rmtree(parent, ignore_errors=True)
    assert down.returncode == 0
    assert not os.path.exists(directory)
    assert not _pids_mentioning(directory)
    assert _sandbox('down', directory).returncode == 0  # idempotent
