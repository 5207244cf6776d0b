"""Where a migration's source and target really are, and how to reach them (psycopg kwargs, libpq env)."""

import os

from .bodies import parse_source_id

SSL_MODES = {'Prefer': 'prefer', 'Require': 'require', 'VerifyCA': 'verify-ca', 'VerifyFull': 'verify-full'}


class Endpoint:
    def __init__(self, role, host, port, user, password, sslmode='prefer', sslrootcert=None):
        self.role = role
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
        return args

    def env(self, dbname='postgres'):
        """Environment for pg_dump/pg_restore/psql; the password travels here, never on a command line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password or '', PGDATABASE=dbname,
                   PGSSLMODE=self.sslmode, PGCONNECT_TIMEOUT='10', PGAPPNAME='pgflex-emulator-migration')
        if self.sslrootcert:
            env['PGSSLROOTCERT'] = self.sslrootcert
        return env


def source_of(migration, source_ca_file):
    """The source Endpoint, or (None, reason) when the source id cannot be resolved to a host."""
    props, secrets = migration.props, migration.secrets
    parsed = parse_source_id(props.get('sourceDbServerResourceId', ''))
    if parsed is None:
        return None, ("The source server '%s' could not be resolved; only 'host:port@user' sources are reachable from this "
                      'service.' % props.get('sourceDbServerResourceId'))
    host, port, user = parsed
    host = props.get('sourceDbServerFullyQualifiedDomainName') or host
    user = secrets.get('sourceServerUsername') or user
    return Endpoint('source', host, port, user, secrets.get('sourceServerPassword'), SSL_MODES[props.get('sslMode', 'Prefer')],
                    source_ca_file), None


def target_of(migration):
    server = migration.server
    host = server.host
    return Endpoint('target', host, server.port, migration.secrets.get('targetServerUsername') or server.admin_user,
                    migration.secrets.get('targetServerPassword'), 'prefer')
