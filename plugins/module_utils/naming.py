# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service's rule for migration names, in one place (the check that explains a bad name to the user is
input_checks.migration_name_problem).

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


def is_migration_name(name):
    """Whether ``name`` follows the rule."""
    return isinstance(name, str) and _NAME_RE.match(name) is not None


def name_character_allowed(ch):
    """Whether the rule allows ``ch`` anywhere in a name, in some case (a hyphen only inside)."""
    return ch.isascii() and (ch.isdigit() or ch == '-' or 'a' <= ch.lower() <= 'z')


def attempt_name(name, attempt):
    """The name of attempt ``attempt`` (1, 2, ...) of the migration ``name`` (retry_failed): name, namer2, namer3, ..."""
    return name if attempt == 1 else '%sr%d' % (name, attempt)


# The migrate role's names for a run with prefix P: P + 'b' + the batch number (two digits or more) + the step
# ('val' or 'mig'), then retry_failed's 'rK' attempts. Anything else on the server is not that run's.
_ROLE_STEP = r'b\d{2,}(?:val|mig)(?:r\d+)?'


def is_role_run_name(name, prefix):
    """Whether ``name`` is one of the migrate role's migrations of the run named by ``prefix`` (not a longer prefix's)."""
    return isinstance(name, str) and re.match(r'^%s%s$' % (re.escape(prefix or ''), _ROLE_STEP), name) is not None
