# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service's rule for migration names, in one place.

Pure Python with no Ansible or Azure imports. The emulator, which plays the service, keeps its
own copy; tests/emulator/tests/test_name_rule_agreement.py keeps the two equal.
"""

from __future__ import annotations

import re

# The project's rule (docs/service-assumptions.md, enforced the same way by the emulator): lowercase
# letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 63 characters.
# Migrations.json (2025-08-01) states the stricter ^[a-z][a-z0-9]*$; names without hyphens satisfy both.
MIGRATION_NAME_PATTERN = r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'
MAX_NAME_LENGTH = 63
MIGRATION_NAME_RULE = ('lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, '
                       'at most %d characters' % MAX_NAME_LENGTH)

_NAME_RE = re.compile(MIGRATION_NAME_PATTERN)


def migration_name_problem(name):
    """Return a sentence saying what is wrong with ``name``, or None when it is valid."""
    if not isinstance(name, str) or not name:
        return 'the migration name is empty; it must be %s' % MIGRATION_NAME_RULE
    if _NAME_RE.match(name):
        return None
    if len(name) > MAX_NAME_LENGTH:
        return 'the migration name %r is %d characters long; it must be %s' % (name, len(name), MIGRATION_NAME_RULE)
    if _NAME_RE.match(name.lower()):
        return "the migration name %r has uppercase letters; it must be %s (try %r)" % (name, MIGRATION_NAME_RULE, name.lower())
    if not ('a' <= name[0].lower() <= 'z'):
        return "the migration name %r does not start with a letter; it must be %s" % (name, MIGRATION_NAME_RULE)
    bad = sorted(set(ch for ch in name if not (ch.isdigit() or ch == '-' or 'a' <= ch.lower() <= 'z')))
    if bad:
        return "the migration name %r contains %s; it must be %s" % (name, ', '.join(repr(ch) for ch in bad), MIGRATION_NAME_RULE)
    return "the migration name %r ends with a hyphen; it must be %s" % (name, MIGRATION_NAME_RULE)


def attempt_name(name, attempt):
    """The name of attempt ``attempt`` (1, 2, ...) of the migration ``name`` (retry_failed): name, namer2, namer3, ..."""
    return name if attempt == 1 else '%sr%d' % (name, attempt)
