# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report action: on the controller it writes in the worker and returns what the module returns; anywhere else
(become, async, another connection) it runs the module."""
from __future__ import annotations

import json
import os
from unittest.mock import MagicMock

import pytest

from ansible_collections.pgflex.migration.plugins.action import pg_flexible_migration_report as action
from ansible_collections.pgflex.migration.plugins.modules import pg_flexible_migration_report as module
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import patch_exit_and_fail, run_main

REPORT = {'name_prefix': 'fleet', 'server_name': 'pg-01', 'resource_group': 'rg', 'batches': [], 'verification': None,
          'failure': None, 'finished': '2026-12-01T10:05:00Z'}


def make_action(args, transport='local', become=False, async_val=0, check_mode=False, environment=None):
    task = MagicMock(args=args, async_val=async_val, check_mode=check_mode, environment=environment)
    connection = MagicMock(transport=transport)
    play_context = MagicMock(become=become)
    plugin = action.ActionModule(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    plugin.module_runs = []
    plugin._execute_module = lambda **kwargs: plugin.module_runs.append(kwargs) or {'changed': False, 'from': 'module'}
    plugin._remove_tmp_path = lambda path: None
    return plugin


def args_for(tmp_path, **more):
    return dict(report=REPORT, json_path=str(tmp_path / 'out' / 'r.json'), markdown_path=str(tmp_path / 'out' / 'r.md'), **more)


def module_result(monkeypatch, args):
    patch_exit_and_fail(monkeypatch)
    sent = dict(json.loads(json.dumps(args)), _ansible_module_name=action.MODULE)  # as the action names it
    return run_main(module.main, sent)[1]


@pytest.mark.parametrize('more', [{}, {'mode': 'rw-r-----'}, {'colour': 'red'}, {'planned': 'maybe'}, {'runs': ['not a dict']}],
                         ids=['written', 'bad mode', 'unknown option', 'bad bool', 'bad runs'])
def test_on_the_controller_the_result_is_the_modules_without_a_module_run(monkeypatch, tmp_path, more):
    args = args_for(tmp_path, **more)
    plugin = make_action(dict(args))
    here = plugin.run(task_vars={})
    written = sorted(os.listdir(str(tmp_path / 'out'))) if (tmp_path / 'out').exists() else []
    assert plugin.module_runs == []
    assert here.pop('invocation')['module_args']['json_path'] == args['json_path']
    assert here == module_result(monkeypatch, args)  # the module writes the same files again
    assert written == (['r.json', 'r.md'] if not more else [])


def test_check_mode_writes_nothing_and_returns_the_report(tmp_path):
    result = make_action(args_for(tmp_path), check_mode=True).run(task_vars={})
    assert result['changed'] is False and result['report']['result'] == 'succeeded'
    assert not (tmp_path / 'out').exists()


def test_the_report_is_returned_when_the_files_cannot_be_written(tmp_path):
    (tmp_path / 'out').write_text('a file, not a directory')
    result = make_action(args_for(tmp_path)).run(task_vars={})
    assert result['failed'] is True and result['msg'].startswith('the report cannot be written to %s' % (tmp_path / 'out' / 'r.json'))
    assert result['report']['name_prefix'] == 'fleet'


@pytest.mark.parametrize('how', [dict(become=True), dict(async_val=30), dict(transport='ssh'),
                                 dict(environment=[{'REPORTS': '/srv'}], path='$REPORTS/r.json')],
                         ids=['become', 'async', 'ssh', 'a path from the task environment'])
def test_anywhere_else_the_module_runs(tmp_path, how):
    args = args_for(tmp_path)
    args['json_path'] = how.pop('path', args['json_path'])
    plugin = make_action(args, **how)
    assert plugin.run(task_vars={}) == {'changed': False, 'from': 'module'}
    assert [run['module_name'] for run in plugin.module_runs] == ['pgflex.migration.pg_flexible_migration_report']
    assert not (tmp_path / 'out').exists()


def test_options_that_cannot_be_sent_to_a_module_run_it(tmp_path):
    plugin = make_action(args_for(tmp_path, runs=[{'batch': object()}]))
    assert plugin.run(task_vars={})['from'] == 'module'
