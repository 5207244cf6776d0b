# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MigrationModule.client_for: a client per subscription, all signed in once (one token serves every subscription)."""
from __future__ import annotations

from ansible_collections.pgflex.migration.plugins.module_utils import module as module_base
from ansible_collections.pgflex.migration.tests.unit.plugins.modules.utils import patch_module_args


def test_clients_of_several_subscriptions_share_one_sign_in_and_one_session(monkeypatch):
    sign_ins = []

    def connector(*args):  # pylint: disable=unused-argument
        return lambda fetch: sign_ins.append(fetch) or ('cloud', 'credential')
    monkeypatch.setattr(module_base, 'connector', connector)
    monkeypatch.setattr(module_base, 'resolve_auth', lambda params: {'source': 'credential_file'})
    monkeypatch.setattr(module_base, 'subscription_for', lambda auth, run_command: 'sub-a')
    with patch_module_args({}):
        mod = module_base.MigrationModule({})
    own, other = mod.client, mod.client_for('SUB-B')
    assert mod.client_for(None) is own and mod.client_for('SUB-A') is own and mod.client_for('sub-b') is other
    assert (own.subscription_id, other.subscription_id) == ('sub-a', 'SUB-B')
    assert own._connect(None) == other._connect(None) == ('cloud', 'credential')  # pylint: disable=protected-access
    assert len(sign_ins) == 1
    # Each client bounds its requests by its own deadline (a transport of its own) over the one session's connections.
    assert own._transport is not other._transport and own._session is other._session  # pylint: disable=protected-access
