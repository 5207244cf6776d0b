#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pg_flexible_migration_report
short_description: Write the report of one migration run as JSON and Markdown files
version_added: 0.1.0
description:
  - Writes the report of one P(pgflex.migration.migrate#role) role run on one target server (its run, each batch's
    validation and migration, the work after the migration, the verification, why it stopped) as a JSON file and as
    a Markdown page, in one module run.
  - Builds the report from the results of the modules the run used. Each batch's validation and migration come
    from the M(pgflex.migration.pg_flexible_migration) results in O(runs), the work after the migration from the
    M(pgflex.migration.pg_flexible_migration_finalize) result in O(finalization), the verification from the
    M(pgflex.migration.pg_flexible_migration_verify) result in O(verification). The playbook shapes no data.
  - Creates the directories of O(json_path) and O(markdown_path) when they are missing. Each file is written to a
    temporary file next to it and renamed over it at the end, so a reader never sees a half-written report.
  - >-
    Talks to no service and needs no Azure credentials. Run it where the files belong, usually the controller
    (C(delegate_to: localhost)). There its action builds and writes the report in the worker, without starting a
    module process (the C(action) attribute below).
  - >-
    A report file is a record of a run, not a change to any server, so the module always reports
    RV(ignore:changed=false). In check mode it writes nothing; the role runs it with C(check_mode: false) so that a
    check-mode run leaves its plan on disk.
author:
  - pgflex.migration maintainers (@pgflex)
options:
  report:
    description:
      - The facts of the run, written to O(json_path) as they are, with what the module builds. The Markdown page
        reads C(name_prefix), C(server_name), C(resource_group), C(source_server), C(mode), C(batch_size),
        C(databases), C(started), C(failure) (why the run stopped; null when it did not), and C(batches) (each with
        C(batch), C(databases), C(validation) and C(migration)), C(finalization) and C(verification) unless O(runs),
        O(finalization) and O(verification) give them. A missing key shows as empty.
      - The module adds what is missing. C(finished) is now, and C(result) is V(failed) with a C(failure),
        V(assessed) with O(assessment_only=true), V(check_mode) with O(planned=true), else V(succeeded). C(report_json) and C(report_markdown) are the two
        paths.
    type: dict
    required: true
  runs:
    description:
      - The runs of M(pgflex.migration.pg_flexible_migration) of the migration, in the order they ran; the module
        builds C(batches) of the report from them. Each is a dictionary.
      - C(batch) (its number) and C(databases) (the batch's databases).
      - C(kind), V(val) for a Validate migration of the batch's own, V(mig) for the batch's migration, V(cut) for
        its cutover (the hold before it included), which updates the batch's migration.
      - C(option), the run's O(pgflex.migration.pg_flexible_migration#module:migration_option).
      - C(planned), true in check mode for a migration that would be created (recorded as V(WouldBeCreated)).
      - C(ended), when the run ended, in seconds since the epoch.
      - C(changed), C(duration) and C(migration), from the module's result.
      - C(safe_cutover), for a V(cut) run, the module's RV(pgflex.migration.pg_flexible_migration#module:safe_cutover);
        the batch's migration then shows, under C(cutover), the source's final position, the position each replication
        slot confirmed, the settle time and the databases left read-only.
      - A migration that validates first (V(validate_and_migrate)) is the batch's validation too.
    type: list
    elements: dict
  verification:
    description:
      - The result of M(pgflex.migration.pg_flexible_migration_verify). The report keeps its C(verified),
        C(summary), C(mismatches) and C(databases). A result without C(verified) (the verification did not run,
        or could not connect) is recorded as none.
    type: dict
  finalization:
    description:
      - The result of M(pgflex.migration.pg_flexible_migration_finalize). The report keeps its C(summary),
        C(problems), C(databases) and C(roles), in a section "After the migration" (sequences set forward, tables
        analysed, login roles that need a password). A result without C(summary) (it did not run) is recorded as none.
      - Without it the report has no such section.
    type: dict
  finalization_requested:
    description:
      - Whether the run was asked to finish the databases after the migration. When O(finalization) is given but
        empty, the section says why from this, the run stopped before it or it was not asked for.
    type: bool
    default: true
  assessment:
    description:
      - The result of M(pgflex.migration.pg_flexible_migration_assess), the run's readiness assessment. The report
        keeps its C(verdict), C(ready), C(findings), C(sizes), C(total_size_bytes), C(estimate),
        C(recommended_mode), C(source), C(target) and C(prepare), and the Markdown page shows the findings, blockers
        first. Left out, the report has no assessment section (unless O(assessment_only)).
    type: dict
  assessment_only:
    description:
      - Whether the run only assessed (the role's C(migrate_assess_only)), which makes the result V(assessed) unless
        the run failed.
    type: bool
    default: false
  planned:
    description:
      - Whether the run only planned (check mode), which makes the result V(check_mode) unless the run failed.
    type: bool
    default: false
  json_path:
    description:
      - Path of the JSON file.
    type: path
    required: true
  markdown_path:
    description:
      - Path of the Markdown file.
    type: path
    required: true
  verification_requested:
    description:
      - Whether the run was asked to verify the migrated databases. When O(report) has no verification, the page
        says why from this, the run stopped before verifying or verification was not asked for.
    type: bool
    default: true
  mode:
    description:
      - Permissions of both files, as an octal string such as V(0640) or a number.
    type: raw
    default: '0640'
  directory_mode:
    description:
      - Permissions of a directory the module creates for the files; an existing directory is left as it is.
    type: raw
    default: '0750'
extends_documentation_fragment:
  - pgflex.migration.changes_nothing
attributes:
  action:
    support: full
    description:
      - >-
        When the task runs on the controller (connection local, as with C(delegate_to: localhost), without become,
        not async), the action plugin validates the options and builds and writes the report itself, without
        starting a module process. The result, the files and the messages are the module's.
      - Through any other connection, with become or in an async task, the module runs as usual.
  check_mode:
    support: full
    description: In check mode the module writes nothing and returns the paths it would write.
notes:
  - The P(pgflex.migration.migrate#role) role calls this module for its report; call it directly to write a report
    of your own data in the same shape.
seealso:
  - module: pgflex.migration.pg_flexible_migration_fleet_report
    description: One report over the reports of every server of a fleet.
'''

EXAMPLES = r'''
- name: Write the report of this run on the controller (also in check mode, where it holds the plan)
  pgflex.migration.pg_flexible_migration_report:
    report: "{{ migrate_report }}"
    json_path: "{{ playbook_dir }}/migration-reports/{{ inventory_hostname }}.json"
    markdown_path: "{{ playbook_dir }}/migration-reports/{{ inventory_hostname }}.md"
  delegate_to: localhost
  check_mode: false

- name: A report readable by the whole team
  pgflex.migration.pg_flexible_migration_report:
    report:
      name_prefix: orders
      result: succeeded
      server_name: pg-orders
      resource_group: rg-databases
      source_server: pg-single-orders
      mode: Offline
      batch_size: 2
      started: "2026-11-30T10:00:00Z"
      finished: "2026-11-30T10:20:00Z"
      batches: []
      verification: null
    verification_requested: false
    json_path: /srv/reports/orders.json
    markdown_path: /srv/reports/orders.md
    mode: '0644'
    directory_mode: '0755'
'''

RETURN = r'''
files:
  description: Paths of the report files (written unless in check mode).
  returned: always
  type: dict
  sample: {json: /srv/reports/orders-20261130T100000Z.json, markdown: /srv/reports/orders-20261130T100000Z.md}
report:
  description: The report as written to the JSON file, also when the files could not be written.
  returned: unless the options are invalid
  type: dict
  sample: {name_prefix: orders, result: succeeded, batches: [], verification: null}
summary:
  description:
    - The run in four lines, its result and the batches reached, the verification, and the two files; with an
      assessment, a first line with its verdict and its numbers of blockers and warnings.
  returned: unless the options are invalid
  type: list
  elements: str
  sample:
    - "Migration SUCCEEDED: 2 of 2 batch(es) reached"
    - "2 database(s) verified: all match"
    - "Markdown report: /srv/reports/orders-20261130T100000Z.md"
    - "JSON report: /srv/reports/orders-20261130T100000Z.json"
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pgflex.migration.plugins.module_utils.host_report_task import ARGUMENT_SPEC, task_result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    result = task_result(module.params, module.check_mode)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
