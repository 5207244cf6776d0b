# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one stand-in for MigrationClient in the unit tests of the modules.

It stores migrations (of one server, or per server), plays a script of statuses on each GET and records every call
as (verb, name or server, ...). Integration tests talk to the emulator instead.
"""
from __future__ import annotations

import copy

from ansible_collections.pgflex.migration.plugins.module_utils import states

MUTATING = ('create', 'update', 'cancel')


def status(state, substate=None, dbs=None, validation=None):
    """A currentStatus object."""
    details = {}
    if substate:
        details['currentSubState'] = substate
    if dbs is not None:
        details['dbDetails'] = dbs
    if validation is not None:
        details['validationDetails'] = validation
    return {'state': state, 'error': '', 'currentSubStateDetails': details}


class FakeService(object):
    """Stand-in for MigrationClient.

    ``migrations``: of the one server the module works on; ``per_server``: {server: [migration]} for modules that read
    several servers. ``script``: statuses applied to the named migration on each GET. ``fail_get``: errors the next
    GETs raise, one each; ``error``: raised by every read; ``server_error``: raised when the server is read.
    """

    def __init__(self, migrations=None, script=None, server_location='Canada Central', fail_get=None, name_check=None,
                 per_server=None, error=None, server_error=None, subscription_id='sub'):
        self.subscription_id = subscription_id
        self.migrations = dict((m['name'], copy.deepcopy(m)) for m in (migrations or []))
        self.per_server = per_server
        self.name_check = name_check  # the service's checkNameAvailability answer; None: every name is available
        self.script = list(script or [])
        self.server_location = server_location
        self.fail_get = list(fail_get or [])
        self.error = error
        self.server_error = server_error
        self.calls = []
        self.deadline = None
        self.budget_option = None

    def set_budget(self, deadline, option):
        self.deadline, self.budget_option = deadline, option

    def mutating_calls(self):
        return [c for c in self.calls if c[0] in MUTATING]

    def _read(self):
        if self.error:
            raise self.error
        if self.fail_get:
            raise self.fail_get.pop(0)

    def get(self, rg, server, name):
        self.calls.append(('get', name))
        self._read()
        migration = self.migrations.get(name)
        if migration is not None and self.script:
            migration['properties']['currentStatus'] = self.script.pop(0)
        return copy.deepcopy(migration)

    def list(self, rg, server, list_filter='All'):
        self.calls.append(('list', server, list_filter))
        if self.error:
            raise self.error
        found = list(self.migrations.values()) if self.per_server is None else self.per_server.get(server, [])
        if list_filter.lower() == 'active':
            found = [m for m in found if not states.is_terminal(m['properties']['currentStatus']['state'])]
        return copy.deepcopy(found)

    def check_name(self, rg, server, name):
        self.calls.append(('check_name', name))
        return dict(self.name_check or {'nameAvailable': True}, name=name)

    def get_server(self, rg, server):
        self.calls.append(('get_server', server))
        if self.server_error:
            raise self.server_error
        return {'name': server, 'location': self.server_location}

    def create(self, rg, server, name, body):
        self.calls.append(('create', name, copy.deepcopy(body)))
        stored = copy.deepcopy(body)
        stored['name'] = name
        stored['location'] = 'Canada Central'
        props = stored['properties']
        del props['secretParameters']
        props.setdefault('migrateRoles', 'False')
        props.setdefault('triggerCutover', 'True' if props['migrationMode'] == 'Offline' else 'False')
        props['currentStatus'] = {'state': 'InProgress'}
        self.migrations[name] = stored
        return copy.deepcopy(stored)

    def update(self, rg, server, name, body):
        self.calls.append(('update', name, copy.deepcopy(body)))
        self.migrations[name]['properties'].update(body.get('properties', {}))
        if 'tags' in body:
            self.migrations[name]['tags'] = body['tags']
        return copy.deepcopy(self.migrations[name])

    def cancel(self, rg, server, name):
        self.calls.append(('cancel', name))
        self.migrations[name]['properties']['currentStatus'] = status('InProgress', 'CancelingRequestedDBMigrations')
        return None
