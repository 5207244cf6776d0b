# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The start of the modules that talk to PostgreSQL only (verify, finalize): no Azure client, psycopg required.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.module import SpellingModule
from ansible_collections.pgflex.migration.plugins.module_utils.verify import missing_psycopg


def postgres_module(argument_spec, check_input):
    """The module, its input checked by ``check_input(module)`` first, then psycopg's presence (one message for
    every module that connects with PostgreSQL)."""
    module = SpellingModule(argument_spec, supports_check_mode=True)
    check_input(module)
    missing = missing_psycopg()
    if missing:
        module.fail_json(**missing)
    return module
