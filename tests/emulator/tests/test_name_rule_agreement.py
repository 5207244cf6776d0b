"""The emulator (standing in for Azure) and the modules must apply the same migration name rule.

The emulator keeps its own copy on purpose (it plays the service); this test keeps the two equal.
"""

import importlib.util
import os

import pytest

from emulator import bodies

NAMING_PY = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins', 'module_utils', 'naming.py')
CASES = ['m', 'mig1', 'wave-1', 'a' * 63, 'a' * 64, 'Mig1', '1mig', '-mig', 'mig-', 'mig_1', 'mig.1', '', 'mi g', 'éclair']


def _module_naming():
    spec = importlib.util.spec_from_file_location('pgflex_naming', NAMING_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name', CASES)
def test_emulator_and_modules_agree(name):
    modules_accept = _module_naming().migration_name_problem(name) is None
    emulator_accepts = bool(bodies.NAME_RULE.match(name))
    assert modules_accept == emulator_accepts
