# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks: every problem with a task's input, found before the first API call (bad input changes nothing).

Used by every module (pg_flexible_migration through migration_flow), the action plugins and the migrate role's input
filter. The rules they check live with their tables: request.py (settings, enums, endpoint forms), naming.py (the
name rule), limits.py (number ranges).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import ipaddress

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.pgflex.migration.plugins.module_utils.limits import ABOVE_REASONS, NOT_ABOVE, RANGES
from ansible_collections.pgflex.migration.plugins.module_utils.naming import (
    MAX_NAME_LENGTH, MIGRATION_NAME_RULE, is_migration_name, name_character_allowed,
)
from ansible_collections.pgflex.migration.plugins.module_utils.request import (
    DEFAULT_MIGRATION_MODE, ENDPOINT_RE, ENUMS, FLEXIBLE_SERVER_ID_RE, HOST_RE, MAX_DATABASES, MIGRATION_MODES, SINGLE_SERVER,
    SINGLE_SERVER_ID_RE, api_enum, is_resource_id, rotated_sides,
)
from ansible_collections.pgflex.migration.plugins.module_utils.times import format_time, parse_time


# ---- names (the rule: naming.py) ----------------------------------------------------------------------

def migration_name_problem(name):
    """Return a sentence saying what is wrong with ``name``, or None when it is valid."""
    if not isinstance(name, str) or not name:
        return 'the migration name is empty; it must be %s' % MIGRATION_NAME_RULE
    if is_migration_name(name):
        return None
    if len(name) > MAX_NAME_LENGTH:
        return 'the migration name %r is %d characters long; it must be %s' % (name, len(name), MIGRATION_NAME_RULE)
    if is_migration_name(name.lower()):
        return "the migration name %r has uppercase letters; it must be %s (try %r)" % (name, MIGRATION_NAME_RULE, name.lower())
    bad = sorted(set(ch for ch in name if not name_character_allowed(ch)))
    if bad:
        return "the migration name %r contains %s; it must be %s" % (name, ', '.join(repr(ch) for ch in bad), MIGRATION_NAME_RULE)
    end = 'starts' if name.startswith('-') else 'ends'
    return "the migration name %r %s with a hyphen; it must be %s" % (name, end, MIGRATION_NAME_RULE)


# ---- numbers (the ranges: limits.py) -----------------------------------------------------------------

def shown(value):
    """A number as a message may show it: a 400-digit value is described, not printed."""
    text = str(value)
    return text if len(text) <= 20 else 'a %d-digit number' % len(text.lstrip('-'))


def range_text(bounds):
    """'between 1 and 3600 seconds' for bounds (smallest, largest, unit)."""
    low, high, unit = bounds
    return 'between %d and %d%s' % (low, high, ' ' + unit if unit else '')


def out_of_range(name, value, bounds):
    """The problem with a whole number outside bounds (smallest, largest, unit), or None when it is inside."""
    low, high, dummy = bounds
    return None if low <= value <= high else '%s must be %s; got %s' % (name, range_text(bounds), shown(value))


def number_problems(params, options=None):
    """A message for every number in ``params`` outside its range; ``options`` limits which are checked."""
    problems = []
    in_range = set()
    for option in [option for option in (options or RANGES) if params.get(option) is not None]:
        value = params[option]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append('%s must be a whole number %s; got %r' % (option, range_text(RANGES[option]), value))
            continue
        problem = out_of_range(option, value, RANGES[option])
        reason = ABOVE_REASONS.get(option) if problem and value > RANGES[option][1] else None
        if problem:
            problems.append('%s: %s' % (problem, reason) if reason else problem)
        else:
            in_range.add(option)
    for smaller, larger in NOT_ABOVE:
        if smaller in in_range and larger in in_range and 0 < params[larger] < params[smaller]:
            problems.append('%s (%d) must not be above %s (%d); lower %s or raise %s'
                            % (smaller, params[smaller], larger, params[larger], smaller, larger))
    return problems


# ---- options ------------------------------------------------------------------------------------------

def cutover_value(value):
    """(value, problem) for the cutover option: True, a list of databases, or None (no cutover); it takes true, false
    or a list of database names."""
    if value is None or isinstance(value, list):
        return value or None, None
    try:
        return (True if boolean(value, strict=True) else None), None
    except TypeError:
        return None, 'cutover must be true, false or a list of database names, got %r' % (value,)


def repeated_problem(option, names):
    """The problem with a list of database names that names one more than once, or None."""
    repeated = sorted(set(name for name in names if list(names).count(name) > 1))
    if not repeated:
        return None
    return '%s lists %s more than once; name each database once' % (option, ', '.join(repeated))


def database_list_problems(names, when_left_out=None):
    """The problems with the databases option of the modules that connect with PostgreSQL (verify, finalize,
    assess): at least one name, none empty, none twice. ``when_left_out``: what leaving it out means, where it may be."""
    if names is None and when_left_out:
        return []
    if not names or any(not (name or '').strip() for name in names):
        left_out = ' (or be left out for %s)' % when_left_out if when_left_out else ''
        return ['databases must list at least one database name%s, and no name may be empty' % left_out]
    repeated = repeated_problem('databases', names)
    return [repeated] if repeated else []


def _check_databases(option, databases, problems):
    if databases is None:
        return
    if not isinstance(databases, list) or not all(isinstance(db, str) and db.strip() for db in databases):
        problems.append('%s must be a list of database names (non-empty strings)' % option)
        return
    if not databases:
        # An empty list is never "all databases": for databases it would create a migration that blocks the server.
        problems.append('%s is an empty list; %s' % (option, EMPTY_LIST_HINTS[option]))
        return
    repeated = repeated_problem(option, databases)
    if repeated:
        problems.append(repeated)
    if option == 'databases' and len(databases) > MAX_DATABASES:
        problems.append('databases lists %d databases but one migration takes at most %d (the API limit); '
                        'split them over several migrations' % (len(databases), MAX_DATABASES))


EMPTY_LIST_HINTS = {
    'databases': 'name at least one database (to create a migration that waits for its databases, leave databases '
                 'out and set defer_databases: true)',
    'cancel_databases': 'leave cancel_databases out to cancel the whole migration, or name the databases to cancel',
}


def _check_source_server(params, problems):
    server = params.get('source_server')
    if server is None:
        return
    source_type = api_enum('source_type', params.get('source_type'))
    if source_type == SINGLE_SERVER or (source_type is None and is_resource_id(server)):
        if not SINGLE_SERVER_ID_RE.match(server):
            problems.append(
                "source_server %r is not a Single Server resource id; for source_type PostgreSQLSingleServer give "
                "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/servers/<name>" % server)
        return
    match = ENDPOINT_RE.match(str(server))
    if match and not 0 < int(match.group('port')) < 65536:
        problems.append('source_server %r has port %s; the port must be between 1 and 65535'
                        % (server, int(match.group('port'))))
    elif not match:
        problems.append(
            "source_server %r is not in the form host:port@user (for example 10.0.0.4:5432@postgres)%s; "
            "only source_type PostgreSQLSingleServer takes a resource id"
            % (server, ' as source_type %s needs' % source_type if source_type else ''))


def _check_enums(params, problems):
    for option in ENUMS:
        value = params.get(option)
        if value is not None and api_enum(option, value) is None:
            problems.append('%s %r is not one of: %s' % (option, value, ', '.join(ENUMS[option])))


def _check_window(params, problems):
    moments = {}
    for option in ('migration_window_start', 'migration_window_end'):
        value = params.get(option)
        if value is None:
            continue
        moments[option] = parse_time(value)
        if moments[option] is None:
            problems.append('%s %r is not an ISO 8601 date and time; write it like 2026-05-01T22:00:00Z' % (option, value))
    start, end = moments.get('migration_window_start'), moments.get('migration_window_end')
    if start and end and end <= start:
        problems.append('migration_window_end (%s) must be after migration_window_start (%s)' % (format_time(end), format_time(start)))


def _check_runtime_server(params, problems, subscription_id=None):
    runtime = params.get('migration_instance_resource_id')
    if runtime is None:
        return
    match = FLEXIBLE_SERVER_ID_RE.match(str(runtime))
    if not match:
        problems.append(
            'migration_instance_resource_id must be the resource id of a flexible server, '
            '/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>; got %r' % runtime)
        return
    same_server = (match.group('rg').lower() == str(params.get('resource_group') or '').lower()
                   and match.group('server').lower() == str(params.get('server_name') or '').lower()
                   and (not subscription_id or match.group('sub').lower() == str(subscription_id).lower()))
    if same_server:
        problems.append('migration_instance_resource_id points at the target server %s itself; give a different '
                        'flexible server as the migration runtime, or leave the option out' % params.get('server_name'))


def _check_tags(params, problems):
    tags = params.get('tags')
    if tags is not None and not (isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())):
        problems.append('tags must be a dictionary of string values')


def setting_problems(params, subscription_id=None):
    """Every problem with the migration settings in ``params`` (already merged with the file)."""
    problems = []
    _check_enums(params, problems)
    _check_source_server(params, problems)
    _check_databases('databases', params.get('databases'), problems)
    _check_window(params, problems)
    _check_runtime_server(params, problems, subscription_id)
    _check_tags(params, problems)
    for option in ('source_fqdn', 'target_fqdn'):
        value = params.get(option)
        if value is not None and not is_host(value):
            problems.append('%s %r is not a host name or an IP address (IPv4 like 10.0.0.4, IPv6 like 2001:db8::4, '
                            'without brackets)' % (option, value))
    return problems


def is_host(value):
    """A DNS name or an IPv4 / IPv6 address literal: the API's "FQDN or IP address"."""
    text = str(value)
    if HOST_RE.match(text):
        return True
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def action_problems(params):
    """Problems with the combination of state and actions (cutover, cancel_databases, wait_for)."""
    problems = []
    if params.get('max_latency') is not None and params.get('wait_for') != 'cutover_ready':
        problems.append('max_latency applies to wait_for: cutover_ready only, got max_latency %s with wait_for %s; set '
                        'wait_for: cutover_ready or leave max_latency out' % (shown(params['max_latency']), params.get('wait_for')))
    state = params.get('state')
    cutover = params.get('cutover')
    if state == 'cancelled' and cutover not in (None, False, []):
        problems.append('cutover cannot be combined with state=cancelled; use state=present with cutover, '
                        'or state=cancelled alone to cancel')
    if params.get('cancel_databases') and state != 'cancelled':
        problems.append('cancel_databases only applies with state=cancelled')
    if params.get('drop_copied_databases') and state != 'cancelled':
        problems.append('drop_copied_databases only applies with state=cancelled')
    _check_databases('cancel_databases', params.get('cancel_databases'), problems)
    if isinstance(cutover, list):
        _check_databases('cutover', cutover, problems)
    wait_for = params.get('wait_for')
    if state == 'cancelled' and wait_for not in (None, 'completed'):
        problems.append('wait_for=%s does not apply to state=cancelled, which waits until the cancel is done' % wait_for)
    option = api_enum('migration_option', params.get('migration_option'))
    if wait_for == 'validated' and option == 'Migrate':
        problems.append('wait_for=validated needs migration_option validate or validate_and_migrate; '
                        'migration_option migrate skips validation')
    if params.get('update_password') == 'always' and state == 'present' and not rotated_sides(params):
        problems.append('update_password=always sends the passwords given to a running migration, but neither source_password '
                        'nor target_password is set; give the new password(s), or leave update_password at on_create')
    problems.extend(number_problems(params, ('wait_timeout', 'poll_interval', 'progress_interval', 'api_timeout', 'max_latency')))
    return problems


def create_problems(params):
    """What is missing to create a migration that does not exist yet."""
    missing = [option for option in ('source_server', 'source_password', 'target_password') if params.get(option) in (None, '')]
    problems = []
    if params.get('databases') is None and not params.get('defer_databases'):
        missing.append('databases (or defer_databases: true to create it without databases, waiting for them)')
    if missing:
        problems.append('creating migration %r needs %s (directly or in properties_file)' % (params.get('name'), ', '.join(missing)))
    if params.get('cutover') not in (None, False, []):
        problems.append('cutover applies to an existing online migration; create it first (wait_for: cutover_ready), '
                        'then run the task again with cutover')
    mode = api_enum('migration_mode', params.get('migration_mode')) or MIGRATION_MODES[DEFAULT_MIGRATION_MODE]
    if params.get('wait_for') == 'cutover_ready' and mode != 'Online':
        problems.append('wait_for=cutover_ready needs migration_mode=online; offline migrations cut over by themselves')
    return problems
