"""Pytest fixtures for suites that need the emulator: ``pytest_plugins = ['emulator.pytest_plugin']``.

``emulator_factory(servers=[{'name': 'target1', 'cluster': pg}], settings={...})`` starts one; every emulator it
started is stopped at teardown."""

import pytest

from pgcluster.pytest_plugin import stopped_at_teardown

from .launcher import start_emulator


@pytest.fixture
def emulator_factory():
    yield from stopped_at_teardown(start_emulator)


@pytest.fixture(scope='session')
def emulator_session_factory():
    yield from stopped_at_teardown(start_emulator)
