# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() inside a unit test: exit_json and fail_json raise instead of printing and exiting, so a
test reads the result dict as the module built it (before Ansible masks no_log values, so a leak cannot hide)."""
from __future__ import annotations

import contextlib
import json
from unittest import mock

import pytest

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 has no testing helper: AnsibleModule reads the JSON in basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args=None):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode()):
            yield

from ansible_collections.pgflex.migration.plugins.module_utils import module as module_base


class Exit(SystemExit):
    """exit_json was called: the module ended normally."""


class Fail(SystemExit):
    """fail_json was called: the module failed."""


def _exit_json(self, **result):  # pylint: disable=unused-argument
    raise Exit(result)


def _fail_json(self, **result):  # pylint: disable=unused-argument
    result['failed'] = True  # as the real fail_json adds
    raise Fail(result)


def patch_exit_and_fail(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)


def use_client(monkeypatch, client):
    """Modules built on MigrationModule get this client instead of one that talks to Azure."""
    monkeypatch.setattr(module_base.MigrationModule, '_build_client', lambda self: client)


def run_main(main, args):
    """Run a module's main() with these module args (after patch_exit_and_fail); returns (Exit or Fail, result)."""
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as info:
            main()
    return info.type, info.value.args[0]
