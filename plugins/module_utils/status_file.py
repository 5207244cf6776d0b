# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The latest status of a waited migration, in a file the pg_flexible_migration action reads for its lines.

A module only reports when it ends; while it waits, it rewrites this small JSON file after every
read (atomically: write aside, then rename), so the action plugin can print a progress line every
progress_interval from the one running module. The content is the normalised status, which holds
no secret. Writing is best effort: a wait never fails because the file cannot be written.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.pgflex.migration.plugins.module_utils.response import status_summary


def snapshot(migration):
    """What a progress line needs: name, mode and the normalised status."""
    migration = migration if isinstance(migration, dict) else {}
    properties = migration.get('properties') if isinstance(migration.get('properties'), dict) else {}
    return {'name': migration.get('name'), 'migration_mode': properties.get('migrationMode'),
            'status': status_summary(migration)}


def write(path, migration):
    if not path or migration is None:
        return
    write_json(path, snapshot(migration))


def write_json(path, content):
    """Replace ``path`` with ``content`` as JSON in one rename, so a reader never sees half a file.

    Progress files are a courtesy: a failure to write one is ignored and the work goes on.
    """
    directory = os.path.dirname(path) or '.'
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix='.progress-')
        with os.fdopen(handle, 'w') as stream:
            json.dump(content, stream)
        os.replace(temporary, path)
    except (OSError, ValueError, TypeError):
        pass


def read(path):
    """The last snapshot written, or None (not written yet, or unreadable)."""
    try:
        with open(path) as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None
