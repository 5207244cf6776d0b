#!/usr/bin/env python
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write docs/error-codes.md from the service's error table (module_utils/service_errors.py).

Run it after changing the table; a unit test fails while the page and the table differ (--check exits 1 then).
"""
from __future__ import annotations

import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, 'docs', 'error-codes.md')


def load_table():
    spec = importlib.util.spec_from_file_location('service_errors', os.path.join(ROOT, 'plugins', 'module_utils', 'service_errors.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    text = load_table().doc_markdown()
    if '--check' in sys.argv:
        with open(PAGE) as handle:
            return 0 if handle.read() == text else 1
    with open(PAGE, 'w') as handle:
        handle.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
