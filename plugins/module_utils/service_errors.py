# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration service's documented error codes: code -> what it means -> what to do.

Facts from Microsoft's catalogue "Known errors in the migration service for Azure Database for
PostgreSQL" (CATALOGUE_URL), in our own words. Failure messages of the modules name the code and
the fix when the service's text carries a code; docs/error-codes.md is rendered from this table by
scripts/render_docs.py (a unit test keeps the two equal).

Pure Python, no Ansible imports. Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import re
from collections import namedtuple

CATALOGUE_URL = 'https://learn.microsoft.com/azure/postgresql/migrate/migration-service/troubleshoot-error-codes'
NETWORK_GUIDE = 'https://learn.microsoft.com/azure/postgresql/migrate/migration-service/how-to-network-setup-migration-service'
EXTENSIONS_GUIDE = 'https://aka.ms/allowlist-extensions'
SUPPORT = 'open a Microsoft support request with the migration ID'

ServiceError = namedtuple('ServiceError', ['code', 'meaning', 'fix'])

SERVICE_ERRORS = (
    # Connections and sign-in
    ServiceError('603000', 'The service could not connect to a server of the migration.',
                 'Make the source reachable from the target (or the migration runtime server): firewall, VNet, '
                 'private endpoint, DNS; see %s.' % NETWORK_GUIDE),
    ServiceError('603001', 'The server does not accept TLS connections.',
                 'Check the server\'s TLS settings, or set ssl_mode: prefer and run the migration again; see %s.'
                 % NETWORK_GUIDE),
    ServiceError('603100', 'The password for a server of the migration is wrong.',
                 'Give the right source_password / target_password and run the migration again.'),
    # Databases, roles and privileges
    ServiceError('603101', 'A database of the migration already exists on the target server.',
                 'Drop it on the target, or allow overwriting (overwrite_databases: true), then run the migration again.'),
    ServiceError('603102', 'A database of the migration does not exist on the source server.',
                 'Fix the names in databases and run the migration again.'),
    ServiceError('603103', 'A Microsoft Entra role the migration needs is missing on the target server.',
                 'Create the Entra role on the target and run the migration again.'),
    ServiceError('603104', 'The migration user lacks the REPLICATION attribute on a server.',
                 'Run ALTER ROLE <user> WITH REPLICATION; on that server, then run the migration again.'),
    ServiceError('603105', 'The source has too few free replication slots for an online migration.',
                 'Drop inactive logical slots (pg_replication_slots, pg_drop_replication_slot) or raise '
                 'max_replication_slots to the value the message names; keep max_wal_senders at least as high.'),
    ServiceError('603106', 'max_wal_senders on the source is lower than max_replication_slots.',
                 'Raise max_wal_senders to at least max_replication_slots on the source.'),
    ServiceError('603107', 'wal_level on the source is not logical.',
                 'Set wal_level = logical on the source (a restart), or let the service do it with '
                 'setup_logical_replication: true.'),
    ServiceError('603108', 'Extensions of the source are not allow-listed on the target server.',
                 'Add them to the target\'s azure.extensions server parameter (%s) and run the migration again.'
                 % EXTENSIONS_GUIDE),
    ServiceError('603109', 'Extensions of the source need shared_preload_libraries on the target server.',
                 'Add them to the target\'s shared_preload_libraries (a restart; %s) and run the migration again.'
                 % EXTENSIONS_GUIDE),
    ServiceError('603110', 'The migration user lacks the privileges it needs on the source databases.',
                 'Make the migration user the owner of the source databases, with read and write access, and run '
                 'the migration again.'),
    ServiceError('603111', 'The service could not end the open connections to a target database before migrating.',
                 'GRANT pg_signal_backend TO <migration user>; on the target, then run the migration again.'),
    ServiceError('603112', 'default_transaction_read_only could not be turned off.',
                 'Set default_transaction_read_only = off on the source (server parameter or ALTER SYSTEM) and run '
                 'the migration again.'),
    ServiceError('603113', 'A cutover was asked for a migration that already ended (Completed, Failed or Canceled).',
                 'Nothing to cut over: read the migration\'s state (pg_flexible_migration_info).'),
    ServiceError('603114', 'A cutover was asked for an offline migration.',
                 'Offline migrations cut over by themselves; leave cutover out.'),
    ServiceError('603115', 'The migration user is not a member of azure_pg_admin on the target server.',
                 'GRANT azure_pg_admin TO <migration user>; on the target and run the migration again.'),
    ServiceError('603116', 'The migration user lacks CREATEROLE on the target server.',
                 'Run ALTER ROLE <user> WITH CREATEROLE; on the target and run the migration again.'),
    ServiceError('603117', 'The migration user may not drop a database on the target server.',
                 'Drop that database on the target yourself and run the migration again.'),
    # What the source holds
    ServiceError('603400', 'The source PostgreSQL version is older than the service supports.',
                 'Use another migration method (for example pg_dump / pg_restore) for this source.'),
    ServiceError('603401', 'A database\'s collation does not exist on the target server.',
                 'Use a collation the target has, or ask Microsoft support to add it.'),
    ServiceError('603402', 'A column\'s collation does not exist on the target server.',
                 'Ask Microsoft support to add the collation, or change the column\'s collation on the source.'),
    ServiceError('603403', 'The source database has user-defined collations, which cannot be migrated.',
                 'Drop them on the source and run the migration again.'),
    ServiceError('603404', 'Tables were created WITH OIDS, which PostgreSQL 12 and later do not support.',
                 'Run ALTER TABLE ... SET WITHOUT OIDS on the source and run the migration again.'),
    ServiceError('603405', 'The source uses extensions the service cannot migrate.',
                 'Drop those extensions on the source, or migrate those databases another way.'),
    ServiceError('603406', 'The target\'s PostGIS version cannot take the source\'s.',
                 'Choose a target version whose PostGIS is compatible with the source\'s.'),
    ServiceError('603407', 'Extensions live in a system schema on the source, which the target does not allow.',
                 'Drop them and create them again in a non-system schema on the source, then run the migration again.'),
    ServiceError('603408', 'The target\'s PostgreSQL version does not support some extensions of the source.',
                 'Migrate to an older target version, and upgrade once the extensions are supported.'),
    ServiceError('603409', 'The source database has user-defined casts, which cannot be migrated.',
                 'Drop the casts on the source (create them again on the target afterwards) and run the migration again.'),
    ServiceError('603410', 'Users were granted access to system tables (pg_authid, pg_shadow) that cannot be carried over.',
                 'Revoke those grants on the source and run the migration again.'),
    # Inside the service
    ServiceError('603700', 'The service could not end the open connections to a target database before or after migrating.',
                 'Close the sessions on the target database and run the migration again; if it persists, %s.' % SUPPORT),
    ServiceError('603701', 'The service could not create the roles on the target server.', SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603702', 'The service could not dump the roles of the source server.', SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603703', 'The service could not edit its dump of the global roles.', SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603704', 'The service could not make the source roles members of the target migration user.',
                 SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603705', 'The service could not restore the grants and revokes.', SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603706', 'The service could not clean up the target migration user.',
                 'Remove the roles the target migration user does not need and run the migration again; if it '
                 'persists, %s.' % SUPPORT),
    ServiceError('603707', 'The service could not grant azure_pg_admin to the source server\'s administrator.',
                 SUPPORT[0].upper() + SUPPORT[1:] + '.'),
    ServiceError('603708', 'The service could not make azure_pg_admin the owner of the public schema of a database.',
                 'Run ALTER SCHEMA public OWNER TO azure_pg_admin; in that database on the target and run the '
                 'migration again.'),
    ServiceError('603709', 'The migration could not be set up.', SUPPORT[0].upper() + SUPPORT[1:] + '.'),
)

_BY_CODE = dict((entry.code, entry) for entry in SERVICE_ERRORS)

# "603101: ...", "Error code: 603101", "(603101)" anywhere in the text; and the "DB002: ..." prefix seen in recorded
# currentStatus.error values (a code of letters and digits, then a colon, at the start).
_CATALOGUE_RE = re.compile(r'(?<!\d)(603\d{3})(?!\d)')
_PREFIX_RE = re.compile(r'^\s*([A-Z]{1,10}\d{2,6})\s*:')


def codes_in(text):
    """The service error codes ``text`` carries, in order, each once."""
    if not isinstance(text, str) or not text:
        return []
    found = []
    prefix = _PREFIX_RE.match(text)
    if prefix:
        found.append(prefix.group(1))
    found.extend(_CATALOGUE_RE.findall(text))
    return list(dict.fromkeys(found))


def lookup(code):
    """The catalogue entry of ``code``, or None."""
    return _BY_CODE.get(str(code))


def explain(*texts):
    """One sentence per code in ``texts``: the code, its meaning and the fix; '' when they carry none."""
    parts = []
    codes = [code for text in texts for code in codes_in(text)]
    for code in dict.fromkeys(codes):
        entry = lookup(code)
        if entry:
            parts.append('service error %s: %s Fix: %s' % (code, entry.meaning, entry.fix))
        else:
            parts.append('service error %s is not in Microsoft\'s error catalogue (%s); %s'
                         % (code, CATALOGUE_URL, SUPPORT))
    return ' '.join(parts)


# ---- documentation ---------------------------------------------------------------------------------

def _cell(text):
    return text.replace('|', '\\|').replace('<', '&lt;')


def doc_markdown():
    """docs/error-codes.md (scripts/render_docs.py writes it)."""
    lines = [
        '<!-- Written by scripts/render_docs.py from plugins/module_utils/service_errors.py; do not edit. -->',
        '# Migration service error codes',
        '',
        'The migration service names its errors with a code, for example `603101` at the start of a validation',
        'message or of `currentStatus.error`. When a task fails with a service text that carries a code,',
        '`pgflex.migration.pg_flexible_migration` adds the code, what it means and what to do, from the table',
        'below. The facts come from Microsoft\'s catalogue',
        '[Known errors in the migration service](%s); the wording is ours.' % CATALOGUE_URL,
        '',
        'Codes outside the catalogue (the service has been recorded failing with `DB002: Migration failed. Please',
        'reference MigrationId ...`) are named as such: %s.' % SUPPORT,
        '',
        '| Code | What it means | What to do |',
        '| --- | --- | --- |',
    ]
    lines.extend('| %s | %s | %s |' % (entry.code, _cell(entry.meaning), _cell(entry.fix)) for entry in SERVICE_ERRORS)
    return '\n'.join(lines) + '\n'
