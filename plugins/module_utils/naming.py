# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service's rule for migration names, in one place.

Pure Python with no Ansible or Azure imports: the emulator, which plays the service, loads this
file by path, so the modules, the role's input checks and the emulator apply the same rule.
"""

from __future__ import annotations

import re

# Azure's rule as recorded (docs/service-assumptions.md, entry 1): lowercase letters, digits and hyphens, starting and
# ending with a letter or a digit, 1-63 characters. The real service accepted the az CLI's uuid4 name
# '632df460-4e58-44d2-acbf-42bbce2008ee' (a digit first) and refuses uppercase (azure-rest-api-specs#30734).
MIGRATION_NAME_PATTERN = r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'
MAX_NAME_LENGTH = 63
MIGRATION_NAME_RULE = ('lowercase letters, digits and hyphens, starting and ending with a letter or a digit, '
                       'at most %d characters' % MAX_NAME_LENGTH)

_NAME_RE = re.compile(MIGRATION_NAME_PATTERN)


def _allowed(ch):
    return ch.isascii() and (ch.isdigit() or ch == '-' or 'a' <= ch.lower() <= 'z')


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
    bad = sorted(set(ch for ch in name if not _allowed(ch)))
    if bad:
        return "the migration name %r contains %s; it must be %s" % (name, ', '.join(repr(ch) for ch in bad), MIGRATION_NAME_RULE)
    end = 'starts' if name.startswith('-') else 'ends'
    return "the migration name %r %s with a hyphen; it must be %s" % (name, end, MIGRATION_NAME_RULE)


def attempt_name(name, attempt):
    """The name of attempt ``attempt`` (1, 2, ...) of the migration ``name`` (retry_failed): name, namer2, namer3, ..."""
    return name if attempt == 1 else '%sr%d' % (name, attempt)


# The migrate role's names for a run with prefix P: P + 'b' + the batch number (two digits or more) + the step
# ('val' or 'mig'), then retry_failed's 'rK' attempts. Anything else on the server is not that run's.
_ROLE_STEP = r'b\d{2,}(?:val|mig)(?:r\d+)?'


def is_role_run_name(name, prefix):
    """Whether ``name`` is one of the migrate role's migrations of the run named by ``prefix`` (not a longer prefix's)."""
    return isinstance(name, str) and re.match(r'^%s%s$' % (re.escape(prefix or ''), _ROLE_STEP), name) is not None
