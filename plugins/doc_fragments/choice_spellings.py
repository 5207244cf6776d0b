# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The rule lives in plugins/module_utils/spellings.py; every module with choices includes this note.
    DOCUMENTATION = r'''
options: {}
notes:
  - "Options with a fixed set of values accept each value in any case and with C(-), C(_), a space or no separator
    between its words, so the spellings of the REST API, the Azure CLI and its properties files work too: for example
    V(Offline) or V(OFFLINE) for V(offline), V(ValidateAndMigrate) or V(validate-and-migrate) for
    V(validate_and_migrate), V(VerifyFull) or V(verify-full) for V(verify_full), V(Active) for V(active), and the API's
    V(Canceled) for V(cancelled). Results always use the documented spelling."
'''
