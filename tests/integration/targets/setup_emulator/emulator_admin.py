#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talk to the sandbox emulator's admin API (for the integration targets that need/target setup_emulator).

Usage: emulator_admin.py CONFIG speed FACTOR
       emulator_admin.py CONFIG wait-running NAME TIMEOUT   (exit 0 once NAME is InProgress)
       emulator_admin.py CONFIG names PREFIX                (JSON list of every migration name with PREFIX)
       emulator_admin.py CONFIG hold NAME                   (a 'stuck' fault holds NAME; prints the fault id)
       emulator_admin.py CONFIG release ID                  (removes fault ID)
       emulator_admin.py CONFIG requests SINCE              (JSON list of the request log after sequence SINCE)
"""

from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.request

import yaml


def call(config, method, path, body=None):
    context = ssl.create_default_context(cafile=config['requests_ca_bundle'])
    request = urllib.request.Request(
        config['pgflex_emulator_url'] + '/_emulator' + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={'Authorization': 'Bearer ' + config['pgflex_emulator_admin_token'], 'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, context=context, timeout=30) as response:  # nosec - local emulator
        return json.loads(response.read() or b'null')


def migrations(config):
    return call(config, 'GET', '/migrations')['value']


def main(argv):
    with open(argv[1]) as handle:
        config = yaml.safe_load(handle)
    command = argv[2]
    if command == 'speed':
        call(config, 'PATCH', '/settings', {'speed_factor': float(argv[3])})
        return 0
    if command == 'wait-running':
        deadline = time.time() + float(argv[4])
        while time.time() < deadline:
            if any(m['name'] == argv[3] and m['state'] == 'InProgress' for m in migrations(config)):
                return 0
            time.sleep(0.2)
        print('migration %s never ran' % argv[3], file=sys.stderr)
        return 1
    if command == 'names':
        print(json.dumps(sorted(m['name'] for m in migrations(config) if m['name'].startswith(argv[3]))))
        return 0
    if command == 'hold':
        print(call(config, 'POST', '/faults', {'kind': 'stuck', 'migration': argv[3]})['id'])
        return 0
    if command == 'release':
        call(config, 'DELETE', '/faults/' + argv[3])
        return 0
    if command == 'requests':
        print(json.dumps(call(config, 'GET', '/requests?since=' + argv[3])['value']))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
