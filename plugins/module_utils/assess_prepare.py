# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What preparing a target changes: the wanted server parameter values from the current ones, without calling Azure.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.assess_azure import ALLOW_LIST, split_list

# The migration service's tuning parameters (Microsoft's "Migration" server-parameter page); skip_role_user is
# read-only there, so it is refused before any call.
MIGRATION_PARAMETERS = ('azure.migration_copy_with_binary', 'azure.migration_skip_analyze', 'azure.migration_skip_extensions',
                        'azure.migration_skip_large_objects', 'azure.migration_table_split_size')
READ_ONLY = ('azure.migration_skip_role_user',)
BOOLEAN_WORDS = {True: 'on', False: 'off', 'true': 'on', 'false': 'off', 'yes': 'on', 'no': 'off', 'on': 'on', 'off': 'off'}


def parameter_problems(parameters):
    """Messages for parameter names or values that cannot be right, naming the option and the fix."""
    problems = []
    for name, value in (parameters or {}).items():
        if name in READ_ONLY:
            problems.append('parameters.%s is read-only on flexible servers; remove it' % name)
        elif name.startswith('azure.migration_') and name not in MIGRATION_PARAMETERS:
            problems.append('parameters.%s is not a migration parameter; use one of %s' % (name, ', '.join(MIGRATION_PARAMETERS)))
        elif value is None or str(value).strip() == '':
            problems.append('parameters.%s has no value; give one or remove it' % name)
    return problems


def normalized(name, value):
    """The value as the service stores it: booleans as on/off, everything else as text."""
    if name in MIGRATION_PARAMETERS and name != 'azure.migration_table_split_size':
        key = value if isinstance(value, bool) else str(value).strip().lower()
        return BOOLEAN_WORDS.get(key, str(value))
    return str(value).strip()


def wanted_values(current, allow_extensions, parameters):
    """{parameter: value} for what must change; current maps each parameter read to its value (None = unknown)."""
    wanted = {}
    for name, value in (parameters or {}).items():
        value = normalized(name, value)
        now = current.get(name)
        if name == ALLOW_LIST:
            value = ','.join(split_list(value))
            now = ','.join(split_list(now))
        if now != value:
            wanted[name] = value
    if allow_extensions:
        base = split_list(wanted.get(ALLOW_LIST, current.get(ALLOW_LIST)))
        known = set(item.lower() for item in base)
        added = [name for name in allow_extensions if name.lower() not in known]
        if added:
            wanted[ALLOW_LIST] = ','.join(base + added)
    return wanted
