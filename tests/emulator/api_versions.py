"""The published api-versions of Microsoft.DBforPostgreSQL flexibleServers/migrations and how they differ.

Sources: azure-rest-api-specs (specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL, stable/ and
preview/ folders, e.g. PostgreSQL/preview/2024-11-01-preview/Migrations.json: DELETE = Migrations_Delete;
PostgreSQL/preview/2025-06-01-preview/Migrations.json: DELETE = Migrations_Cancel), the ARM template reference
(2022-05-01-preview's boolean flags and dBs... casing), the az CLI (2026-04-01-preview, the default of
azure-mgmt-postgresqlflexibleservers 3.0.0b2) and recorded traffic (2025-08-01, 2026-07-01-preview). Private previews
(2020-02-14-privatepreview, 2021-06-15-privatepreview, 2022-05-01-privatepreview) are not public and are refused.
"""


class ApiVersion:
    def __init__(self, name, delete_deletes, legacy_shape=False):
        self.name = name
        # DELETE hides the migration (Migrations_Delete) instead of cancelling it (Migrations_Cancel, 2025-06-01-preview+).
        self.delete_deletes = delete_deletes
        # PATCH secretParameters reuse the create model then: adminCredentials with both passwords.
        self.patch_needs_both_passwords = delete_deletes
        # 2022-05-01-preview: JSON booleans and dBsToMigrate-style casing in requests (answers keep today's shape).
        self.legacy_shape = legacy_shape


VERSIONS = {v.name: v for v in (
    ApiVersion('2022-05-01-preview', True, legacy_shape=True),
    ApiVersion('2023-03-01-preview', True),
    ApiVersion('2023-06-01-preview', True),
    ApiVersion('2023-12-01-preview', True),
    ApiVersion('2024-03-01-preview', True),
    ApiVersion('2024-08-01', True),
    ApiVersion('2024-11-01-preview', True),
    ApiVersion('2025-01-01-preview', True),
    ApiVersion('2025-06-01-preview', False),
    ApiVersion('2025-08-01', False),
    ApiVersion('2026-01-01-preview', False),
    ApiVersion('2026-04-01-preview', False),
    ApiVersion('2026-07-01-preview', False),
    ApiVersion('2026-10-01', False),
)}

# flexibleServers (the server GET) exists in more versions than its migrations child.
SERVER_ONLY_VERSIONS = ('2020-02-14-preview', '2021-06-01-preview', '2021-06-01', '2022-01-20-preview', '2022-03-08-preview',
                        '2022-12-01')

# 2022-05-01-preview spellings -> today's (the typo dBsToTiggerCutoverOn is the spec's own).
LEGACY_NAMES = {'dbstomigrate': 'dbsToMigrate', 'dbstocancelmigrationon': 'dbsToCancelMigrationOn',
                'dbstotiggercutoveron': 'dbsToTriggerCutoverOn', 'dbstotriggercutoveron': 'dbsToTriggerCutoverOn',
                'overwritedbsintarget': 'overwriteDbsInTarget',
                'setuplogicalreplicationonsourcedbifneeded': 'setupLogicalReplicationOnSourceDbIfNeeded',
                'sourcedbserverfullyqualifieddomainname': 'sourceDbServerFullyQualifiedDomainName',
                'sourcedbserverresourceid': 'sourceDbServerResourceId',
                'targetdbserverfullyqualifieddomainname': 'targetDbServerFullyQualifiedDomainName'}


def lookup(name, extra=()):
    """The ApiVersion, or None when the version does not exist. Configured extra versions behave like 2025-08-01."""
    if name in VERSIONS:
        return VERSIONS[name]
    if name in extra:
        return ApiVersion(name, False)
    return None


def modernize_properties(props):
    """A 2022-05-01-preview properties object in today's spelling: renamed keys, booleans as "True"/"False"."""
    out = {}
    for key, value in props.items():
        key = LEGACY_NAMES.get(key.lower(), key)
        out[key] = ('True' if value else 'False') if isinstance(value, bool) else value
    return out
