#!/usr/bin/env python
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write plugins/doc_fragments/migration_states.py from the states table (module_utils/states.py).

Run it after changing the table; a unit test fails while the fragment and the table differ.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAGMENT = os.path.join(ROOT, 'plugins', 'doc_fragments', 'migration_states.py')

HEADER = '''# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Written by scripts/render_states_doc.py from plugins/module_utils/states.py; do not edit by hand.
    DOCUMENTATION = r\'\'\'
# ansible-doc wants options or attributes in every fragment; this one only adds notes.
options: {}
notes:
'''


def load_states():
    spec = importlib.util.spec_from_file_location('states', os.path.join(ROOT, 'plugins', 'module_utils', 'states.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _item(note):
    # A double-quoted YAML scalar may span lines (they fold into spaces), which keeps the file under pep8's limit.
    return textwrap.fill(json.dumps(note), width=116, initial_indent='  - ', subsequent_indent='    ',
                         break_long_words=False, break_on_hyphens=False) + '\n'


def render(notes):
    return HEADER + ''.join(_item(note) for note in notes) + "'''\n"


def main():
    text = render(load_states().doc_notes())
    if '--check' in sys.argv:
        with open(FRAGMENT) as handle:
            return 0 if handle.read() == text else 1
    with open(FRAGMENT, 'w') as handle:
        handle.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
