# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pg_flexible_migration_report task, whoever runs it: its options (ARGUMENT_SPEC) and its result from the
validated options (task_result(): check the modes, assemble the report, write both files, say what happened).

The module runs it in a module process; the action of the same name runs it in the worker when the task runs on
the controller, so both give the same result.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import json
import os

from ansible_collections.pgflex.migration.plugins.module_utils.host_report import assembled, markdown, summary
from ansible_collections.pgflex.migration.plugins.module_utils.report_text import write_atomically

ARGUMENT_SPEC = dict(
    report=dict(type='dict', required=True),
    runs=dict(type='list', elements='dict'),
    verification=dict(type='dict'),
    finalization=dict(type='dict'),
    finalization_requested=dict(type='bool', default=True),
    assessment=dict(type='dict'),
    assessment_only=dict(type='bool', default=False),
    planned=dict(type='bool', default=False),
    json_path=dict(type='path', required=True),
    markdown_path=dict(type='path', required=True),
    verification_requested=dict(type='bool', default=True),
    mode=dict(type='raw', default='0640'),
    directory_mode=dict(type='raw', default='0750'),
)


class Refused(Exception):
    """The task fails with this result (a dict with msg, and what else it can still return)."""

    def __init__(self, msg, **result):
        super(Refused, self).__init__(msg)
        self.result = dict(result, msg=msg)


def permissions(params, option):
    """An octal string ('0640') or a number -> permission bits; anything else is refused naming the option."""
    value = params[option]
    try:
        bits = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip(), 8)
    except ValueError:
        bits = -1
    if not 0 <= bits <= 0o7777:
        raise Refused('Invalid input: %s %r is not a file permission; give an octal string such as %r. Nothing was '
                      'written.' % (option, value, ARGUMENT_SPEC[option]['default']))
    return bits


def make_directory(path, mode):
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, mode)  # makedirs' mode is cut by the umask


def write_files(params, files, report, file_mode, directory_mode):
    path = None
    try:
        for path in (files['json'], files['markdown']):
            make_directory(path, directory_mode)
        path = files['json']
        write_atomically(path, json.dumps(report, indent=4, sort_keys=True) + '\n', file_mode)
        path = files['markdown']
        write_atomically(path, markdown(report, params['verification_requested'], params['finalization_requested']), file_mode)
    except OSError as exc:
        raise Refused('the report cannot be written to %s: %s; give json_path and markdown_path in a directory this host '
                      'can write' % (path, exc.strerror or exc), files=files, report=report, summary=summary(report))
    except (TypeError, ValueError) as exc:  # a value JSON cannot hold (report comes from a playbook)
        raise Refused('Invalid input: report cannot be written as JSON (%s). Nothing was written.' % exc, files=files)


def task_result(params, check_mode):
    """The task's result from its validated options: changed false with files, report and summary; or, when it
    fails, failed with msg (and the report when only writing it failed). In check mode it writes nothing."""
    try:
        file_mode, directory_mode = permissions(params, 'mode'), permissions(params, 'directory_mode')
        files = {'json': params['json_path'], 'markdown': params['markdown_path']}
        report = assembled(params['report'], params['runs'], params['verification'], params['planned'], files,
                           assessment=params['assessment'], assessment_only=params['assessment_only'],
                           finalization=params['finalization'])
        if not check_mode:
            write_files(params, files, report, file_mode, directory_mode)
    except Refused as refused:
        return dict(refused.result, failed=True)
    return dict(changed=False, files=files, report=report, summary=summary(report))
