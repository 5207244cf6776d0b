#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pg_flexible_migration_readiness_report
short_description: One readiness report for a fleet of servers, from their readiness assessments
version_added: 0.1.0
description:
  - Builds one page for a fleet (an inventory) from each server's readiness assessment, as the
    P(pgflex.migration.migrate#role) role writes it in its report (usually with C(migrate_assess_only=true)) or as
    M(pgflex.migration.pg_flexible_migration_assess) returns it.
  - Each server is V(blocked), V(needs_preparation), V(ready) or V(not_assessed) (no assessment in its report, for
    example because the role stopped before it ended), with its blockers and warnings, its databases, their size, the
    estimated copy time and the recommended mode.
  - The fleet's findings are grouped by what they are about (a check and, where the finding names some, one
    extension, table or role), each group with the servers it concerns, the groups that concern the most servers
    first, so the page answers what blocks the most servers and what to prepare. The totals give the fleet's size and
    estimated copy time (in all, and for the longest server).
  - Writes C(readiness-report.md), C(readiness-report.json) and C(readiness-report.html) (a self-contained page, no
    scripts, fonts or other network resources) into O(dest). In check mode the report is returned but no file is
    written.
  - Talks to no service and needs no credentials; writing the files is not a change to any server, so the module
    always reports RV(ignore:changed=false).
author:
  - pgflex.migration maintainers (@pgflex)
options:
  servers:
    description:
      - The servers of the fleet, usually one per inventory host, each with where its assessment is, then how it is named.
    type: list
    elements: dict
    required: true
    suboptions:
      report:
        description:
          - The server's role report (the role's C(migrate_report)) or the result of
            M(pgflex.migration.pg_flexible_migration_assess). When given, O(servers[].report_dir) is not read.
        type: dict
      report_dir:
        description:
          - Directory where the role wrote this host's reports (its C(migrate_report_dir)); the newest JSON report
            that holds an assessment is read.
        type: path
      name_prefix:
        description:
          - Read only reports of this name prefix (the role's C(migrate_name_prefix)) from O(servers[].report_dir).
        type: str
      host:
        description:
          - As O(pgflex.migration.pg_flexible_migration_fleet_report#module:servers[].host).
        type: str
      server_name:
        description:
          - The server's O(pgflex.migration.pg_flexible_migration#module:server_name); default is the one in its report.
        type: str
      resource_group:
        description:
          - The server's O(pgflex.migration.pg_flexible_migration#module:resource_group); default is the one in its report.
        type: str
extends_documentation_fragment:
  - pgflex.migration.fleet_page
  - pgflex.migration.changes_nothing
attributes:
  check_mode:
    support: full
    description: The module reads the host reports; in check mode it writes no file.
seealso:
  - module: pgflex.migration.pg_flexible_migration_assess
  - module: pgflex.migration.pg_flexible_migration_fleet_report
    description: The report of the fleet's migrations, once they ran.
'''

EXAMPLES = r'''
- name: One readiness report over the inventory group "fleet", after the role ran with migrate_assess_only (the server
    names and resource groups come from the reports)
  pgflex.migration.pg_flexible_migration_readiness_report:
    servers: >-
      {%- set servers = [] -%}
      {%- for host in groups['fleet'] -%}
      {%-   set _ = servers.append({'host': host, 'report_dir': 'readiness/' ~ host,
                                    'name_prefix': hostvars[host].migrate_name_prefix}) -%}
      {%- endfor -%}
      {{ servers }}
    dest: readiness
  run_once: true
  delegate_to: localhost

- name: Two assessments registered earlier in the play
  pgflex.migration.pg_flexible_migration_readiness_report:
    servers:
      - host: orders-db
        report: "{{ orders_assessment }}"
      - host: billing-db
        report: "{{ billing_assessment }}"
    dest: /srv/readiness
  register: readiness

- name: Stop the weekend plan when anything blocks
  ansible.builtin.assert:
    that: readiness.report.totals.blocked == 0
    fail_msg: "{{ readiness.summary }}"
'''

RETURN = r'''
report:
  description: The readiness summary, without each server's findings (they are in RV(report.blockers) and RV(report.warnings)).
  returned: always
  type: dict
  contains:
    generated:
      description: As RV(pgflex.migration.pg_flexible_migration_fleet_report#module:report.generated).
      type: str
      sample: "2026-12-08T09:00:00Z"
    totals:
      description:
        - Counts over the fleet, C(servers), C(blocked), C(needs_preparation), C(ready), C(not_assessed),
          C(databases), C(size_bytes), C(estimate_minutes) (every server's estimate added up) and
          C(longest_server_minutes).
      type: dict
      sample: {servers: 12, blocked: 2, needs_preparation: 3, ready: 7, not_assessed: 0, databases: 24}
    blockers:
      description:
        - The blockers grouped by C(check) and C(item) (the extension, table or role the finding names; null when
          it names none), each with C(hosts), C(databases) (how many findings name a database), C(message) and
          C(fix) (of the first), and C(error_code); the groups with the most hosts first.
      type: list
      elements: dict
    warnings:
      description: The warnings grouped the same way.
      type: list
      elements: dict
    servers:
      description:
        - One entry per server, blocked first (most blockers first), then not assessed, needing preparation and
          ready, with C(host), C(server_name), C(resource_group), C(verdict), C(blockers), C(warnings),
          C(databases), C(size_bytes), C(estimate_minutes), C(estimate_text), C(recommended_mode), C(prepare) (the
          options of M(pgflex.migration.pg_flexible_migration_prepare) that fix what it can), C(failure) (why it was
          not assessed) and C(report_markdown).
      type: list
      elements: dict
files:
  description: Where the three files of RV(report) are, C(markdown), C(json) and C(html) (written unless in check mode).
  returned: always
  type: dict
  sample: {markdown: /srv/readiness/readiness-report.md, json: /srv/readiness/readiness-report.json,
           html: /srv/readiness/readiness-report.html}
summary:
  description: RV(report.totals) in one line.
  returned: always
  type: str
  sample: "12 server(s): 2 blocked, 3 need preparation, 7 ready, 0 not assessed"
'''


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pgflex.migration.plugins.module_utils import readiness_render, readiness_report
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import FLEET_PAGE_SPEC, report_files, write_report_files

ARGUMENT_SPEC = dict(
    servers=dict(type='list', elements='dict', required=True, options=dict(
        host=dict(type='str'),
        server_name=dict(type='str'),
        resource_group=dict(type='str'),
        report=dict(type='dict'),
        report_dir=dict(type='path'),
        name_prefix=dict(type='str'),
    )),
    **FLEET_PAGE_SPEC,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    servers = module.params['servers']
    unnamed = [str(index) for index, server in enumerate(servers) if not (server['host'] or server['server_name'])]
    if unnamed:
        module.fail_json(msg='Invalid input: servers[%s] has neither host nor server_name; give one of them. Nothing was '
                             'written.' % ', '.join(unnamed))
    entries = []
    for server in servers:
        report = server['report']
        if report is None:
            report = readiness_report.newest_assessed_report(server['report_dir'], server['name_prefix'])
        entries.append(readiness_report.server_entry(server, report))
    summary = readiness_report.readiness_summary(entries)
    dest = module.params['dest']
    files = report_files(dest, 'readiness-report')
    if not module.check_mode:
        try:
            write_report_files(files, summary, readiness_render)
        except OSError as exc:
            module.fail_json(msg='the readiness report cannot be written to %s: %s; give dest a directory this host can '
                                 'write' % (dest, exc.strerror or exc), files=files)
    totals = summary['totals']
    module.exit_json(changed=False, report=readiness_report.stats_view(summary), files=files,
                     summary='%d server(s): %d blocked, %d need preparation, %d ready, %d not assessed' % (
                         totals['servers'], totals['blocked'], totals['needs_preparation'], totals['ready'],
                         totals['not_assessed']))


if __name__ == '__main__':
    main()
