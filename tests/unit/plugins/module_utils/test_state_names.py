# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""State names are spelled in the states table only: everything else asks the table (states.py).

A name counts as spelled when a string literal (Python) or a quoted string (YAML) is exactly a name of the table, or
the lower-cased form of a name of several words ('waitingforcutovertrigger'). One-word lower-case words such as
'succeeded', 'failed' or 'completed' are not counted: they are also the collection's own words (verdicts, outcomes,
wait_for choices).
"""
from __future__ import annotations

import ast
import io
import os
import re
import tokenize

from ansible_collections.pgflex.migration.plugins.module_utils import states

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))

# Files that are the table, or written from it.
TABLE_FILES = ('plugins/module_utils/states.py', 'plugins/doc_fragments/migration_states.py')
# Nothing else may spell a name: the role reads the module's status fields (outcome, terminal, needs_user_action, ...).
ALLOWED = ()


def spellings():
    names = states.all_names()
    compound = set(name.lower() for name in names if sum(1 for char in name if char.isupper()) > 1)
    return names | compound


def python_literals(path):
    with open(path, 'rb') as handle:
        tokens = tokenize.tokenize(io.BytesIO(handle.read()).readline)
        for token in tokens:
            if token.type != tokenize.STRING:
                continue
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue  # f-strings
            if isinstance(value, str):
                yield token.start[0], value


def quoted_strings(path):
    with open(path, encoding='utf-8') as handle:
        for number, line in enumerate(handle, 1):
            for match in re.finditer(r'''(['"])([A-Za-z]+)\1''', line):
                yield number, match.group(2)


def spelled_names(paths):
    wanted = spellings()
    found = []
    for path in paths:
        relative = os.path.relpath(path, ROOT).replace(os.sep, '/')
        if relative in TABLE_FILES or relative in ALLOWED:
            continue
        reader = python_literals if path.endswith('.py') else quoted_strings
        found.extend('%s:%d: %r' % (relative, number, value) for number, value in reader(path) if value in wanted)
    return found


def files(*tops):
    for top in tops:
        for folder, dummy, names in os.walk(os.path.join(ROOT, top)):
            for name in sorted(names):
                if name.endswith(('.py', '.yml', '.yaml', '.j2')):
                    yield os.path.join(folder, name)


def test_no_state_name_is_spelled_outside_the_table():
    assert spelled_names(files('plugins', 'roles')) == []


def test_the_check_finds_a_spelled_name(tmp_path):
    spelled = tmp_path / 'spelled.py'
    spelled.write_text("if substate == 'waitingforcutovertrigger' or state == 'Canceled' or wait_for == 'completed':\n")
    role = tmp_path / 'spelled.yml'
    role.write_text("when: result.migration.status.substate == 'WaitingForCutoverTrigger'\n")
    found = spelled_names([str(spelled), str(role)])
    assert len(found) == 3 and "'completed'" not in ' '.join(found)


def test_allowed_files_exist():
    # An entry for a file that is gone is dropped from ALLOWED.
    assert all(os.path.exists(os.path.join(ROOT, path)) for path in ALLOWED)
