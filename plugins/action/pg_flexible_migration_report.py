# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pg_flexible_migration_report without a module process when the task runs on the controller.

The report is pure Python over the task's options and talks to no service, so on the controller (connection local,
as with delegate_to: localhost, without become, not async) this action validates the options, builds and writes the
report in this worker, the way the module would (host_report_task.task_result(), the one home of both). A module
process there would cost more CPU than the report itself. Through any other connection, with become (the files
belong to another user) and in async tasks, the module runs as usual.
"""

from __future__ import annotations

import json

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.pgflex.migration.plugins.module_utils.host_report_task import ARGUMENT_SPEC, task_result
from ansible_collections.pgflex.migration.plugins.plugin_utils.module_action import ModuleAction

try:  # ansible-core >= 2.19: modules receive their options through a serialization profile
    from ansible.module_utils.common.json import Direction, get_module_encoder
except ImportError:  # ansible-core 2.16 to 2.18
    from ansible.module_utils.common.json import AnsibleJSONEncoder

    def module_json(args):
        return json.dumps(args, cls=AnsibleJSONEncoder, vault_to_text=True)
else:
    def module_json(args):
        return json.dumps(args, cls=get_module_encoder('legacy', Direction.CONTROLLER_TO_MODULE))

MODULE = 'pgflex.migration.pg_flexible_migration_report'


def as_the_module_gets(args):
    """The task's options as the module reads them: through the JSON Ansible sends it (tuples become lists, keys
    strings, vaulted and unsafe text plain text), so both ways build the report from the same values. None when
    they cannot be sent (the module run then fails the way it always did)."""
    try:
        return json.loads(module_json(args))
    except (TypeError, ValueError):
        return None


class ActionModule(ModuleAction):

    MODULE = MODULE

    def _run_task(self, args, task_vars):
        if self._task.async_val or not self._runs_on_controller():
            return self._run_module(args, task_vars)
        options = as_the_module_gets(args)
        if options is None or self._environment_changes_paths(options):
            return self._run_module(args, task_vars)
        return self._run_here(options, task_vars)

    def _run_here(self, options, task_vars):
        """What the module returns, from this worker: the same validation and message, then task_result()."""
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(options)
        params = dict(options, **validation.validated_parameters)
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (self.MODULE, msg)
            result = dict(failed=True, msg=msg)
        else:
            result = task_result(params, bool(self._task.check_mode))
        if self._injects_invocation(task_vars):
            result['invocation'] = {'module_args': params}
        return result

    def _environment_changes_paths(self, options):
        """A path with ~ or $VAR is expanded from the module's environment, which the task's environment: changes."""
        paths = [str(options.get(option) or '') for option in ('json_path', 'markdown_path')]
        return bool(self._task.environment) and any('$' in path or path.startswith('~') for path in paths)

    @staticmethod
    def _injects_invocation(task_vars):
        """AnsibleModule adds the options it ran with as 'invocation' (ansible-core >= 2.21: when INJECT_INVOCATION
        is on)."""
        if 'INJECT_INVOCATION' not in C.config.get_configuration_definitions():
            return True
        return bool(C.config.get_config_value('INJECT_INVOCATION', variables=task_vars))
