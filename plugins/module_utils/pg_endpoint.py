# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where and how to connect to one PostgreSQL side (source or target): its options and its Endpoint.

Kept apart from verify.py, and free of psycopg, so that a module that only declares these options
(pg_flexible_migration, for its safe cutover) does not import psycopg in every run (about 0.1 s of CPU).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

# libpq spells the verify modes with a hyphen; the collection's options use underscores like
# the migration service's SslMode (VerifyCA, VerifyFull).
SSL_MODES = ('disable', 'allow', 'prefer', 'require', 'verify_ca', 'verify_full')
SSL_MODE_OPTION = dict(type='str', choices=list(SSL_MODES), default='prefer')
# How long each PostgreSQL connection may take to open; documented with the target side (target_connection fragment).
CONNECT_TIMEOUT_SPEC = {'connect_timeout': dict(type='int', default=10)}


def connection_spec(side, required=True):
    """The argument spec of one side's PostgreSQL connection (source_host, source_port, ...), user included.

    required: whether host and user must be given (a side the module may do without). The source side's
    documentation is the pgflex.migration.source_connection fragment.
    """
    return {
        '%s_host' % side: dict(type='str', required=required),
        '%s_port' % side: dict(type='int', default=5432),
        '%s_username' % side: dict(type='str', required=required),
        '%s_password' % side: dict(type='str', no_log=True),
        '%s_ssl_mode' % side: dict(SSL_MODE_OPTION),
        '%s_ssl_root_cert' % side: dict(type='path'),
    }


def endpoint_from_params(params, side, host=None):
    """The Endpoint of one side from the options connection_spec(side) declares (host: instead of <side>_host)."""
    return Endpoint(side, host if host is not None else params['%s_host' % side], port=params['%s_port' % side],
                    user=params['%s_username' % side], password=params['%s_password' % side],
                    ssl_mode=params['%s_ssl_mode' % side], ssl_root_cert=params['%s_ssl_root_cert' % side],
                    connect_timeout=params['connect_timeout'])


class Endpoint(object):
    """Where and how to connect to one side (source or target)."""

    def __init__(self, role, host, port=5432, user=None, password=None, ssl_mode='prefer',
                 ssl_root_cert=None, connect_timeout=10):
        self.role = role
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.ssl_mode = ssl_mode
        self.ssl_root_cert = ssl_root_cert
        self.connect_timeout = connect_timeout

    def connect_kwargs(self, dbname):
        kwargs = {
            'host': self.host,
            'port': self.port,
            'dbname': dbname,
            'sslmode': (self.ssl_mode or 'prefer').replace('_', '-'),
            'connect_timeout': self.connect_timeout,
            'application_name': 'pgflex.migration verify',
        }
        given = (('user', self.user), ('password', self.password), ('sslrootcert', self.ssl_root_cert))
        kwargs.update((key, value) for key, value in given if value)  # left out, libpq's defaults apply
        return kwargs

    def scrub(self, text):
        """The text with this endpoint's password masked, whatever produced it."""
        text = str(text)
        if self.password:
            text = text.replace(self.password, '********')
        return text
