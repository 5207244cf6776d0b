#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pg_flexible_migration_fleet_report
short_description: Summarise the migrations of a fleet of Azure Database for PostgreSQL flexible servers
version_added: 0.1.0
description:
  - Builds one report for a fleet of target flexible servers after the P(pgflex.migration.migrate#role) role ran on
    each of them (one inventory host per server).
  - The report comes from the service's own state (the migrations of every server, listed with one sign-in) plus
    each host's newest role report (verification and failure reason), so it is right when the hosts ran in separate
    jobs, for example AWX job slices, or in several re-runs.
  - Writes C(fleet-report.md), C(fleet-report.json) and C(fleet-report.html) (a self-contained page with an inline
    SVG timeline, one row per server) into O(dest). In check mode the report is returned but no file is written.
  - Writing the report files is not a change to any server, so the module always reports RV(ignore:changed=false).
author:
  - pgflex.migration maintainers (@pgflex)
options:
  servers:
    description:
      - The target servers of the fleet, usually one per inventory host.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description:
          - Name shown for the server (the inventory host name). Defaults to O(servers[].server_name).
        type: str
      subscription_id:
        description:
          - Subscription of this server (the role's C(migrate_subscription_id) for the host), when it is not
            O(subscription_id). The servers of one report may be in any number of subscriptions; the module signs
            in once for all of them.
        type: str
      resource_group:
        description:
          - The server's O(pgflex.migration.pg_flexible_migration#module:resource_group).
        type: str
        required: true
      server_name:
        description:
          - The server's O(pgflex.migration.pg_flexible_migration#module:server_name).
        type: str
        required: true
      databases:
        description:
          - Databases the host migrates, shown when the host has no report yet.
        type: list
        elements: str
        default: []
      name_prefix:
        description:
          - This server's migration name prefix (the role's C(migrate_name_prefix) for the host). Defaults to
            O(name_prefix).
        type: str
      report_dir:
        description:
          - Directory where the role wrote this host's reports (its C(migrate_report_dir)); the newest JSON report
            is read. A host without a report is summarised from the service's state alone.
          - A C(wave-cutover.json) there (written by the wave's cutover play, C(examples/wave/cutover.yml)) adds the
            replication lag read just before the cutover to the report.
        type: path
  name_prefix:
    description:
      - Only the migrations the role names for this prefix (the role's C(migrate_name_prefix)) count, that is
        C(<prefix>bNNval) and C(<prefix>bNNmig) with their C(rK) attempts (prefix C(fleet) does not count a
        C(fleet2b01mig)), and only reports with that prefix are read, unless a server sets its own
        O(servers[].name_prefix). Without either, every migration of the server counts.
    type: str
extends_documentation_fragment:
  - pgflex.migration.fleet_page
  - pgflex.migration.azure_auth
  - pgflex.migration.changes_nothing
  - pgflex.migration.choice_spellings
attributes:
  check_mode:
    support: full
    description: The module reads the service and the host reports; in check mode it writes no file.
'''

EXAMPLES = r'''
- name: Summarise the fleet of the inventory group "fleet" once, after the migrate role ran on every host
  pgflex.migration.pg_flexible_migration_fleet_report:
    servers: >-
      {%- set servers = [] -%}
      {%- for host in groups['fleet'] -%}
      {%-   set _ = servers.append({'host': host, 'subscription_id': hostvars[host].migrate_subscription_id | default(none),
                                    'resource_group': hostvars[host].migrate_resource_group,
                                    'server_name': hostvars[host].migrate_server_name,
                                    'databases': hostvars[host].migrate_databases,
                                    'name_prefix': hostvars[host].migrate_name_prefix,
                                    'report_dir': hostvars[host].migrate_report_dir}) -%}
      {%- endfor -%}
      {{ servers }}
    dest: "{{ playbook_dir }}/fleet-report"
  run_once: true
  delegate_to: localhost

- name: Two servers, only the migrations named fleet*, reports read from each host's report directory
  pgflex.migration.pg_flexible_migration_fleet_report:
    servers:
      - host: orders-db
        resource_group: rg-databases
        server_name: pg-orders
        report_dir: /var/lib/migration-reports/orders-db
      - host: billing-db
        resource_group: rg-databases
        server_name: pg-billing
        report_dir: /var/lib/migration-reports/billing-db
    name_prefix: fleet
    dest: /var/lib/migration-reports/fleet
  register: fleet

- name: Publish the summary as job artifacts (AWX shows them on the job)
  ansible.builtin.set_stats:
    data:
      pgflex_fleet_report: "{{ fleet.report }}"
'''

RETURN = r'''
report:
  description:
    - The fleet summary without the timeline spans (what to publish with M(ansible.builtin.set_stats)).
  returned: always
  type: dict
  contains:
    generated:
      description: When the report was built (UTC).
      type: str
      sample: "2026-11-30T21:00:00Z"
    totals:
      description:
        - Counts over the fleet, C(servers), C(succeeded), C(failed), C(in_progress), C(not_run), C(databases),
          C(rows_verified), C(migrations), and the fleet's C(started), C(finished) and C(wall_time_seconds).
      type: dict
      sample: {servers: 12, succeeded: 10, failed: 2, in_progress: 0, not_run: 0, databases: 24, rows_verified: 31200}
    servers:
      description:
        - One entry per server, failed ones first, with C(host), C(subscription_id), C(resource_group), C(server_name), C(result)
          (V(succeeded), V(failed), V(in_progress) or V(not_run)), C(service_state), C(service_substate),
          C(databases), C(migrations), C(verified), C(rows_verified), C(started), C(finished),
          C(duration_seconds), C(failure) (the reason, or null) and C(report_markdown) (the host's report).
        - For a server cut over by a wave (see O(servers[].report_dir)), C(lag_before_cutover_seconds) (the largest
          replication lag of its databases read just before the cutover), C(lag_before_cutover) (per database),
          C(lag_read_at) and C(positions_at_cutover) (when recorded); null or empty otherwise.
      type: list
      elements: dict
files:
  description: Paths of the report files (written unless in check mode).
  returned: always
  type: dict
  sample: {markdown: /srv/fleet-report/fleet-report.md, json: /srv/fleet-report/fleet-report.json,
           html: /srv/fleet-report/fleet-report.html}
summary:
  description: One line with the totals.
  returned: always
  type: str
  sample: "12 server(s): 10 succeeded, 2 failed, 0 in progress, 0 not run; 31200 row(s) verified"
'''

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pgflex.migration.plugins.module_utils import fleet_render, fleet_report
from ansible_collections.pgflex.migration.plugins.module_utils.module import TARGET_SERVER_ARGUMENT_SPEC, MigrationModule
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import FLEET_PAGE_SPEC, report_files, write_report_files

ARGUMENT_SPEC = dict(
    # Each server is a target server as the other modules take it (the same two options), plus what the fleet adds.
    servers=dict(type='list', elements='dict', required=True, options=dict(
        TARGET_SERVER_ARGUMENT_SPEC,
        host=dict(type='str'),
        subscription_id=dict(type='str'),
        databases=dict(type='list', elements='str', default=[]),
        name_prefix=dict(type='str'),
        report_dir=dict(type='path'),
    )),
    name_prefix=dict(type='str'),
    **FLEET_PAGE_SPEC,
)

# Servers listed at once: enough to hide the round trips, few enough not to empty an ARM read bucket in one go.
LIST_CONCURRENCY = 4


def list_all(mod, servers):
    """Every server's migrations, each from its own subscription's client. The first server of each subscription is
    listed alone, which signs in once and builds that client; the rest go in parallel on the signed-in clients."""
    clients = [mod.client_for(server['subscription_id']) for server in servers]
    listed = {}
    for index, client in enumerate(clients):
        if all(clients[done] is not client for done in listed):
            listed[index] = client.list(servers[index]['resource_group'], servers[index]['server_name'], 'all')
    rest = [index for index in range(len(servers)) if index not in listed]
    with ThreadPoolExecutor(max_workers=LIST_CONCURRENCY) as pool:
        for index, migrations in zip(rest, pool.map(
                lambda i: clients[i].list(servers[i]['resource_group'], servers[i]['server_name'], 'all'), rest)):
            listed[index] = migrations
    for server, client in zip(servers, clients):
        server['subscription_id'] = client.subscription_id  # the report names each server's subscription
    return [listed[index] for index in range(len(servers))]


def run(mod):
    params = mod.params
    servers = params['servers']
    listed = list_all(mod, servers)
    entries = []
    for server, migrations in zip(servers, listed):
        prefix = server['name_prefix'] or params['name_prefix']
        entries.append(fleet_report.server_summary(server, migrations, fleet_report.newest_host_report(server['report_dir'], prefix), prefix,
                                                   fleet_report.wave_record(server['report_dir'])))
    summary = fleet_report.fleet_summary(entries)
    dest = params['dest']
    files = report_files(dest, 'fleet-report')
    if not mod.check_mode:
        write_report_files(files, summary, fleet_render)
    totals = summary['totals']
    mod.exit(changed=False, report=fleet_report.stats_view(summary), files=files,
             summary='%d server(s): %d succeeded, %d failed, %d in progress, %d not run; %d row(s) verified' % (
                 totals['servers'], totals['succeeded'], totals['failed'], totals['in_progress'], totals['not_run'],
                 totals['rows_verified']))


def main():
    MigrationModule(ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
