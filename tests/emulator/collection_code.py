"""The collection's own stdlib-only files (plugins/module_utils/<name>.py) loaded by path, so that the service the
emulator plays and the modules share one copy of a fact (the name rule, the service's clocks) without the emulator
needing an ansible_collections tree (docs/service-assumptions.md, 1)."""

import importlib.util
import os

MODULE_UTILS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            'plugins', 'module_utils')


def load(name):
    """plugins/module_utils/<name>.py as a module of its own (it must import only the standard library)."""
    spec = importlib.util.spec_from_file_location('pgflex_emulator_' + name, os.path.join(MODULE_UTILS, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
