# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""REST JSON of a migration -> module return values.

migration_result() gives the REST fields in snake_case (properties flattened to the top level,
secrets removed, map keys such as database names and tag names kept as they are) plus a
normalised 'status' summary from status_summary(). Both accept every shape the service sends:
missing substate, empty or absent dbDetails / validationDetails, unknown enum values.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import re

from ansible_collections.pgflex.migration.plugins.module_utils import copy_estimate, service_clocks, service_errors, states

# Keys whose values are maps keyed by user data (names), whose keys must not be renamed.
OPAQUE_MAP_KEYS = frozenset(['tags', 'dbDetails'])
SECRET_KEYS = frozenset(['secretParameters', 'adminCredentials', 'sourceServerPassword', 'targetServerPassword'])

_FIRST_CAP = re.compile(r'(.)([A-Z][a-z]+)')
_ALL_CAP = re.compile(r'([a-z0-9])([A-Z])')


def snake_case(name):
    """camelCase -> snake_case (sourceDbServerResourceId -> source_db_server_resource_id)."""
    return _ALL_CAP.sub(r'\1_\2', _FIRST_CAP.sub(r'\1_\2', name)).lower()


def _is_secret_key(key):
    lowered = key.lower()
    return key in SECRET_KEYS or 'password' in lowered or lowered.endswith('secret')


def snake_dict(value):
    """Recursively snake_case dict keys, dropping secrets and keeping opaque map keys."""
    if isinstance(value, list):
        return [snake_dict(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if _is_secret_key(key):
            continue
        if key in OPAQUE_MAP_KEYS and isinstance(item, dict):
            result[snake_case(key)] = dict((name, snake_dict(entry)) for name, entry in item.items())
        else:
            result[snake_case(key)] = snake_dict(item)
    return result


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


# ---- reading the status of a migration (REST JSON) -------------------------------------------------

def _status(migration):
    return _dict(_dict(_dict(migration).get('properties')).get('currentStatus'))


def state_of(migration):
    return _status(migration).get('state') or ''


def substate_of(migration):
    return _dict(_status(migration).get('currentSubStateDetails')).get('currentSubState') or ''


def db_details(migration):
    return _dict(_dict(_status(migration).get('currentSubStateDetails')).get('dbDetails'))


def db_state(migration, database):
    """migrationState of one database, lower-cased; '' when the service reports none."""
    return str(_dict(db_details(migration).get(database)).get('migrationState', '')).lower()


def db_entry(migration, database):
    """The states table's entry of one database's state."""
    return states.database_state(db_state(migration, database))


def databases_waiting_for_cutover(migration):
    return [db for db in db_details(migration) if db_entry(migration, db).phase == states.WAITING_FOR_CUTOVER]


def validation_status(migration):
    return _dict(_dict(_status(migration).get('currentSubStateDetails')).get('validationDetails')).get('status') or ''


def is_terminal(migration):
    return states.is_terminal(state_of(migration))


def _flag_set(migration, key):
    return str(_dict(_dict(migration).get('properties')).get(key, '')).lower() == 'true'


def _answered(migration, entry):
    """Whether the property that answers the substate's question is set (the state may lag a poll behind)."""
    if not entry.answered_by:
        return False
    if entry.answered_by == 'dbsToMigrate':
        return bool(_dict(_dict(migration).get('properties')).get('dbsToMigrate'))
    return _flag_set(migration, entry.answered_by)


def _waiting_for_cutover(migration, released):
    """Whether some database still waits for a cutover nobody asked for.

    ``released``: databases this task just cut over (the service may take a poll to show it).
    """
    properties = _dict(_dict(migration).get('properties'))
    if _flag_set(migration, 'triggerCutover') and not properties.get('dbsToTriggerCutoverOn'):
        return False
    chosen = set(properties.get('dbsToTriggerCutoverOn') or []) | set(released or [])
    waiting = databases_waiting_for_cutover(migration)
    if not waiting:
        return not chosen
    return any(db not in chosen for db in waiting)


def awaiting_user(migration, released=()):
    """True when the migration waits on a question nobody has answered yet (it will not move by itself)."""
    entry = states.substate(substate_of(migration))
    if entry.answer_option == 'cutover':
        return _waiting_for_cutover(migration, released)
    if not states.state(state_of(migration)).waits_for_user:
        return False
    return not _answered(migration, entry)


def _sum(*numbers):
    known = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
    return sum(known) if known else None


def database_progress(name, details):
    """One database's progress from a dbDetails entry."""
    details = _dict(details)
    queued = details.get('fullLoadQueuedTables')
    loading = details.get('fullLoadLoadingTables')
    completed = details.get('fullLoadCompletedTables')
    errored = details.get('fullLoadErroredTables')
    return {
        'name': details.get('databaseName') or name,
        'state': details.get('migrationState'),
        'operation': details.get('migrationOperation'),
        'started_on': details.get('startedOn'),
        'ended_on': details.get('endedOn'),
        'tables_total': _sum(queued, loading, completed, errored),
        'tables_completed': completed,
        'tables_loading': loading,
        'tables_queued': queued,
        'tables_errored': errored,
        'cdc_inserts': details.get('cdcInsertCounter'),
        'cdc_updates': details.get('cdcUpdateCounter'),
        'cdc_deletes': details.get('cdcDeleteCounter'),
        'applied_changes': details.get('appliedChanges'),
        'incoming_changes': details.get('incomingChanges'),
        'latency': details.get('latency'),
        'message': details.get('message') or None,
    }


def _validation_item(level, database, summary):
    summary = _dict(summary)
    messages = [m.get('message') for m in _list(summary.get('messages')) if isinstance(m, dict) and m.get('message')]
    return {
        'level': level,
        'database': database,
        'type': summary.get('type'),
        'state': summary.get('state'),
        'messages': messages,
    }


def validation_items(details):
    """Server-level then database-level checks as one flat list."""
    items = [_validation_item('server', None, s) for s in _list(details.get('serverLevelValidationDetails'))]
    for db in _list(details.get('dbLevelValidationDetails')):
        db = _dict(db)
        items.extend(_validation_item('database', db.get('databaseName'), s) for s in _list(db.get('summary')))
    return items


def _problem_text(item):
    where = 'server' if item['level'] == 'server' else "database '%s'" % item['database']
    text = '%s: %s %s' % (where, item['type'] or 'check', item['state'])
    if item['messages']:
        text += ': ' + ' '.join(item['messages'])
    return text


def _verdict(status, items, in_progress):
    if states.validation_finished(status):
        return states.validation_verdict(status)
    verdicts = set(states.validation_verdict(item['state']) for item in items)
    if states.FAILED in verdicts:
        return states.FAILED
    if in_progress or not items:
        return states.IN_PROGRESS
    return states.WARNING if states.WARNING in verdicts else states.SUCCEEDED


def is_problem(check):
    """A validation check (validation_items) that failed or warned."""
    return states.validation_verdict(check['state']) in (states.FAILED, states.WARNING)


def validation_summary(details, substate):
    """Validation flattened into readable checks plus an overall verdict.

    verdict: succeeded | warning | failed | in_progress | not_run.
    """
    in_progress = states.substate(substate).phase == states.VALIDATING
    if not isinstance(details, dict) or not details:
        return {'verdict': states.IN_PROGRESS if in_progress else states.NOT_RUN, 'status': None, 'started_on': None,
                'ended_on': None, 'checks': [], 'problems': []}
    items = validation_items(details)
    problems = [_problem_text(item) for item in items if is_problem(item)]
    return {
        'verdict': _verdict(details.get('status'), items, in_progress),
        'status': details.get('status'),
        'started_on': details.get('validationStartTimeInUtc'),
        'ended_on': details.get('validationEndTimeInUtc'),
        'checks': items,
        'problems': problems,
    }


def validation_lines(checks):
    """One line per check, as a person reads them: [state] where: check: messages."""
    lines = []
    for item in checks:
        where = 'server' if item['level'] == 'server' else 'database %s' % item['database']
        text = ' | '.join(item['messages'])
        lines.append('[%s] %s: %s%s' % (item['state'], where, item['type'] or 'check', ': ' + text if text else ''))
    return lines


def failure_reason(state_entry, error, validation, databases):
    """Why a migration that ended without success did, in one sentence: the service's words (its error, the
    validation's problems, each database's message; else the state's own meaning), then what the service error
    codes in them mean and how to fix them. None while the migration goes on or when it succeeded."""
    if not state_entry.terminal or state_entry.outcome == states.SUCCEEDED:
        return None
    messages = ["database '%s': %s" % (db['name'], db['message']) for db in databases if db['message']]
    said = [str(text).strip().rstrip('.') for text in [error] + validation['problems'] + messages if text]
    codes = service_errors.explain(error, *(validation['problems'] + messages))
    return ' '.join(text for text in ('; '.join(said or [state_entry.meaning.rstrip('.')]) + '.', codes) if text)


def status_summary(migration):
    """The normalised status of a migration (REST JSON)."""
    status = _status(migration)
    sub = _dict(status.get('currentSubStateDetails'))
    state = status.get('state')
    substate = sub.get('currentSubState')
    state_entry, substate_entry = states.state(state), states.substate(substate)
    databases = [database_progress(name, details) for name, details in sorted(_dict(sub.get('dbDetails')).items())]
    needs_user = awaiting_user(migration)
    validation = validation_summary(sub.get('validationDetails'), substate)
    return {
        'state': state,
        'substate': substate,
        'meaning': ' '.join(text for text in (state_entry.meaning, substate_entry.meaning) if text) or None,
        'terminal': state_entry.terminal,
        'outcome': state_entry.outcome,
        'needs_user_action': needs_user,
        'question': substate_entry.meaning if needs_user else None,
        'answer_option': substate_entry.answer_option if needs_user else None,
        'hint': substate_entry.hint if needs_user else None,
        'error': status.get('error') or None,
        'databases': databases,
        'validation': validation,
        'failure_reason': failure_reason(state_entry, status.get('error') or None, validation, databases),
        'validation_lines': validation_lines(validation['checks']),
        # As of this read: the time left before the service ends the migration, and the estimated time its copy needs.
        'service_clock': service_clocks.clock(migration),
        'copy_time_left': copy_estimate.seconds_left(databases),
    }


def migration_result(migration):
    """Return value of one migration: snake_case REST fields, properties flattened, plus 'status'."""
    migration = _dict(migration)
    result = snake_dict(dict((k, v) for k, v in migration.items() if k != 'properties'))
    # The service never echoes secretParameters; dropped here too, so no answer can carry a secret into a result.
    result.update(snake_dict(dict((k, v) for k, v in _dict(migration.get('properties')).items() if k != 'secretParameters')))
    result['status'] = status_summary(migration)
    return result
