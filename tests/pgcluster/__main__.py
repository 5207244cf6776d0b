"""Command line: ``python -m pgcluster start --dir D`` / ``python -m pgcluster stop --dir D``."""

import argparse
import json
import os
import sys

from .cluster import STATE_FILE, PgCluster, PgClusterError


def main(argv=None):
    parser = argparse.ArgumentParser(prog='pgcluster', description='Throwaway PostgreSQL clusters on 127.0.0.1.')
    sub = parser.add_subparsers(dest='command', required=True)
    start = sub.add_parser('start', help='create and start a cluster in DIR; prints its details as JSON')
    start.add_argument('--dir', required=True)
    start.add_argument('--name', default='pg')
    start.add_argument('--port', type=int)
    start.add_argument('--ssl-cert')
    start.add_argument('--ssl-key')
    stop = sub.add_parser('stop', help='stop the cluster in DIR and remove DIR')
    stop.add_argument('--dir', required=True)
    args = parser.parse_args(argv)

    try:
        if args.command == 'start':
            if os.path.exists(os.path.join(args.dir, STATE_FILE)):
                cluster = PgCluster.from_state(args.dir)
            else:
                cluster = PgCluster.start(name=args.name, base_dir=args.dir, port=args.port,
                                          ssl_cert_file=args.ssl_cert, ssl_key_file=args.ssl_key, keep=True)
            print(json.dumps(cluster.as_dict()))
        elif os.path.exists(os.path.join(args.dir, STATE_FILE)):
            PgCluster.from_state(args.dir).stop()
    except PgClusterError as exc:
        print('pgcluster: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
