# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # How a module reaches the target server over PostgreSQL (argument spec: connection_spec('target') and
    # CONNECT_TIMEOUT_SPEC in module_utils/verify.py). The host (required or defaulted) and the user (what it needs differs) are documented
    # by each module.
    DOCUMENTATION = r'''
options:
  target_port:
    description:
      - TCP port of the target server, between 1 and 65535.
    type: int
    default: 5432
  target_password:
    description:
      - Password of O(target_username). Leave unset to use C(~/.pgpass) or the C(PGPASSWORD) environment variable.
    type: str
  target_ssl_mode:
    description:
      - TLS mode for the target connection. Azure flexible servers require TLS, so V(prefer) or stricter.
    type: str
    choices: [disable, allow, prefer, require, verify_ca, verify_full]
    default: prefer
  target_ssl_root_cert:
    description:
      - CA certificate file used to check the target server's certificate with V(verify_ca) or V(verify_full).
    type: path
  connect_timeout:
    description:
      - Seconds to wait for each PostgreSQL connection (to either server) to be established, between 1 and 3600.
    type: int
    default: 10
'''
