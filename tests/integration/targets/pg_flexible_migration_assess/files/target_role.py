"""Create (or drop) a plain login role on the sandbox's target cluster: a user without azure_pg_admin, CREATEROLE or
CREATEDB. Usage: target_role.py create|drop NAME; connection settings and both passwords come from the environment."""

import os
import sys

import psycopg
from psycopg import sql


def main(action, name):
    with psycopg.connect(host=os.environ['PGHOST'], port=int(os.environ['PGPORT']), user=os.environ['PGUSER'],
                         password=os.environ['PGPASSWORD'], dbname='postgres', autocommit=True) as conn:
        conn.execute(sql.SQL('DROP ROLE IF EXISTS {}').format(sql.Identifier(name)))
        if action == 'create':
            conn.execute(sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(
                sql.Identifier(name), sql.Literal(os.environ['ROLE_PASSWORD'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
