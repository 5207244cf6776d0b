#!/usr/bin/env python
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the documentation that is generated from a table of the collection.

- plugins/doc_fragments/migration_states.py from the states table (plugins/module_utils/states.py);
- docs/error-codes.md from the service's error table (plugins/module_utils/service_errors.py).

Run it after changing either table; unit tests fail while a file and its table differ (--check exits 1 then).
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STATES_HEADER = '''# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Written by scripts/render_docs.py from plugins/module_utils/states.py; do not edit by hand.
    DOCUMENTATION = r\'\'\'
# ansible-doc wants options or attributes in every fragment; this one only adds notes.
options: {}
notes:
'''


def load(name):
    """A pure-Python table of plugins/module_utils, loaded by path (no Ansible needed)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, 'plugins', 'module_utils', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _note(note):
    # A double-quoted YAML scalar may span lines (they fold into spaces), which keeps the file under pep8's limit.
    return textwrap.fill(json.dumps(note), width=116, initial_indent='  - ', subsequent_indent='    ',
                         break_long_words=False, break_on_hyphens=False) + '\n'


def states_fragment():
    return STATES_HEADER + ''.join(_note(note) for note in load('states').doc_notes()) + "'''\n"


def error_codes_page():
    return load('service_errors').doc_markdown()


# generated file (relative to the checkout) -> what writes it
GENERATED = {
    os.path.join('plugins', 'doc_fragments', 'migration_states.py'): states_fragment,
    os.path.join('docs', 'error-codes.md'): error_codes_page,
}


def main():
    stale = []
    for path, render in GENERATED.items():
        text = render()
        full = os.path.join(ROOT, path)
        with open(full) as handle:
            current = handle.read()
        if current == text:
            continue
        stale.append(path)
        if '--check' not in sys.argv:
            with open(full, 'w') as handle:
                handle.write(text)
    if stale:
        print('%s: %s' % ('out of date' if '--check' in sys.argv else 'rewritten', ', '.join(stale)))
    return 1 if stale and '--check' in sys.argv else 0


if __name__ == '__main__':
    sys.exit(main())
