#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the bad properties files of the bad-input table into DIR: write_files.py DIR CONFIG."""

from __future__ import annotations

import json
import os
import sys

import yaml

MARKERS = {'SourceServerPassword': 'relMarkerSrc4W8', 'TargetServerPassword': 'relMarkerTgt6P3'}


def main(directory, config_path):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    source = '%s:%s@%s' % (config['pgflex_source_host'], config['pgflex_source_port'], config['pgflex_source_user'])
    valid = {'SourceDbServerResourceId': source, 'DbsToMigrate': ['hr'], 'SecretParameters': {'AdminCredentials': MARKERS}}
    os.makedirs(directory)
    documents = {
        'empty-dbs.json': {'properties': dict(valid, DbsToMigrate=[])},
        'typo.json': {'properties': dict((('DbsToMigrat' if k == 'DbsToMigrate' else k), v) for k, v in valid.items())},
        'secret-typo.json': {'properties': dict(valid, SecretParameters={'AdminCredentials': {
            'SourceServerPasword': MARKERS['SourceServerPassword'], 'TargetServerPassword': MARKERS['TargetServerPassword']}})},
        'propertys.json': {'propertys': valid},
        'bad-ssl.json': {'properties': dict(valid, SslMode='Always')},
        'bad-flag.json': {'properties': dict(valid, OverwriteDbsInTarget='yes')},
        'password-outside.json': {'properties': dict(valid, SourceServerPassword=MARKERS['SourceServerPassword'])},
        'two-casings.json': {'properties': dict(valid, sslmode='Prefer', SslMode='Require')},
        'list.json': [valid],
        'dbs-string.json': {'properties': dict(valid, DbsToMigrate='hr')},
        'no-admin.json': {'properties': dict(valid, SecretParameters={'SourceServerUsername': 'u'})},
    }
    for name, document in documents.items():
        with open(os.path.join(directory, name), 'w') as handle:
            json.dump(document, handle)
    with open(os.path.join(directory, 'broken.json'), 'w') as handle:
        handle.write('{"properties": {"SourceDbServerResourceId": "%s",}' % source)
    with open(os.path.join(directory, 'latin1.json'), 'wb') as handle:
        handle.write(b'{"properties": {"SourceType": "\xe9"}}')
    with open(os.path.join(directory, 'deep.json'), 'w') as handle:
        handle.write('[' * 100000 + ']' * 100000)
    with open(os.path.join(directory, 'huge.json'), 'wb') as handle:
        handle.truncate(120 * 1024 * 1024)  # sparse: no disk used, but 120 MiB to read
    os.mkfifo(os.path.join(directory, 'fifo.json'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
