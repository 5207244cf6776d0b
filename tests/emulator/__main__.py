"""``python -m emulator --config FILE --state-dir DIR``: serve until SIGTERM/SIGINT.

When listening, writes DIR/emulator.json (url, CA path, admin token, identities); see docs/emulator.md."""

import argparse
import os
import signal
import sys

from .config import EmulatorConfig
from .server import dump_json, serve
from .tls import CertificateAuthority

STATE_FILE = 'emulator.json'


def _stop(signum, frame):  # pylint: disable=unused-argument
    raise SystemExit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='emulator', description='Local Azure migration service emulator (HTTPS).')
    parser.add_argument('--config', required=True, help='JSON configuration (servers, identities, settings)')
    parser.add_argument('--state-dir', required=True, help='directory for the CA, the TLS key and emulator.json')
    args = parser.parse_args(argv)
    config = EmulatorConfig.load(args.config)
    os.makedirs(args.state_dir, exist_ok=True)
    authority = CertificateAuthority()
    ca_file = authority.write(args.state_dir, 'emulator-ca')
    cert_file, key_file = authority.write_leaf(args.state_dir, 'emulator-tls', hostnames=('localhost',), addresses=('127.0.0.1',))
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def ready(app):
        dump_json(os.path.join(args.state_dir, STATE_FILE), {
            'url': app.base_url, 'pid': os.getpid(), 'ca_file': ca_file, 'admin_token': config.admin_token,
            'tenant_id': config.tenant_id, 'subscription_id': config.subscription_id,
            'subscription_ids': config.subscription_ids, 'clients': config.clients,
            'managed_identity': config.managed_identity, 'identity_endpoint': app.base_url + '/msi/token',
            'metadata_url': app.base_url + '/metadata/endpoints?api-version=2022-09-01',
            'servers': [{'subscription_id': s.subscription_id, 'resource_group': s.resource_group, 'name': s.name}
                        for s in config.servers],
        })
        main.app = app
    try:
        serve(config, cert_file, key_file, ready)
    finally:
        app = getattr(main, 'app', None)
        if app is not None:
            for runner in list(app.engine.runners.values()):
                if runner.copy is not None:
                    runner.copy.kill()
    return 0


if __name__ == '__main__':
    sys.exit(main())
