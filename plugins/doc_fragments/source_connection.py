# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # How a module reaches the source server over PostgreSQL (argument spec: SOURCE_CONNECTION_SPEC in
    # module_utils/verify.py). The user (source_username) is documented by each module: what it needs differs.
    DOCUMENTATION = r'''
options:
  source_host:
    description:
      - Host name or IP address of the source server.
    type: str
    required: true
  source_port:
    description:
      - TCP port of the source server, between 1 and 65535.
    type: int
    default: 5432
  source_password:
    description:
      - Password of O(source_username). Leave unset to use C(~/.pgpass) or the C(PGPASSWORD) environment variable.
    type: str
  source_ssl_mode:
    description:
      - TLS mode for the source connection (libpq C(sslmode); V(verify_ca) and V(verify_full) are libpq's
        C(verify-ca) and C(verify-full)).
    type: str
    choices: [disable, allow, prefer, require, verify_ca, verify_full]
    default: prefer
  source_ssl_root_cert:
    description:
      - CA certificate file used to check the source server's certificate with V(verify_ca) or V(verify_full).
    type: path
'''
