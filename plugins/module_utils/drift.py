# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requested settings vs an existing migration.

Both sides go through one projection (REST JSON -> option names with normalised values), so
case of enums, region display names, timestamp precision and database order never count as a
difference. Only the settings the user asked for are compared: fields the service fills in by
itself (triggerCutover on offline migrations, migrateRoles, window times, metadata) never drift.
The same projection gives diff mode its before/after, without secrets.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils.request import SETTINGS, normalise_location, option_enum, parse_flag
from ansible_collections.pgflex.migration.plugins.module_utils.times import format_time, parse_time
from ansible_collections.pgflex.migration.plugins.module_utils.response import is_terminal

# Flags the service reports as "False" when they were never set.
_FLAG_DEFAULT = False


def _get_path(document, path):
    node = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _view_value(setting, value):
    """REST value -> the normalised option value used for comparison and display."""
    kind = setting.kind
    if kind == 'enum':
        return option_enum(setting.option, value)
    if kind == 'flag':
        parsed = parse_flag(value)
        return value if parsed is None else parsed
    if kind == 'databases':
        return sorted(value) if isinstance(value, list) else value
    if kind == 'time':
        moment = parse_time(value)
        return format_time(moment.replace(microsecond=0)) if moment else value
    if kind == 'location':
        return normalise_location(value)
    if kind == 'host':
        return str(value).lower()
    if kind == 'resource':
        # ARM ids are case-insensitive; a user name in host:port@user is not.
        text = str(value)
        if text.startswith('/'):
            return text.rstrip('/').lower()
        host, sep, user = text.partition('@')
        return host.lower() + sep + user
    if kind == 'tags':
        return dict(value) if isinstance(value, dict) else value
    return value


def settings_view(document):
    """Option name -> normalised value for every user-visible setting present in a REST body."""
    view = {}
    for setting in SETTINGS:
        value = _get_path(document or {}, setting.path)
        if value is not None:
            view[setting.option] = _view_value(setting, value)
    return view


def differences(requested_body, existing, ignore=()):
    """[{'option', 'requested', 'existing'}] for each requested setting that differs.

    ``requested_body`` holds only what the user asked for (request.settings_body). Window
    times are compared only while the migration is active: the service rewrites them with the
    real start and end once it runs.
    """
    requested = settings_view(requested_body)
    actual = settings_view(existing)
    skip = set(ignore)
    if is_terminal(existing):
        skip.update(('migration_window_start', 'migration_window_end'))
    found = []
    for setting in SETTINGS:
        option = setting.option
        if option not in requested or option in skip:
            continue
        have = actual.get(option)
        if have is None and setting.kind == 'flag':
            have = _FLAG_DEFAULT
        if requested[option] != have:
            found.append({'option': option, 'requested': requested[option], 'existing': have})
    return found


def describe_differences(name, found):
    """One readable sentence listing every differing setting."""
    parts = ['%s: requested %s, existing %s' % (item['option'], _show(item['requested']), _show(item['existing'])) for item in found]
    return ("migration %r already exists with different settings (%s). A migration cannot be changed into another "
            "one and its name cannot be reused: put the settings back, or use a new name for a new migration"
            % (name, '; '.join(parts)))


def _show(value):
    if value is None:
        return '(not set)'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return '[%s]' % ', '.join(str(item) for item in value)
    return repr(value) if isinstance(value, str) else str(value)
