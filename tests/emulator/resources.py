"""Migration records and their REST rendering. Secrets live in `secrets` and are never rendered."""

import datetime
import threading
import uuid

from .config import display_location

PROVIDER = 'Microsoft.DBforPostgreSQL'
MIGRATION_TYPE = PROVIDER + '/flexibleServers/migrations'
TERMINAL_STATES = ('Succeeded', 'Failed', 'Canceled', 'ValidationFailed')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%07dZ' % (moment.microsecond * 10)


def server_id(subscription, resource_group, server):
    return '/subscriptions/%s/resourceGroups/%s/providers/%s/flexibleServers/%s' % (subscription, resource_group, PROVIDER, server)


class Migration:
    """One migration resource. Mutated by the engine and the API under `lock`."""

    def __init__(self, subscription, resource_group, server, name, location, tags, props, secrets, caller):
        self.lock = threading.RLock()
        self.subscription = subscription
        self.resource_group = resource_group
        self.server = server  # ServerConfig
        self.name = name
        self.migration_id = str(uuid.uuid4())
        self.location_sent = location
        self.tags = tags
        self.props = props
        self.secrets = secrets
        now = utcnow()
        self.created_at = now
        self.modified_at = now
        self.created_by = caller
        self.modified_by = caller
        mode = props.setdefault('migrationMode', 'Offline')
        source_type = props.setdefault('sourceType', 'PostgreSQLSingleServer' if props['sourceDbServerResourceId'].startswith('/')
                                       else 'OnPremises')
        props.setdefault('sslMode', 'VerifyFull' if source_type == 'PostgreSQLSingleServer' else 'Prefer')
        self.sent = set(props)  # what the create named: the PUT answer echoes migrateRoles/startDataMigration only then
        for flag in ('setupLogicalReplicationOnSourceDbIfNeeded', 'overwriteDbsInTarget', 'migrateRoles'):
            props.setdefault(flag, 'False')
        # The service fills triggerCutover "True" on offline migrations (real traffic), "False" on online ones.
        props['triggerCutover'] = 'True' if mode == 'Offline' else props.get('triggerCutover', 'False')
        props.setdefault('migrationWindowStartTimeInUtc', iso(now))
        self.state = 'InProgress'
        self.substate = 'PerformingPreRequisiteSteps'  # recorded for Validate and ValidateAndMigrate alike
        self.error = ''
        self.db_details = {}
        self.validation_details = None
        self.source_metadata = None
        self.window_end = None
        self.cancel_requested = False      # whole migration
        self.cancel_dbs = set()            # per database
        self.cutover_dbs = set()           # databases released for cutover (online)
        self.cutover_all = False
        self.resync_requested = False
        self.deleted = False
        self.failed_early = False          # failed in its prerequisite steps: no target metadata (as recorded)
        self.credentials_version = 0       # raised by each PATCH of secretParameters (engine.Runner.use_credentials)

    @property
    def option(self):
        return self.props.get('migrationOption', 'Migrate')

    @property
    def validates(self):
        return self.option in ('Validate', 'ValidateAndMigrate')

    @property
    def migrates(self):
        return self.option in ('Migrate', 'ValidateAndMigrate')

    @property
    def terminal(self):
        return self.state in TERMINAL_STATES

    @property
    def dbs(self):
        return list(self.props.get('dbsToMigrate') or [])

    def resource_id(self):
        return server_id(self.subscription, self.resource_group, self.server.name) + '/migrations/' + self.name

    def touch(self, caller=None):
        self.modified_at = utcnow()
        if caller:
            self.modified_by = caller

    def finish(self, state, error=''):
        self.state = state
        self.substate = 'Completed'
        self.error = error
        self.window_end = utcnow()
        self.touch()

    def target_metadata(self):
        server = self.server
        return {'location': display_location(server.location), 'version': server.version, 'storageMb': server.storage_mb,
                'sku': dict(server.sku)}

    def render(self, created=False):
        """The Migration resource as the service returns it (recorded shapes, tests/emulator/recordings/): no systemData;
        `created` (the PUT answer): no sub-state, no metadata, migrateRoles/startDataMigration only when sent. GET:
        currentStatus.error only once there is one, migrateRoles always, startDataMigration only once set."""
        with self.lock:
            props = {'migrationId': self.migration_id}
            status = {'state': self.state}
            if self.error and not created:
                status['error'] = self.error
            if not created:
                details = {'currentSubState': self.substate, 'dbDetails': {k: dict(v) for k, v in self.db_details.items()}}
                if self.validation_details is not None:
                    details['validationDetails'] = self.validation_details
                status['currentSubStateDetails'] = details
            props['currentStatus'] = status
            props.update(self.props)
            for transient in ('cancel', 'dbsToCancelMigrationOn', 'dbsToTriggerCutoverOn'):
                props.pop(transient, None)
            if created:
                for echoed_when_sent in ('migrateRoles', 'startDataMigration'):
                    if echoed_when_sent not in self.sent:
                        props.pop(echoed_when_sent, None)
            props['targetDbServerResourceId'] = server_id(self.subscription, self.resource_group, self.server.name)
            if not created:
                if not self.failed_early:
                    props['targetDbServerMetadata'] = self.target_metadata()
                if self.source_metadata:
                    props['sourceDbServerMetadata'] = dict(self.source_metadata)
                if self.window_end:
                    props['migrationWindowEndTimeInUtc'] = iso(self.window_end)
            body = {
                'id': self.resource_id(), 'name': self.name, 'type': MIGRATION_TYPE,
                'location': self.location_sent if created else display_location(self.server.location),
                'properties': props,
            }
            if self.tags is not None:
                body['tags'] = dict(self.tags)
            return body


class Store:
    """All migrations of the emulator, keyed by (subscription, resource group, server, name), in creation order."""

    def __init__(self):
        self.lock = threading.RLock()
        self._items = {}

    @staticmethod
    def key(subscription, resource_group, server, name):
        return (subscription.lower(), resource_group.lower(), server, name)

    def get(self, subscription, resource_group, server, name):
        with self.lock:
            item = self._items.get(self.key(subscription, resource_group, server, name))
            return None if item is None or item.deleted else item

    def exists(self, subscription, resource_group, server, name):
        """True when the name was ever used on the server (names are never reusable, even after a delete)."""
        with self.lock:
            return self.key(subscription, resource_group, server, name) in self._items

    def add(self, migration):
        with self.lock:
            self._items[self.key(migration.subscription, migration.resource_group, migration.server.name, migration.name)] = migration

    def on_server(self, subscription, resource_group, server):
        with self.lock:
            wanted = (subscription.lower(), resource_group.lower(), server)
            return [m for key, m in self._items.items() if key[:3] == wanted and not m.deleted]

    def all(self):
        with self.lock:
            return list(self._items.values())
