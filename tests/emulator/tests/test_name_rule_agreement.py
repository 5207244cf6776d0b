"""The emulator applies the collection's one migration name rule (plugins/module_utils/naming.py, loaded by path):
the names real Azure accepted in recorded traffic are accepted, uppercase is refused (azure-rest-api-specs#30734)."""

import pytest

from emulator import bodies
from emulator.httpcore import ArmError

RECORDED_NAMES = ['bbd72047-2fe2-4d2b-83aa-4b178e906dc1', '632df460-4e58-44d2-acbf-42bbce2008ee',
                  'e2c2bc23-0582-4bd7-b174-621067f6cda2']


def test_the_emulator_uses_the_collections_rule_file():
    assert bodies.NAMING_PY.endswith('plugins/module_utils/naming.py')
    assert bodies.NAMING.__name__ == 'pgflex_emulator_naming'


@pytest.mark.parametrize('name', RECORDED_NAMES)
def test_recorded_uuid_names_are_accepted(name):
    assert bodies.name_problem(name) is None
    bodies.check_name(name)


@pytest.mark.parametrize('name', [n.upper() for n in RECORDED_NAMES] + ['Mig1'])
def test_uppercase_is_refused(name):
    with pytest.raises(ArmError) as caught:
        bodies.check_name(name)
    assert caught.value.status == 400 and caught.value.code == 'InvalidInput' and name in caught.value.message
