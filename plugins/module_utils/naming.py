# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service's rule for migration names, in one place.

Pure Python with no Ansible or Azure imports, so the emulator can enforce the very
same rule the modules check before any API call.
"""

from __future__ import annotations

import re

# Migrations.json (2025-08-01) MigrationNameParameter: ^[a-z][a-z0-9]*$
MIGRATION_NAME_PATTERN = r'^[a-z][a-z0-9]*$'
MIGRATION_NAME_RULE = 'lowercase letters and digits only, starting with a letter (pattern %s)' % MIGRATION_NAME_PATTERN

_NAME_RE = re.compile(MIGRATION_NAME_PATTERN)


def migration_name_problem(name):
    """Return a sentence saying what is wrong with ``name``, or None when it is valid."""
    if not isinstance(name, str) or not name:
        return 'the migration name is empty; it must be %s' % MIGRATION_NAME_RULE
    if _NAME_RE.match(name):
        return None
    if _NAME_RE.match(name.lower()):
        return "the migration name %r has uppercase letters; the service accepts %s (try %r)" % (name, MIGRATION_NAME_RULE, name.lower())
    if not name[0].isalpha():
        return "the migration name %r does not start with a letter; it must be %s" % (name, MIGRATION_NAME_RULE)
    bad = sorted(set(ch for ch in name if not (ch.isdigit() or ('a' <= ch.lower() <= 'z'))))
    return "the migration name %r contains %s; it must be %s" % (name, ', '.join(repr(ch) for ch in bad), MIGRATION_NAME_RULE)


def is_valid_migration_name(name):
    return migration_name_problem(name) is None
