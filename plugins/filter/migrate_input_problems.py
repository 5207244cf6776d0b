# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: migrate_input_problems
short_description: Every problem with the variables given to the pgflex.migration.migrate role
version_added: 0.1.0
description:
  - Used by the P(pgflex.migration.migrate#role) role before it calls Azure. Checks what the role's argument
    specification cannot express, and returns one message per problem, each naming the role variable to change.
  - Types are checked strictly. A string variable must be a string (a list given as a password is refused, not
    turned into the text of the list). A boolean variable must be a YAML boolean. A number variable must be a whole
    number, or a string of digits as C(-e name=value) gives.
  - Unknown C(migrate_*) variables, usually typos, are reported with the closest known name.
  - Numbers must lie in their documented ranges. The name prefix, the database list and the shape of
    O(pgflex.migration.migrate#role:main:migrate_source_server) are checked too.
  - O(pgflex.migration.migrate#role:main:migrate_report_dir) must be a directory this controller can write, or one it
    can create. Nothing is created here; the role writes its report there at the end of the run.
  - Values of secret variables never appear in the messages.
author:
  - pgflex.migration maintainers (@pgflex)
positional: argument_specs
options:
  _input:
    description: The role's variables, name to value, for example every variable whose name starts with C(migrate_).
    type: dict
    required: true
  argument_specs:
    description: The role's C(meta/argument_specs.yml), parsed.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the role's variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "Invalid input: {{ problems | join(' ') }}"
  vars:
    names: "{{ query('ansible.builtin.varnames', '^migrate_[a-z]') }}"
    problems: >-
      {{ dict(names | zip(query('ansible.builtin.vars', *names)))
         | pgflex.migration.migrate_input_problems(lookup('ansible.builtin.file', role_path ~ '/meta/argument_specs.yml') | from_yaml) }}
'''

RETURN = r'''
_value:
  description: One message per problem; empty when the variables are fine.
  type: list
  elements: str
'''

import json
import os
import re

from ansible_collections.pgflex.migration.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.pgflex.migration.plugins.module_utils.limits import RANGES
from ansible_collections.pgflex.migration.plugins.module_utils.input_checks import out_of_range, repeated_problem, setting_problems
from ansible_collections.pgflex.migration.plugins.module_utils.request import MAX_DATABASES
from ansible_collections.pgflex.migration.plugins.module_utils.spellings import closest_name

# Variables the role sets itself (results), never inputs.
OUTPUTS = ('migrate_report',)
# role variable -> (smallest, largest, unit); the waits share the module's wait_timeout range.
ROLE_RANGES = {
    'migrate_batch_size': (1, MAX_DATABASES, 'databases'),
    'migrate_validation_timeout': (1,) + RANGES['wait_timeout'][1:],  # a role's wait must wait
    'migrate_migration_timeout': (1,) + RANGES['wait_timeout'][1:],
    'migrate_cutover_timeout': (1,) + RANGES['wait_timeout'][1:],
    'migrate_cutover_max_lag_seconds': RANGES['max_latency'],
    'migrate_poll_interval': RANGES['poll_interval'],
    'migrate_progress_interval': RANGES['progress_interval'],
    'migrate_verify_source_port': (0, 65535, '(0: the port of migrate_source_server)'),
    'migrate_verify_target_port': RANGES['target_port'],
}
TIMEOUTS = ('migrate_validation_timeout', 'migrate_migration_timeout', 'migrate_cutover_timeout')
# module option in a module's message -> the role variable that sets it
OPTION_VARIABLES = {'source_server': 'migrate_source_server', 'source_type': 'migrate_source_type',
                    'migration_window_start': 'migrate_migration_window_start', 'migration_window_end': 'migrate_migration_window_end'}
PREFIX_RE = re.compile(r'^[a-z][a-z0-9]*$')
MAX_PREFIX = 40


def _kind(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, int):
        return 'a number'
    if isinstance(value, float):
        return 'the number %s' % value
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, dict):
        return 'a dictionary'
    if isinstance(value, (list, tuple)):
        return 'a list'
    return type(value).__name__


def _described(value, secret):
    """How a message may show a value: never a secret's content."""
    if secret or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return _kind(value)
    if isinstance(value, str):
        return 'the string %r' % (value if len(value) <= 60 else value[:57] + '...')
    return _kind(value)


def whole_number(value):
    """An int, or a string of digits (-e name=value gives strings); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r'^-?[0-9]+$', value.strip()):
        return int(value.strip())
    return None


def type_problem(name, value, option):
    """The message when ``value`` does not have the type the role declares for ``name``, else None."""
    kind = option.get('type', 'str')
    secret = option.get('no_log', False)
    got = _described(value, secret)
    if kind in ('str', 'path'):
        if not isinstance(value, str):
            return '%s must be a string, got %s%s.' % (name, got, '; quote it' if isinstance(value, (int, float)) else '')
    elif kind == 'int':
        if whole_number(value) is None:
            return '%s must be a whole number, got %s.' % (name, got)
    elif kind == 'bool':
        if not isinstance(value, bool):
            return ("%s must be true or false (a YAML boolean), got %s; on the command line give it as JSON: "
                    "-e '{\"%s\": true}'." % (name, got, name))
    elif kind == 'dict':
        if not isinstance(value, dict):
            return '%s must be a dictionary, got %s.' % (name, got)
    elif kind == 'list':
        if not isinstance(value, (list, tuple)):
            return '%s must be a list, got %s.' % (name, got)
        if option.get('elements') == 'str' and not all(isinstance(item, str) for item in value):
            return '%s must be a list of strings; quote every item.' % name
    return None


def _unknown(values, options):
    problems = []
    for name in sorted(values):
        if name in options or name in OUTPUTS:
            continue
        near = closest_name(name, options, 'migrate_')
        problems.append('%s is not a variable of the pgflex.migration.migrate role%s'
                        % (name, '; did you mean %s?' % near if near else '; see its meta/argument_specs.yml.'))
    return problems


def _ranges(values):
    problems = []
    numbers = {}
    for name, bounds in ROLE_RANGES.items():
        number = whole_number(values.get(name))
        if number is None:
            continue
        problem = out_of_range(name, number, bounds)
        if problem:
            problems.append(problem + '.')
        else:
            numbers[name] = number
    poll = numbers.get('migrate_poll_interval')
    for timeout in TIMEOUTS:
        if poll is not None and timeout in numbers and poll > numbers[timeout]:
            problems.append('migrate_poll_interval (%d) must not be above %s (%d).' % (poll, timeout, numbers[timeout]))
    progress = numbers.get('migrate_progress_interval')
    if poll is not None and progress is not None and progress < poll:
        problems.append('migrate_progress_interval (%d) must be at least migrate_poll_interval (%d).' % (progress, poll))
    return problems


def _databases(databases):
    if not isinstance(databases, (list, tuple)) or not all(isinstance(name, str) for name in databases):
        return []  # the type check already said so
    if not databases:
        return ['migrate_databases must list at least one database.']
    problems = []
    if any(not name.strip() for name in databases):
        problems.append('migrate_databases has an empty name; remove it.')
    repeated = repeated_problem('migrate_databases', databases)
    if repeated:
        problems.append(repeated + '.')
    return problems


def _prefix(prefix):
    if isinstance(prefix, str) and PREFIX_RE.match(prefix) and len(prefix) <= MAX_PREFIX:
        return []
    return ['migrate_name_prefix must be lowercase letters and digits starting with a letter, at most %d characters '
            '(no hyphens, so that the generated names meet both the documented name rule and the stricter pattern of '
            'the API specification); got %s.'
            % (MAX_PREFIX, _described(prefix, False))]


def _source(values):
    server, source_type = values.get('migrate_source_server'), values.get('migrate_source_type')
    if not isinstance(server, str) or not isinstance(source_type, str):
        return []
    # Empty strings are left out of the module call (the module picks the source type from the source's form).
    given = {'source_server': server, 'source_type': source_type or None}
    for option in ('migration_window_start', 'migration_window_end'):
        value = values.get(OPTION_VARIABLES[option])
        given[option] = value if isinstance(value, str) and value else None
    problems = setting_problems(given)
    # The module's messages name its options; the role's user sets role variables.
    pattern = re.compile(r'(?<![a-z_])(%s)\b' % '|'.join(OPTION_VARIABLES))
    return [pattern.sub(lambda match: OPTION_VARIABLES[match.group(1)], problem).rstrip('.') + '.' for problem in problems]


def _azure_auth(auth):
    if not isinstance(auth, dict):
        return []
    problems = []
    for key in sorted(auth):
        if key not in AUTH_ARGUMENT_SPEC:
            near = closest_name(key, AUTH_ARGUMENT_SPEC)
            problems.append('migrate_azure_auth has the unknown key %r%s'
                            % (key, '; did you mean %r?' % near if near else '; use the auth options of the modules.'))
    return problems


def _report_dir(path):
    """The role writes its report on the controller at the end of the run; a directory that cannot be written or
    made there is refused before anything is sent to Azure. Checked here, in the controller's own process, instead
    of by a module run per host: nothing is created."""
    if not isinstance(path, str):
        return []  # the type check already said so
    reason = None
    if not path.strip():
        reason = 'it is empty'
    else:
        probe = os.path.abspath(os.path.expanduser(path))
        while not os.path.lexists(probe):  # the directory is made at the end: its nearest existing parent counts
            probe = os.path.dirname(probe)
        if not os.path.isdir(probe):
            reason = '%s is not a directory' % probe
        elif not os.access(probe, os.W_OK | os.X_OK):
            reason = '%s is not writable' % probe
    if reason is None:
        return []
    return ['migrate_report_dir %s cannot be used as the report directory (%s); set migrate_report_dir to a directory '
            'the controller can write.' % (json.dumps(path), reason)]


def migrate_input_problems(values, argument_specs):
    """Messages naming the role variable, for every problem with ``values`` (role variable -> value)."""
    options = argument_specs['argument_specs']['main']['options']
    values = dict(values)
    problems = _unknown(values, options)
    wrong_type = set()
    for name, option in options.items():
        if name in values:
            problem = type_problem(name, values[name], option)
            if problem:
                problems.append(problem)
                wrong_type.add(name)
    checked = dict((name, value) for name, value in values.items() if name not in wrong_type)
    problems.extend(_ranges(checked))
    if 'migrate_name_prefix' in checked:
        problems.extend(_prefix(checked['migrate_name_prefix']))
    if 'migrate_databases' in checked:
        problems.extend(_databases(checked['migrate_databases']))
    problems.extend(_source(checked))
    problems.extend(_azure_auth(checked.get('migrate_azure_auth')))
    if 'migrate_report_dir' in checked:
        problems.extend(_report_dir(checked['migrate_report_dir']))
    return problems


class FilterModule(object):
    def filters(self):
        return {'migrate_input_problems': migrate_input_problems}
