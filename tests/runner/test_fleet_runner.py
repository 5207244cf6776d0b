"""The fleet play run the way AWX runs it: ansible-runner jobs with a private data directory (project, inventory, the
Azure credential in the env names AWX's "Azure Resource Manager" credential type injects, a custom credential for the
source password, extra vars with a vaulted target password and the vault password answered from env/passwords).

One job over the 12-server sandbox fleet (ARM throttling on) is the CI fleet scenario: one host has a wrong source
password, one an unmigratable database; exactly those two fail with their own message, the rest succeed and verify,
and the fleet report (stats artifact) lists all 12, from the two subscriptions the sandbox fleet takes turns over.
Then the same play as two AWX job slices plus the fleet-report play: a re-run that changes nothing on the succeeded
hosts and gives the same fleet summary. Before all that, the readiness play (the role in assessment-only mode, then
the readiness report) over the same fleet: it creates nothing and blocks exactly the two broken hosts."""

import glob
import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request

import ansible_runner
import pytest
import yaml

from .conftest import FLEET_SIZE, ROOT, Sandbox

WRONG_PASSWORD_HOST = 'fleet004'
BAD_DATABASE_HOST = 'fleet009'
# What AWX's Azure Resource Manager credential type injects for a service principal (awx/main/models/credential/injectors.py).
AWX_AZURE_RM_ENV = ('AZURE_SUBSCRIPTION_ID', 'AZURE_CLIENT_ID', 'AZURE_SECRET', 'AZURE_TENANT', 'AZURE_CLOUD_ENVIRONMENT')
# Not secret: where the sandbox runs (an AWX inventory would hold these as host names).
SANDBOX_ENV = ('REQUESTS_CA_BUNDLE', 'PGFLEX_SOURCE_HOST', 'PGFLEX_SOURCE_PORT', 'PGFLEX_SOURCE_USER', 'PGFLEX_TARGET_HOST',
               'PGFLEX_TARGET_PORT', 'PGFLEX_TARGET_USER', 'PGFLEX_TOKEN_CACHE_PATH')
VAULT_PASSWORD = 'runner-test-vault-password'
# Fields of a server's fleet entry that must not depend on how the hosts were run.
STABLE = ('host', 'server_name', 'result', 'databases', 'verified', 'rows_verified', 'service_state')


def fleet_inventory(sandbox):
    """The sandbox's ready inventory, trimmed for CI (one database per server) plus the two broken hosts."""
    with open(sandbox['env']['PGFLEX_SANDBOX_FLEET_INVENTORY'], encoding='utf-8') as handle:
        inventory = yaml.safe_load(handle)
    hosts = inventory['fleet']['hosts']
    assert len(hosts) == FLEET_SIZE
    for values in hosts.values():
        values['migrate_databases'] = values['migrate_databases'][:1]
    hosts[WRONG_PASSWORD_HOST]['migrate_source_password'] = 'not-the-source-password'
    hosts[BAD_DATABASE_HOST]['migrate_databases'].append(sandbox['env']['PGFLEX_SANDBOX_BAD_DATABASE'])
    return inventory


def only_hosts(inventory, names):
    trimmed = json.loads(json.dumps(inventory))
    trimmed['fleet']['hosts'] = dict((name, values) for name, values in inventory['fleet']['hosts'].items() if name in names)
    return trimmed


def vaulted(name, value, workdir):
    """A `name: !vault |` YAML entry, as AWX keeps an encrypted survey answer or vaulted extra var."""
    secret_file = os.path.join(workdir, 'vault-password')
    with open(secret_file, 'w', encoding='utf-8') as handle:
        handle.write(VAULT_PASSWORD)
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-vault'), 'encrypt_string', '--vault-password-file',
                           secret_file, '--name', name, value], capture_output=True, text=True, check=True)
    os.remove(secret_file)
    return done.stdout


def private_data_dir(sandbox, name, inventory):
    """What AWX lays out for a job: project checkout, inventory, credentials as env vars, extra vars, passwords."""
    env = sandbox['env']
    pdd = os.path.join(sandbox['dir'], name)
    for sub in ('project/vars', 'inventory', 'env'):
        os.makedirs(os.path.join(pdd, sub))
    playbooks = ('fleet.yml', 'fleet_report.yml', 'readiness.yml', 'readiness_report.yml', 'vars/fleet.yml', 'ansible.cfg')
    for playbook in playbooks:  # ansible.cfg: the project root's
        shutil.copy(os.path.join(ROOT, 'examples', playbook), os.path.join(pdd, 'project', playbook))
    with open(os.path.join(pdd, 'inventory', 'hosts.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle)
    envvars = dict((key, env[key]) for key in AWX_AZURE_RM_ENV + SANDBOX_ENV)
    envvars['PGFLEX_SOURCE_PASSWORD'] = env['PGFLEX_SOURCE_PASSWORD']  # the custom "PostgreSQL migration" credential (docs/awx.md)
    envvars['ANSIBLE_COLLECTIONS_PATH'] = os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')
    with open(os.path.join(pdd, 'env', 'envvars'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(envvars, handle)
    with open(os.path.join(pdd, 'env', 'extravars'), 'w', encoding='utf-8') as handle:
        handle.write('fleet_report_dir: %s\n' % json.dumps(os.path.join(sandbox['dir'], 'reports')))
        handle.write(vaulted('migrate_target_password', env['PGFLEX_TARGET_PASSWORD'], pdd))
    with open(os.path.join(pdd, 'env', 'passwords'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump({r'^Vault password:\s*?$': VAULT_PASSWORD}, handle)
    with open(os.path.join(pdd, 'env', 'cmdline'), 'w', encoding='utf-8') as handle:
        handle.write('--ask-vault-pass')
    return pdd


def run_job(sandbox, name, inventory, playbook='fleet.yml'):
    pdd = private_data_dir(sandbox, name, inventory)
    runner = ansible_runner.run(private_data_dir=pdd, playbook=playbook, forks=FLEET_SIZE, quiet=True, timeout=900)
    return runner, pdd


def events_by_host(runner, event):
    found = {}
    for item in runner.events:
        if item.get('event') == event and item['event_data'].get('host'):
            found.setdefault(item['event_data']['host'], []).append(item['event_data'])
    return found


def artifacts(runner):
    """What AWX stores as the job's artifacts: the aggregated set_stats data of the playbook_on_stats event."""
    stats = [e for e in runner.events if e.get('event') == 'playbook_on_stats']
    assert stats, 'no playbook_on_stats event'
    return stats[-1]['event_data'].get('artifact_data', {})


def fleet_stats(runner):
    return artifacts(runner).get('pgflex_fleet_report')


def stable(report):
    return dict((s['host'], dict((k, s[k]) for k in STABLE)) for s in report['servers'])


def assert_secrets_absent(pdd, sandbox):
    secrets = [sandbox['env'][key] for key in ('PGFLEX_SOURCE_PASSWORD', 'PGFLEX_TARGET_PASSWORD', 'AZURE_SECRET')]
    for path in glob.glob(os.path.join(pdd, 'artifacts', '*', 'job_events', '*.json')) + glob.glob(os.path.join(pdd, 'artifacts', '*', 'stdout')):
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        assert not [s for s in secrets if s in text], 'a secret shows in %s' % path


def arm_writes_during(sandbox, job):
    """Runs job(); returns its result and the ARM requests that change something (PUT, PATCH, POST, DELETE) meanwhile."""
    env = sandbox['env']
    context = ssl.create_default_context(cafile=env['PGFLEX_EMULATOR_CA'])

    def log():
        request = urllib.request.Request(env['PGFLEX_EMULATOR_URL'] + '/_emulator/requests',
                                         headers={'Authorization': 'Bearer ' + env['PGFLEX_EMULATOR_ADMIN_TOKEN']})
        with urllib.request.urlopen(request, context=context, timeout=60) as answer:
            return json.load(answer)['value']
    mark = max([entry['seq'] for entry in log()] or [0])
    result = job()
    return result, [e for e in log() if e['seq'] > mark and e['scope'] == 'arm' and e['method'] in ('PUT', 'PATCH', 'POST', 'DELETE')]


# First in this file, so it runs on the fleet before anything was migrated.
def test_readiness_job_assesses_every_server_creates_nothing_and_groups_the_blockers(fleet_sandbox):
    inventory = fleet_inventory(fleet_sandbox)
    (runner, pdd), writes = arm_writes_during(fleet_sandbox, lambda: run_job(fleet_sandbox, 'readiness', inventory, 'readiness.yml'))
    assert runner.rc == 0 and runner.status == 'successful', runner.stdout.read()[-3000:]
    assert writes == []
    report = artifacts(runner).get('pgflex_readiness_report')
    assert report, 'the readiness report is missing from the stats artifact'
    totals = report['totals']
    assert (totals['servers'], totals['blocked'], totals['not_assessed']) == (FLEET_SIZE, 2, 0), totals
    # One database per host, two on the unmigratable one, none sized on the one whose source refused the password.
    assert totals['ready'] + totals['needs_preparation'] == FLEET_SIZE - 2 and totals['databases'] == FLEET_SIZE
    assert sorted(s['host'] for s in report['servers'][:2]) == sorted([WRONG_PASSWORD_HOST, BAD_DATABASE_HOST])
    groups = dict(((g['check'], g['item']), g['hosts']) for g in report['blockers'])
    assert groups == {('source_connection', None): [WRONG_PASSWORD_HOST], ('extension_not_allowed', 'postgres_fdw'): [BAD_DATABASE_HOST]}
    reports = os.path.join(os.path.dirname(pdd), 'reports')
    for name in ('readiness-report.md', 'readiness-report.json', 'readiness-report.html'):
        assert os.path.getsize(os.path.join(reports, name)) > 0
    assert_secrets_absent(pdd, fleet_sandbox)


@pytest.fixture(scope='module')
def one_job(fleet_sandbox):
    inventory = fleet_inventory(fleet_sandbox)
    runner, pdd = run_job(fleet_sandbox, 'one-job', inventory)
    return Sandbox(runner=runner, pdd=pdd, dir=pdd, inventory=inventory)


def test_one_job_fails_exactly_the_two_broken_hosts_with_their_own_message(one_job, fleet_sandbox):
    runner = one_job['runner']
    hosts = sorted(one_job['inventory']['fleet']['hosts'])
    assert runner.rc == 2 and runner.status == 'failed', runner.stdout.read()[-3000:]
    assert sorted(runner.stats['failures']) == sorted([WRONG_PASSWORD_HOST, BAD_DATABASE_HOST])
    # Job events for every host (AWX's job host summaries and event list are built from these).
    assert set(events_by_host(runner, 'runner_on_ok')) >= set(hosts)
    failed = dict((host, ' '.join(e['res'].get('msg', '') for e in items)) for host, items in events_by_host(runner, 'runner_on_failed').items()
                  if not all(e.get('ignore_errors') for e in items))
    assert sorted(failed) == sorted([WRONG_PASSWORD_HOST, BAD_DATABASE_HOST])
    assert 'password authentication failed' in failed[WRONG_PASSWORD_HOST], failed[WRONG_PASSWORD_HOST]
    assert 'postgres_fdw' in failed[BAD_DATABASE_HOST], failed[BAD_DATABASE_HOST]
    assert_secrets_absent(one_job['pdd'], fleet_sandbox)


def test_one_job_publishes_the_fleet_summary_in_the_stats_artifact(one_job, fleet_sandbox):
    report = fleet_stats(one_job['runner'])
    assert report, 'the fleet report is missing from the stats artifact'
    totals = report['totals']
    assert (totals['servers'], totals['succeeded'], totals['failed'], totals['not_run']) == (FLEET_SIZE, FLEET_SIZE - 2, 2, 0)
    assert sorted(s['host'] for s in report['servers']) == sorted(one_job['inventory']['fleet']['hosts'])
    # The sandbox fleet takes turns over two subscriptions (AWX's one credential names the default one): one report
    # lists them all, each server in the subscription its host names.
    default = fleet_sandbox['env']['AZURE_SUBSCRIPTION_ID']
    expected = dict((host, values.get('migrate_subscription_id', default)) for host, values in one_job['inventory']['fleet']['hosts'].items())
    assert dict((s['host'], s['subscription_id']) for s in report['servers']) == expected
    assert len(set(expected.values())) == 2
    for server in report['servers']:
        if server['host'] in (WRONG_PASSWORD_HOST, BAD_DATABASE_HOST):
            assert server['result'] == 'failed' and server['failure'], server
        else:
            assert server['result'] == 'succeeded' and server['verified'] and server['rows_verified'] > 0, server
    assert 'password authentication failed' in next(s for s in report['servers'] if s['host'] == WRONG_PASSWORD_HOST)['failure']
    # Every host's own role report survives the merge of the hosts' set_stats, each under its host name.
    own = artifacts(one_job['runner']).get('pgflex_migration_report') or {}
    assert sorted(own) == sorted(one_job['inventory']['fleet']['hosts']), sorted(own)
    for host, values in own.items():
        assert values['server_name'] == one_job['inventory']['fleet']['hosts'][host]['migrate_server_name'], host
        assert values['result'] == ('failed' if host in (WRONG_PASSWORD_HOST, BAD_DATABASE_HOST) else 'succeeded'), (host, values['result'])
    assert 'password authentication failed' in own[WRONG_PASSWORD_HOST]['failure']
    reports = os.path.join(os.path.dirname(one_job['pdd']), 'reports')
    for name in ('fleet-report.md', 'fleet-report.json', 'fleet-report.html'):
        assert os.path.getsize(os.path.join(reports, name)) > 0


def test_two_slices_rerun_change_nothing_and_give_the_same_summary(one_job, fleet_sandbox):
    inventory = one_job['inventory']
    hosts = list(inventory['fleet']['hosts'])
    slices = [hosts[0::2], hosts[1::2]]  # AWX job slicing: slice k of n gets every n-th host from the k-th
    for number, names in enumerate(slices, 1):
        runner, pdd = run_job(fleet_sandbox, 'slice-%d' % number, only_hosts(inventory, names))
        broken = sorted(set(names) & {WRONG_PASSWORD_HOST, BAD_DATABASE_HOST})
        assert sorted(runner.stats['failures']) == broken and runner.rc == (2 if broken else 0), runner.stdout.read()[-3000:]
        succeeded = [name for name in names if name not in broken]
        assert not [name for name in succeeded if runner.stats['changed'].get(name)], runner.stats['changed']
        assert set(events_by_host(runner, 'runner_on_ok')) >= set(names)
    report_job, pdd = run_job(fleet_sandbox, 'fleet-report', inventory, playbook='fleet_report.yml')
    assert report_job.rc == 0 and report_job.status == 'successful', report_job.stdout.read()[-3000:]
    sliced = fleet_stats(report_job)
    whole = fleet_stats(one_job['runner'])
    assert stable(sliced) == stable(whole)
    for key in ('servers', 'succeeded', 'failed', 'databases', 'rows_verified'):
        assert sliced['totals'][key] == whole['totals'][key], key
    # Built from the service's state: the succeeded servers' durations are those of the first run.
    durations = dict((s['host'], s['duration_seconds']) for s in whole['servers'] if s['result'] == 'succeeded')
    assert dict((s['host'], s['duration_seconds']) for s in sliced['servers'] if s['result'] == 'succeeded') == durations
