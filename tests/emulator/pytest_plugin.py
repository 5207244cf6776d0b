"""Pytest fixtures for suites that need the emulator: ``pytest_plugins = ['emulator.pytest_plugin']``.

``emulator_factory(servers=[{'name': 'target1', 'cluster': pg}], settings={...})`` starts one; every emulator it
started is stopped at teardown."""

import pytest

from .launcher import start_emulator


class _Factory:
    def __init__(self):
        self.items = []

    def __call__(self, **kwargs):
        handle = start_emulator(**kwargs)
        self.items.append(handle)
        return handle

    def stop_all(self):
        for handle in reversed(self.items):
            handle.stop()
        self.items.clear()


@pytest.fixture
def emulator_factory():
    factory = _Factory()
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope='session')
def emulator_session_factory():
    factory = _Factory()
    try:
        yield factory
    finally:
        factory.stop_all()
