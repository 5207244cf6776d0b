# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module process imports before it does anything: packages a run may not need are imported lazily.

Each module process imports afresh (about 0.1 s of CPU for psycopg, as much for azure-core with requests), and a
fleet runs several per server (docs/performance.md). Checked in a fresh interpreter, since this one has them all.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Packages imported only by the run that uses them: the safe cutover's psycopg, the client's azure-core and
# requests (first API call), azure-identity with msal and cryptography (a token request).
LAZY = ('psycopg', 'azure', 'requests', 'msal', 'cryptography')


def imported_at_start(module):
    code = ('import sys\n'
            'import ansible_collections.pgflex.migration.plugins.modules.%s\n'
            'print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:]))))\n' % module)
    path = os.pathsep.join(entry for entry in sys.path if entry)
    done = subprocess.run([sys.executable, '-c', code] + list(LAZY), capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=path))
    return done.stdout.split()


@pytest.mark.parametrize('module', ['pg_flexible_migration', 'pg_flexible_migration_info'])
def test_azure_modules_import_nothing_they_may_not_use(module):
    assert imported_at_start(module) == []
