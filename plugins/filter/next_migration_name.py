# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: next_migration_name
short_description: The name under which the migrate role creates or resumes one step of a batch
version_added: 0.1.0
description:
  - Used by the P(pgflex.migration.migrate#role) role to resume where an earlier run stopped.
  - The first attempt of a step is named O(base). An attempt that is still running or that succeeded is resumed under
    its own name. After an attempt that ended without success (failed or cancelled), the next one is named
    C(<base>r<k>), k being the number of that attempt.
  - Other migrations of the server, whose names do not have that shape, are ignored.
author:
  - pgflex.migration maintainers (@pgflex)
positional: base
options:
  _input:
    description:
      - The server's migrations as P(pgflex.migration.pg_flexible_migration_info#module) returns them in C(migrations)
        (each with C(name) and the normalised C(status)).
    type: list
    elements: dict
    required: true
  base:
    description: The step's name without an attempt suffix, for example C(wave1b01val).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Pick the name of the next validation of batch 1
  ansible.builtin.set_fact:
    step_name: "{{ existing.migrations | pgflex.migration.next_migration_name('wave1b01val') }}"
'''

RETURN = r'''
_value:
  description: The name to create or resume.
  type: str
'''

import re


def next_migration_name(migrations, base):
    """``base`` for a first attempt, the latest attempt's own name while it runs or once it succeeded, else the next."""
    attempt_name = re.compile(r'^%s(?:r([0-9]+))?$' % re.escape(base))
    latest, retry = 0, False
    for migration in migrations or []:
        found = attempt_name.match(str(migration.get('name') or ''))
        if not found:
            continue
        attempt = int(found.group(1)) if found.group(1) else 1
        if attempt > latest:
            status = migration.get('status') or {}
            latest, retry = attempt, bool(status.get('terminal')) and status.get('outcome') != 'success'
    following = latest + 1 if latest == 0 or retry else latest
    return base if following == 1 else '%sr%d' % (base, following)


class FilterModule(object):
    def filters(self):
        return {'next_migration_name': next_migration_name}
