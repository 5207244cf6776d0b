"""Sandbox fleets (PGFLEX_SANDBOX_FLEET=N): N emulated target servers, each migrating its own two small databases
(distinct names on the shared source and target clusters), and a ready YAML inventory with one host per server.
The servers take turns over the emulator's subscriptions (PGFLEX_SANDBOX_SUBSCRIPTIONS, default 2): those outside
the default subscription live in a resource group of their own there, and their hosts say so in the inventory.

Used by scripts/sandbox.py; the inventory has the shape of examples/inventory.yml (docs/fleet.md)."""

import json
import os
import subprocess

from emulator import throttle

FLEET_ENV = 'PGFLEX_SANDBOX_FLEET'
SUBSCRIPTIONS_ENV = 'PGFLEX_SANDBOX_SUBSCRIPTIONS'
DEFAULT_SUBSCRIPTIONS = 2
INVENTORY_NAME = 'fleet-inventory.yml'
NAME_PREFIX = 'fleet'

# Two small databases per server, copied from templates: creating 200 databases takes seconds, not minutes.
TEMPLATES = {
    'app': """
CREATE SCHEMA sales;
CREATE TABLE sales.customers (customer_id serial PRIMARY KEY, email text UNIQUE NOT NULL, country char(2) NOT NULL);
CREATE TABLE sales.orders (order_id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES sales.customers,
  ordered_at timestamptz NOT NULL, amount numeric(10,2) NOT NULL);
INSERT INTO sales.customers (email, country) SELECT 'c' || g || '@example.com', (ARRAY['US','DE','JP'])[g % 3 + 1]
  FROM generate_series(1, 300) g;
INSERT INTO sales.orders (customer_id, ordered_at, amount)
  SELECT g % 300 + 1, timestamptz '2025-01-01' + g * interval '1 hour', (g % 90) + 0.5 FROM generate_series(1, 1500) g;
""",
    'crm': """
CREATE SCHEMA crm;
CREATE TABLE crm.contacts (contact_id serial PRIMARY KEY, full_name text NOT NULL, notes text);
CREATE TABLE crm.events (event_id bigserial PRIMARY KEY, contact_id int NOT NULL REFERENCES crm.contacts, kind text NOT NULL);
INSERT INTO crm.contacts (full_name, notes) SELECT 'Contact ' || g, md5(g::text) FROM generate_series(1, 400) g;
INSERT INTO crm.events (contact_id, kind) SELECT g % 400 + 1, (ARRAY['call','mail'])[g % 2 + 1] FROM generate_series(1, 800) g;
""",
}


def size():
    """The fleet size asked for (0 when PGFLEX_SANDBOX_FLEET is unset); a clear error for anything but 0..500."""
    text = (os.environ.get(FLEET_ENV) or '0').strip()
    if not text.isdigit() or int(text) > 500:
        raise SystemExit('sandbox: %s must be a whole number from 0 to 500 (servers to emulate); got %r' % (FLEET_ENV, text))
    return int(text)


def subscription_count():
    """How many subscriptions the emulator serves (PGFLEX_SANDBOX_SUBSCRIPTIONS); a clear error for anything but 1..10."""
    text = (os.environ.get(SUBSCRIPTIONS_ENV) or str(DEFAULT_SUBSCRIPTIONS)).strip()
    if not text.isdigit() or not 1 <= int(text) <= 10:
        raise SystemExit('sandbox: %s must be a whole number from 1 to 10 (subscriptions to emulate); got %r' % (SUBSCRIPTIONS_ENV, text))
    return int(text)


def _running_env(env_json):
    """The env.json of the running sandbox, or {} when there is none (or it cannot be read)."""
    try:
        with open(env_json, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def running_size(env_json):
    """The fleet size of the sandbox that wrote env_json (0 for one started without a fleet)."""
    try:
        return int(_running_env(env_json).get('PGFLEX_SANDBOX_FLEET_SIZE') or 0)
    except ValueError:
        return 0


def running_subscriptions(env_json):
    """How many subscriptions the sandbox that wrote env_json serves (1 for one started before there were several)."""
    ids = [item for item in str(_running_env(env_json).get('PGFLEX_SUBSCRIPTION_IDS') or '').split(',') if item]
    return len(ids) or 1


def throttle_settings():
    """PGFLEX_SANDBOX_THROTTLE=1: the emulator starts with ARM's token buckets in their scaled-down shape."""
    return throttle.settings_for(throttle.SCALED_LIMITS) if os.environ.get('PGFLEX_SANDBOX_THROTTLE') == '1' else {}


def host_name(index):
    return 'fleet%03d' % index


def server_name(index):
    return 'pgflex-fleet-%03d' % index


def databases(index):
    return ['f%03d_%s' % (index, kind) for kind in sorted(TEMPLATES)]


def _psql_script(cluster, script, dbname='postgres'):
    """Run statements one by one (CREATE DATABASE cannot share a transaction)."""
    done = subprocess.run([cluster.bin('psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', dbname, '-f', '-'], input=script,
                          env=cluster.client_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit('sandbox: seeding the fleet databases failed: %s' % done.stderr.strip())


def seed(source, count):
    """The fleet's databases on the source cluster (templates first, then one copy per database)."""
    existing = set(source.psql('SELECT datname FROM pg_database').split())
    for kind, script in sorted(TEMPLATES.items()):
        template = 'pgflex_fleet_template_%s' % kind
        if template not in existing:
            source.psql('CREATE DATABASE %s' % template)
            source.psql('BEGIN;\n%s\nCOMMIT;' % script, dbname=template)
            source.psql('VACUUM ANALYZE', dbname=template)
    statements = ['CREATE DATABASE %s TEMPLATE pgflex_fleet_template_%s;' % (name, name.split('_', 1)[1])
                  for index in range(1, count + 1) for name in databases(index) if name not in existing]
    if statements:
        _psql_script(source, '\n'.join(statements) + '\n')


def placement(index, subscriptions, resource_group):
    """(subscription, resource group) of fleet server ``index`` (1, 2, ...): the servers take turns over the
    subscriptions; outside the default subscription (the first) the group is <resource_group>-<subscription number>."""
    turn = (index - 1) % len(subscriptions)
    return subscriptions[turn], resource_group if turn == 0 else '%s-%d' % (resource_group, turn + 1)


def servers(count, cluster, resource_group, location, subscriptions):
    """Emulator server entries for the fleet."""
    entries = []
    for i in range(1, count + 1):
        subscription, group = placement(i, subscriptions, resource_group)
        entries.append({'name': server_name(i), 'cluster': cluster, 'resource_group': group, 'location': location,
                        'subscription_id': subscription})
    return entries


def _quote(value):
    return "'%s'" % str(value).replace("'", "''")


def write_inventory(path, count, resource_group, subscriptions):
    """A YAML inventory: group vars for what the hosts share (secrets stay in the environment), one host per server;
    a host outside the default subscription (AZURE_SUBSCRIPTION_ID) names its subscription and resource group."""
    env = "{{ lookup('ansible.builtin.env', '%s') }}"
    lines = [
        '# Written by `make sandbox-up` with %s=%d: one inventory host per emulated flexible server.' % (FLEET_ENV, count),
        '# Run: . .sandbox/env && ansible-playbook -i .sandbox/%s examples/fleet.yml' % INVENTORY_NAME,
        '# Same shape as examples/inventory.yml; passwords come from the environment (.sandbox/env).',
        'fleet:',
        '  vars:',
        '    migrate_resource_group: %s' % _quote(resource_group),
        '    migrate_source_type: OnPremises',
        '    migrate_source_server: "%s:%s@%s"' % (env % 'PGFLEX_SOURCE_HOST', env % 'PGFLEX_SOURCE_PORT', env % 'PGFLEX_SOURCE_USER'),
        '    migrate_source_password: "%s"' % (env % 'PGFLEX_SOURCE_PASSWORD'),
        '    migrate_target_username: "%s"' % (env % 'PGFLEX_TARGET_USER'),
        '    migrate_target_password: "%s"' % (env % 'PGFLEX_TARGET_PASSWORD'),
        '    migrate_name_prefix: %s' % NAME_PREFIX,
        '    migrate_batch_size: 1',
        '    migrate_poll_interval: 2',
        '    migrate_progress_interval: 10',
        '    migrate_verify_checksum: true',
        '    # The sandbox target is plain local PostgreSQL; on Azure keep the role defaults (<server>.postgres...:5432, TLS).',
        '    migrate_verify_target_host: "%s"' % (env % 'PGFLEX_TARGET_HOST'),
        '    migrate_verify_target_port: "%s"' % (env % 'PGFLEX_TARGET_PORT'),
        '    migrate_verify_target_ssl_mode: prefer',
        '  hosts:',
    ]
    for index in range(1, count + 1):
        subscription, group = placement(index, subscriptions, resource_group)
        lines += ['    %s:' % host_name(index)]
        if subscription != subscriptions[0]:
            lines += ['      migrate_subscription_id: %s' % _quote(subscription), '      migrate_resource_group: %s' % _quote(group)]
        lines += ['      migrate_server_name: %s' % server_name(index),
                  '      migrate_databases: [%s]' % ', '.join(databases(index))]
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path
