"""Every error code the emulated service puts in `currentStatus.error` (and per-database `message`), in one place.

The shape is Azure's "CODE: message" (recorded: "DB002: Migration failed. Please reference MigrationId ..., when
contacting Microsoft customer support."). The 6030xx-6037xx codes and their wording come from Microsoft's catalogue
"Known errors in the migration service for Azure Database for PostgreSQL" (learn.microsoft.com, azure-databases-docs
articles/postgresql/migrate/migration-service/troubleshoot-error-codes.md); DB002 is the code seen in recorded traffic.
"""

# code -> (the catalogue's lead sentence, the case the emulator uses it for)
CODES = {
    'DB002': ('Migration failed.', 'a failure without a more specific code: pg_dump/pg_restore errors, several failed '
                                   'databases, an internal error, a migration that timed out (service_clock.py: the '
                                   '7-day lifetime or the 72-hour cutover window)'),
    '603000': ('Connection failed.', 'the source or target cannot be reached or resolved'),
    '603001': ('SSL Configuration Error.', 'the server does not accept the requested sslMode'),
    '603100': ('Authentication failed.', 'wrong password or unknown user'),
    '603102': ('Source Database Missing.', 'a database in dbsToMigrate does not exist on the source'),
    '603107': ('GUC Settings Error.', "wal_level is not 'logical' for an online migration and cannot be set"),
    '603108': ('Extensions allowlist required.', "an extension is not on the target's azure.extensions allow-list"),
    '603701': ('Internal server error. Failed to create roles on the target server.', 'migrateRoles failed'),
    # Not in the catalogue's wording for this case: the catalogue has no code for "another migration is active";
    # 603709 ("Migration setup failed.") is the closest documented one (docs/service-assumptions.md, entry 2).
    '603709': ('Migration setup failed.', 'another migration or validation is active on the target server '
                                          '(setting concurrent_migration: fail)'),
}


def error_text(code, detail, migration_id=None):
    """'CODE: <lead sentence> <detail>' (DB002 adds the support sentence with the migration id, as recorded)."""
    lead = CODES[code][0]
    text = '%s: %s %s' % (code, lead, detail) if detail else '%s: %s' % (code, lead)
    if code == 'DB002' and migration_id:
        text += ' Please reference MigrationId %s, when contacting Microsoft customer support.' % migration_id
    return text


def connection_code(exc_text):
    """The catalogue code of a failed connection: authentication, SSL, or plain connectivity."""
    lowered = (exc_text or '').lower()
    if 'password authentication failed' in lowered or 'no password supplied' in lowered \
            or ('role "' in lowered and 'does not exist' in lowered):
        return '603100'
    if 'ssl' in lowered and ('not support' in lowered or 'server does not support' in lowered):
        return '603001'
    return '603000'
