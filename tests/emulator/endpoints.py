"""Where a migration's source and target really are, and how to reach them (psycopg kwargs, libpq env)."""

import os
import re

from .bodies import parse_source_id

SINGLE_SERVER_ID = re.compile(r'^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.DBforPostgreSQL/'
                              r'servers/(?P<name>[^/]+)/?$', re.IGNORECASE)

SSL_MODES = {'Prefer': 'prefer', 'Require': 'require', 'VerifyCA': 'verify-ca', 'VerifyFull': 'verify-full'}


class Endpoint:
    def __init__(self, role, host, port, user, password, sslmode='prefer', sslrootcert=None, hostaddr=None):
        self.role = role
        self.hostaddr = hostaddr  # where `host` really is (a Single Server's FQDN is checked against its certificate)
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.sslmode = sslmode
        self.sslrootcert = sslrootcert

    @property
    def label(self):
        return '%s:%s' % (self.host, self.port)

    def kwargs(self, dbname='postgres'):
        args = {'host': self.host, 'port': self.port, 'user': self.user, 'password': self.password, 'dbname': dbname,
                'sslmode': self.sslmode, 'connect_timeout': 10, 'application_name': 'pgflex-emulator-migration'}
        if self.sslrootcert:
            args['sslrootcert'] = self.sslrootcert
        if self.hostaddr:
            args['hostaddr'] = self.hostaddr
        return args

    def env(self, dbname='postgres'):
        """Environment for pg_dump/pg_restore/psql; the password travels here, never on a command line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password or '', PGDATABASE=dbname,
                   PGSSLMODE=self.sslmode, PGCONNECT_TIMEOUT='10', PGAPPNAME='pgflex-emulator-migration')
        if self.sslrootcert:
            env['PGSSLROOTCERT'] = self.sslrootcert
        if self.hostaddr:
            env['PGHOSTADDR'] = self.hostaddr
        return env


def source_of(migration, config):
    """The source Endpoint, or (None, reason) when the source id cannot be resolved to a host."""
    props, secrets = migration.props, migration.secrets
    source_id = props.get('sourceDbServerResourceId', '')
    sslmode = SSL_MODES[props.get('sslMode', 'Prefer')]
    single = SINGLE_SERVER_ID.match(source_id)
    if single:
        server = config.single_server(single.group('rg'), single.group('name'), single.group('sub'))
        if server is None:
            return None, ("The source server '%s' could not be resolved: no Single Server with this resource ID exists in the "
                          'subscription.' % source_id)
        # The service reaches a Single Server by its FQDN and signs in with the Single Server login form.
        return Endpoint('source', server.fqdn, server.port, server.login(secrets.get('sourceServerUsername') or server.admin_user),
                        secrets.get('sourceServerPassword'), sslmode, config.source_ca_file, hostaddr=server.host), None
    parsed = parse_source_id(source_id)
    if parsed is None:
        return None, ("The source server '%s' could not be resolved; give 'host:port@user' or the resource ID of a Single "
                      'Server.' % source_id)
    host, port, user = parsed
    host = props.get('sourceDbServerFullyQualifiedDomainName') or host
    user = secrets.get('sourceServerUsername') or user
    return Endpoint('source', host, port, user, secrets.get('sourceServerPassword'), sslmode, config.source_ca_file), None


def target_of(migration):
    server = migration.server
    host = server.host
    return Endpoint('target', host, server.port, migration.secrets.get('targetServerUsername') or server.admin_user,
                    migration.secrets.get('targetServerPassword'), 'prefer')
