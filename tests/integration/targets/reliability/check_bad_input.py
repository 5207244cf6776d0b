#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge the bad-input table at once: check_bad_input.py CONFIG RESULTS LOG.

Every case must have failed with a message holding all its expected words and no "Unexpected error"; no PUT,
PATCH or DELETE may have reached the emulator; no secret may appear in the -vvvv output (LOG).
"""

from __future__ import annotations

import json
import sys

import yaml

MARKERS = ['relMarkerSrc4W8', 'relMarkerTgt6P3']  # the passwords the cases give (never real ones)
SECRET_KEYS = ('pgflex_source_password', 'pgflex_target_password', 'azure_secret', 'pgflex_emulator_admin_token')
MINIMUM_CASES = 80


def verdicts(results):
    """[(case id, problem or '')] for every case of every module and role run."""
    module = results['module']
    runs = [([case], failed, msg) for case, failed, msg in zip(module['cases'], module['failed'], module['msg'])]
    runs += [(run['cases'], run['failed'], run['msg']) for run in results['role']]
    found = []
    for cases, failed, msg in runs:
        for case in cases:
            missing = [word for word in case['expect'] if word not in msg]
            problem = ('did not fail' if not failed else 'missing %s in: %s' % (missing, msg) if missing
                       else 'Unexpected error: %s' % msg if 'Unexpected error' in msg else '')
            found.append((case['id'], problem))
    return found


def main(config_path, results_path, log_path):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    with open(results_path) as handle:
        results = json.load(handle)
    with open(log_path) as handle:
        log = handle.read()
    found = verdicts(results)
    wrong = [(case, problem) for case, problem in found if problem]
    ids = [case for case, _problem in found]
    duplicates = sorted(set(case for case in ids if ids.count(case) > 1))
    secrets = MARKERS + [config[key] for key in SECRET_KEYS if config.get(key)]
    leaked = [secret[:3] + '...' for secret in secrets if secret in log]
    for case, problem in wrong:
        print('WRONG %s: %s' % (case, problem), file=sys.stderr)
    for request in results['mutating']:
        print('MUTATING REQUEST %s %s' % (request.get('method'), request.get('path')), file=sys.stderr)
    if duplicates:
        print('case ids used twice: %s' % duplicates, file=sys.stderr)
    if leaked:
        print('secrets %s found in the -vvvv output' % leaked, file=sys.stderr)
    if len(found) < MINIMUM_CASES:
        print('only %d cases, expected at least %d' % (len(found), MINIMUM_CASES), file=sys.stderr)
    if wrong or results['mutating'] or duplicates or leaked or len(found) < MINIMUM_CASES:
        return 1
    print('bad input: %d cases (%d module runs, %d role runs) refused with their message, no mutating request, '
          'no secret at -vvvv' % (len(found), len(results['module']['cases']), len(results['role'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
