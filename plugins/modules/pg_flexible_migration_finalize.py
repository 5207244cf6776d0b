#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_flexible_migration_finalize
short_description: Finish migrated PostgreSQL databases on the target - sequences, statistics, login roles
version_added: 0.1.0
description:
  - Does what people check by hand once a migration is done (an offline migration that succeeded, an online one
    after its cutover). It connects to the source server and to the target server over PostgreSQL.
  - B(Sequences.) Every sequence of each database is read on both servers. A target sequence behind the source's
    last value (ahead of it, for a descending sequence) could hand out a key again, so it is set to the source's last
    value with C(setval()), never moved back. With O(fix_sequences=false) it is only reported. A sequence missing on
    the target is reported.
  - B(Statistics.) The migration copies rows, not the planner's statistics, so the target plans queries blind until
    autovacuum gets to each table. Per O(analyze), the module runs C(ANALYZE) on the tables of each database that no
    C(ANALYZE) (manual or autovacuum's) has processed yet, on every table, or on none. The result proves it from the
    target, per database, with the tables whose C(last_analyze) moved and the number of tables with column
    statistics in C(pg_stats).
  - B(Login roles.) Roles migrated by the service arrive on the target without a password it can use (see the notes).
    With O(roles=true) the module lists the source's login roles that exist on the target and whose password there is
    unset, or an md5 hash on a server storing C(scram-sha-256), each with what to do. Reading passwords needs a
    superuser (C(pg_authid)), which Azure does not grant. When they cannot be read, every such role is listed with
    the password V(unknown) and the result says the check was limited. Login roles of the source missing on the
    target are listed too.
  - Problems found (sequences still behind or missing, tables C(ANALYZE) skipped, roles that need a password) are
    returned in RV(problems) and given as warnings; the module fails only when it cannot connect, read or write.
author:
  - pgflex.migration maintainers (@pgflex)
requirements:
  - psycopg >= 3.1 (C(psycopg[binary])) on the host that runs the module.
  - Network access from that host to both servers (PostgreSQL protocol, usually TCP port 5432).
options:
  databases:
    description:
      - Names of the migrated databases. Each must exist on both servers.
    type: list
    elements: str
    required: true
  source_username:
    description:
      - User to connect to the source with. It needs C(SELECT) on every sequence (to read its last value).
    type: str
    required: true
  target_username:
    description:
      - User to connect to the target with, usually the server administrator. It needs C(UPDATE) on every sequence it
        sets, and ANALYZE processes only the tables it owns or, on PostgreSQL 17 and later, may maintain
        (C(pg_maintain)); tables it skips are reported.
    type: str
    required: true
  fix_sequences:
    description:
      - Set target sequences that are behind the source to the source's last value.
      - V(false) only reports them (state V(behind)).
    type: bool
    default: true
  analyze:
    description:
      - Which tables and materialized views of each database to C(ANALYZE) on the target.
      - V(missing), those no C(ANALYZE) has processed yet (C(last_analyze) and C(last_autoanalyze) both unset), so
        a second run changes nothing.
      - V(all), every one, on every run.
      - V(none), none (statistics are still read and reported).
    type: str
    choices: [missing, all, none]
    default: missing
  roles:
    description:
      - List the source's login roles whose password on the target is unset or unusable.
    type: bool
    default: true
extends_documentation_fragment:
  - pgflex.migration.source_connection
  - pgflex.migration.target_connection
  - pgflex.migration.choice_spellings
attributes:
  check_mode:
    support: full
    description: Reads both servers and reports what it would set and analyse (states V(would_fix), RV(databases[].statistics.to_analyze)), changing nothing.
  diff_mode:
    support: full
    description: The diff lists each sequence set forward (its value before, the C(setval) after) and each database's C(ANALYZE).
notes:
  - Run it once nothing writes to the source any more (after an offline migration, or after the cutover of an online
    one); a sequence used on the source afterwards is behind again.
  - Microsoft documents that the migration service migrates roles only from a Single Server source, and that a role
    whose password was stored as an md5 hash cannot sign in to a target storing C(scram-sha-256) (known issues of the
    migration service, U(https://learn.microsoft.com/azure/postgresql/migrate/migration-service/concepts-known-issues-migration-service)).
    Azure revokes C(pg_authid) from non-superusers, so the administrator cannot read passwords
    (U(https://learn.microsoft.com/azure/postgresql/migrate/migration-service/concepts-user-roles-migration-service)).
seealso:
  - module: pgflex.migration.pg_flexible_migration_verify
    description: Compares the databases after this module ran (sequences included).
"""

EXAMPLES = r"""
- name: Finish the migrated databases (sequences, statistics, login roles), passwords from ~/.pgpass
  pgflex.migration.pg_flexible_migration_finalize:
    databases: [shop, crm]
    source_host: pg-onprem.example.com
    source_username: migration
    target_host: myserver.postgres.database.azure.com
    target_username: azureadmin
    target_ssl_mode: verify_full
    target_ssl_root_cert: /etc/ssl/certs/ca-certificates.crt
  register: finished

- name: Say which login roles need a password
  ansible.builtin.debug:
    msg: "{{ item.role }}: {{ item.action }}"
  loop: "{{ finished.roles.needs_password }}"

- name: Only report, analyse nothing (an Amazon RDS source)
  pgflex.migration.pg_flexible_migration_finalize:
    databases: [shop]
    source_host: shop.abcdefghijkl.eu-west-1.rds.amazonaws.com
    source_username: postgres
    source_password: "{{ vault_source_password }}"
    source_ssl_mode: require
    target_host: myserver.postgres.database.azure.com
    target_username: azureadmin
    target_password: "{{ vault_target_password }}"
    fix_sequences: false
    analyze: none
    roles: false
"""

RETURN = r"""
summary:
  description: One line with the sequences checked and set, the tables analysed and the roles that need a password.
  returned: always
  type: str
  sample: "2 database(s): 6 sequence(s) checked, 1 set forward, 14 table(s) analysed, 1 login role(s) need a password on the target"
problems:
  description: What is left to do, each naming the database and the object or the role (also given as warnings).
  returned: always
  type: list
  elements: str
  sample:
    - 'login role "app_user": it has no password on the target: set one as the server administrator
      (ALTER ROLE "app_user" PASSWORD ...), or give it Microsoft Entra authentication'
databases:
  description: What was done in each database, in the order of O(databases).
  returned: always
  type: list
  elements: dict
  contains:
    database:
      description: Name of the database.
      type: str
      sample: shop
    sequences:
      description: One entry per sequence of the source, in name order.
      type: list
      elements: dict
      contains:
        sequence:
          description: C(schema.name).
          type: str
          sample: sales.orders_id_seq
        state:
          description:
            - V(ok), the target is not behind; V(fixed), it was set forward; V(would_fix), check mode would set it;
              V(behind), it is behind and O(fix_sequences=false); V(missing_on_target).
          type: str
          sample: fixed
        source_value:
          description: Last value handed out on the source (null when never called).
          type: int
          sample: 1200
        target_before:
          description: Last value on the target before this run (null when never called or missing).
          type: int
          sample: 1000
        target_after:
          description: Last value on the target after this run (what it would be, in check mode).
          type: int
          sample: 1200
    statistics:
      description: What ANALYZE did, read back from the target (C(pg_stat_all_tables), C(pg_stats)).
      type: dict
      contains:
        mode:
          description: O(analyze).
          type: str
        tables:
          description: Tables and materialized views of the database (partitioned tables through their partitions).
          type: int
          sample: 14
        never_analyzed_before:
          description: Those no ANALYZE had processed before this run.
          type: list
          elements: str
        to_analyze:
          description: Those O(analyze) selected (analysed, or in check mode to be analysed).
          type: list
          elements: str
        analyzed:
          description: Those whose C(last_analyze) moved in this run (the proof that ANALYZE processed them).
          type: list
          elements: str
          sample: [sales.orders, sales.customers]
        not_analyzed:
          description: Those selected that ANALYZE skipped (the user may not analyse them).
          type: list
          elements: str
        never_analyzed_after:
          description: Those still never analysed after this run.
          type: list
          elements: str
        with_column_statistics:
          description: How many have column statistics in C(pg_stats) (an empty table has none, even once analysed).
          type: int
          sample: 13
roles:
  description: The source's login roles and their passwords on the target (null with O(roles=false)).
  returned: always
  type: dict
  contains:
    source_login_roles:
      description: Login roles on the source, except PostgreSQL's (C(pg_*)) and Azure's (C(azure_*)).
      type: int
      sample: 4
    passwords_readable:
      description: Whether the target user could read passwords (a superuser); when false every role in
        RV(roles.needs_password) has the password V(unknown).
      type: bool
    password_encryption:
      description: The target's C(password_encryption).
      type: str
      sample: scram-sha-256
    needs_password:
      description: Source login roles present on the target whose password there is unset, unusable or unknown
        (except O(target_username)).
      type: list
      elements: dict
      contains:
        role:
          description: Role name.
          type: str
        can_login_on_target:
          description: Whether it has C(LOGIN) on the target.
          type: bool
        password:
          description: V(unset), V(md5) (an md5 hash the target cannot check under C(scram-sha-256)), or V(unknown).
          type: str
        action:
          description: What to do.
          type: str
    missing_on_target:
      description: Source login roles that do not exist on the target (the service migrates roles only from a Single
        Server, with its C(migrateRoles) option).
      type: list
      elements: str
"""

from ansible_collections.pgflex.migration.plugins.module_utils import finalize, pg_endpoint, verify
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import database_list_problems, number_problems
from ansible_collections.pgflex.migration.plugins.module_utils.postgres_module import postgres_module


def argument_spec():
    spec = dict(
        databases=dict(type='list', elements='str', required=True),
        fix_sequences=dict(type='bool', default=True),
        analyze=dict(type='str', choices=list(finalize.ANALYZE_CHOICES), default='missing'),
        roles=dict(type='bool', default=True),
    )
    spec.update(pg_endpoint.connection_spec('source'))  # doc fragment pgflex.migration.source_connection
    spec.update(pg_endpoint.connection_spec('target'))  # doc fragment pgflex.migration.target_connection
    spec.update(pg_endpoint.CONNECT_TIMEOUT_SPEC)
    return spec


def check_input(module):
    params = module.params
    problems = database_list_problems(params['databases']) + number_problems(params, ('source_port', 'target_port', 'connect_timeout'))
    if problems:
        module.fail_json(msg='Invalid input: %s. Nothing was changed.' % '; '.join(problems))


def main():
    module = postgres_module(argument_spec(), check_input)
    params = module.params
    source = pg_endpoint.endpoint_from_params(params, 'source')
    target = pg_endpoint.endpoint_from_params(params, 'target')
    results, roles = [], None
    try:
        for database in params['databases']:
            result, found_roles = finalize.finalize_database(
                source, target, database, fix_sequences=params['fix_sequences'], analyze=params['analyze'],
                check_mode=module.check_mode, roles=params['roles'] and roles is None)
            results.append(result)
            roles = roles or found_roles
    except verify.DatabaseMissing as exc:
        module.fail_json(msg='database "%s" does not exist on one of the servers; list only migrated databases in '
                             'databases. Databases before it were finished.' % exc, databases=results)
    except verify.VerifyError as exc:
        module.fail_json(msg='Finishing could not run: %s' % exc, databases=results)

    problems = finalize.problems(results, roles)
    for problem in problems:
        module.warn(problem)
    # Changed when a sequence was set or a table analysed (in check mode: would be).
    done = finalize.diff(results, module.check_mode)
    outcome = dict(changed=bool(done['after']), summary=finalize.summarize(results, roles, module.check_mode),
                   problems=problems, databases=results, roles=roles)
    if module._diff:
        outcome['diff'] = done
    module.exit_json(**outcome)


if __name__ == '__main__':
    main()
