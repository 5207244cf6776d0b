"""A real PostgreSQL cluster dressed as a Single Server: TLS with a certificate for the server's Azure FQDN, and the
Single Server login form 'user@servername' (a role of that literal name, since the gateway that strips the suffix on
Azure does not exist here)."""

from psycopg import sql

from .config import SingleServerConfig


def fqdn(name):
    return SingleServerConfig({'name': name, 'port': 0}).fqdn


def certificate(authority, directory, name):
    """(cert, key) files for the Single Server `name`, valid for its FQDN and 127.0.0.1."""
    return authority.write_leaf(directory, 'single-server-tls', hostnames=(fqdn(name), 'localhost'), addresses=('127.0.0.1',))


def create_admin_login(cluster, name, admin_user):
    """Create the administrator login 'admin_user@name' (password: the cluster's) and return it."""
    login = SingleServerConfig({'name': name, 'port': 0}).login(admin_user)
    cluster.psql(sql.SQL("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN "
                         'CREATE ROLE {ident} LOGIN SUPERUSER REPLICATION PASSWORD {password}; END IF; END $$').format(
        name=sql.Literal(login), ident=sql.Identifier(login), password=sql.Literal(cluster.password)).as_string(None))
    return login


def config_entry(cluster, name, admin_user, resource_group, location='eastus'):
    """The emulator's 'single_servers' entry for a cluster prepared with certificate() and create_admin_login()."""
    return {'name': name, 'resource_group': resource_group, 'host': cluster.host, 'port': cluster.port, 'admin_user': admin_user,
            'version': str(cluster.major), 'location': location}
