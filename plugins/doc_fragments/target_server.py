# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The target flexible server every migration belongs to (argument spec: TARGET_SERVER_ARGUMENT_SPEC in
    # module_utils/module.py).
    DOCUMENTATION = r'''
options:
  resource_group:
    description:
      - Resource group of the target flexible server.
    type: str
    required: true
  server_name:
    description:
      - Name of the target flexible server, the server the databases are copied into.
    type: str
    required: true
'''
