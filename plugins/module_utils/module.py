# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin base every module of the collection uses.

MigrationModule merges the shared auth options into the argument spec, builds the AnsibleModule,
builds the MigrationClient on first use, and turns every Azure, auth or cloud error into a
fail_json with a clear message (never a traceback).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import importlib.util
import threading
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.pgflex.migration.plugins.module_utils.auth import (
    AUTH_ARGUMENT_SPEC, AuthError, describe, resolve_auth, subscription_for,
)
from ansible_collections.pgflex.migration.plugins.module_utils.cloud import CloudError
from ansible_collections.pgflex.migration.plugins.module_utils.errors import AzureApiError
from ansible_collections.pgflex.migration.plugins.module_utils.service_errors import explain
from ansible_collections.pgflex.migration.plugins.module_utils.spellings import normalise_choices
from ansible_collections.pgflex.migration.plugins.module_utils.sign_in import connector

# import name -> pip package, checked before the first API call
REQUIRED_LIBRARIES = [
    ('azure.core', 'azure-core'),
    ('azure.identity', 'azure-identity'),
    ('azure.mgmt.core', 'azure-mgmt-core'),  # long-running operations (ARM polling)
]

# The target flexible server of every migration (docs: the pgflex.migration.target_server fragment).
TARGET_SERVER_ARGUMENT_SPEC = dict(
    resource_group=dict(type='str', required=True),
    server_name=dict(type='str', required=True),
)
TARGET_SERVER_WORDS = {'resource_group': 'resource group of the target flexible server',
                       'server_name': 'name of the target flexible server'}
# ARM codes saying the target server or its resource group does not exist: name the options to check.
MISSING_PARENT_CODES = ('ParentResourceNotFound', 'ResourceGroupNotFound', 'ResourceNotFound')


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_libraries():
    """pip package names of the required libraries that cannot be imported."""
    return [package for name, package in REQUIRED_LIBRARIES if not _importable(name)]


class SpellingModule(AnsibleModule):
    """AnsibleModule that accepts the API's and the CLI's spellings of choices (module_utils/spellings.py).

    The values are normalised as they are read, before AnsibleModule checks them against ``choices``, so the
    argument spec keeps its documented choices.
    """

    def __init__(self, argument_spec, **kwargs):
        self._spelling_spec = argument_spec
        super().__init__(argument_spec=argument_spec, **kwargs)

    def _load_params(self):
        super()._load_params()
        # Aliases may carry the value too; choices are normalised under every name the option is known by.
        spec = {}
        for option, settings in self._spelling_spec.items():
            for name in [option] + list(settings.get('aliases') or []):
                spec[name] = settings
        normalise_choices(self.params, spec)


def _once(connect):
    """``connect(fetch)`` run once, its (cloud, credential) shared by every later call (thread-safe)."""
    lock = threading.Lock()
    done = []

    def connect_once(fetch):
        with lock:
            if not done:
                done.append(connect(fetch))
            return done[0]
    return connect_once


class MigrationModule(object):
    """AnsibleModule plus the shared auth options and a lazily built MigrationClient."""

    def __init__(self, argument_spec, **ansible_module_kwargs):
        spec = dict(AUTH_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self.module = SpellingModule(spec, **ansible_module_kwargs)
        self.params = self.module.params
        self._check_target_server()
        self._client = None
        self._other_clients = {}  # subscription (lowercase) -> client sharing the task's sign-in (client_for)
        self._client_settings = None
        self.deadline = None
        self._budget_option = None
        self.auth = None  # resolved auth settings (secrets inside; never return them)

    def _check_target_server(self):
        """An empty name would reach the API as a path with a hole in it and come back as a 404 naming no option."""
        for option in TARGET_SERVER_ARGUMENT_SPEC:
            value = self.params.get(option)
            if value is not None and not str(value).strip():
                self.fail('Invalid input: %s is empty; give the %s. Nothing was changed.'
                          % (option, TARGET_SERVER_WORDS[option]))

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        """Whether the task runs with --diff (results then carry a before/after diff)."""
        return bool(self.module._diff)

    def warn(self, message):
        self.module.warn(message)

    def set_deadline(self, deadline, option='wait_timeout'):
        """The one absolute time.monotonic() value the task ends by: the client retries no call past it.

        ``option`` (wait_timeout or api_timeout) is named when a call gives up because the budget ran out.
        """
        self.deadline = deadline
        self._budget_option = option
        for client in [self.client] + list(self._other_clients.values()):
            client.set_budget(deadline, option)

    @property
    def client(self):
        """The MigrationClient for the resolved credentials and cloud, built on first use."""
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def client_for(self, subscription_id):
        """The client of ``subscription_id`` (None: the task's own subscription), signed in once for the task: one
        token serves every subscription the principal may access."""
        client = self.client
        if not subscription_id or str(subscription_id).lower() == str(client.subscription_id).lower():
            return client
        key = str(subscription_id).lower()
        if key not in self._other_clients:
            self._other_clients[key] = self._new_client(subscription_id, own_transport=True)
        return self._other_clients[key]

    def _build_client(self):
        missing = missing_libraries()
        if missing:
            self.fail(missing_required_lib(' and '.join(missing)), missing_packages=missing)
        from ansible_collections.pgflex.migration.plugins.module_utils.client import shared_transport  # pylint: disable=import-outside-toplevel
        self.auth = resolve_auth(self.params)
        verify = self.auth.get('cert_validation_mode') != 'ignore'
        transport, session = shared_transport(verify)
        # Called by the client on its first call, so the cloud's metadata is read within the task's budget; once
        # per task, however many clients (subscriptions) it has.
        connect = _once(connector(self.auth, self.params, verify, transport, self.warn))
        self._client_settings = dict(verify=verify, transport=transport, connect=connect, session=session)
        return self._new_client(subscription_for(self.auth, self.module.run_command))

    def _new_client(self, subscription_id, own_transport=False):
        from ansible_collections.pgflex.migration.plugins.module_utils.client import (  # pylint: disable=import-outside-toplevel
            MigrationClient, shared_transport,
        )
        settings = dict(self._client_settings)
        if own_transport:  # each client bounds its own requests by its own deadline; the connections are shared
            settings['transport'] = shared_transport(settings['verify'], settings['session'])[0]
        client = MigrationClient(None, subscription_id, None, **settings)
        client.set_budget(self.deadline, self._budget_option)  # the task's budget, when it has been set
        return client

    def fail(self, msg, **kwargs):
        client = getattr(self, '_client', None)  # None before the first call (and while checking the input)
        pause = client.retry_after_left() if hasattr(client, 'retry_after_left') else None
        if pause:
            # The service asked for a pause (Retry-After) that outlasts this run: a next run (the action plugin's
            # next chunk, a retrying play) must not come before it.
            kwargs.setdefault('retry_after', round(pause, 1))
        self.module.fail_json(msg=msg, **kwargs)

    def exit(self, **result):
        self.module.exit_json(**result)

    def run(self, main_fn):
        """Call main_fn(self); any failure becomes fail_json with a clear message."""
        try:
            main_fn(self)
        except AzureApiError as exc:
            message = str(exc)
            if self.auth and (exc.code or '').startswith('AADSTS'):
                # With auth_source=auto the user may not know which credentials were picked.
                message = '%s [credentials used: %s]' % (message, describe(self.auth))
            if exc.status == 404 and exc.code in MISSING_PARENT_CODES:
                message += '; check resource_group and server_name (and subscription_id)'
            elif exc.status == 404 and exc.code == 'SubscriptionNotFound':
                message += '; check subscription_id (or AZURE_SUBSCRIPTION_ID): no subscription with this id is visible to the credentials'
            codes = explain(exc.code, exc.message)
            if codes:
                message = '%s. %s' % (message.rstrip('.'), codes)

            self.fail(message, error=exc.as_dict())
        except AuthError as exc:
            self.fail('Azure authentication is not configured correctly: %s' % exc)
        except CloudError as exc:
            self.fail('cloud_environment cannot be used: %s' % exc)
        except Exception as exc:  # pylint: disable=broad-except
            # Anything else is a bug of ours or the SDK's: say what happened; the traceback only shows at -vvv.
            # The catch-all always has text: some exceptions (MemoryError, KeyError()) have none of their own.
            self.fail('Unexpected error (%s): %s. This is a bug of pgflex.migration; please report it with the output '
                      'of -vvv.' % (type(exc).__name__, str(exc) or repr(exc)), exception=traceback.format_exc())
