"""Pytest fixtures for throwaway PostgreSQL clusters (loaded by the root pytest.ini).

``stopped_at_teardown(start)`` is the generic part: other helpers (the emulator) build their factory fixtures on it."""

import pytest

from .cluster import PgCluster


class StartedThings:
    """Calls ``start(**kwargs)`` on demand and remembers each result, so ``stop_all()`` can stop them newest first."""

    def __init__(self, start):
        self._start = start
        self._started = []

    def __call__(self, **kwargs):
        thing = self._start(**kwargs)
        self._started.append(thing)
        return thing

    def stop_all(self):
        for thing in reversed(self._started):
            thing.stop()
        self._started.clear()


def stopped_at_teardown(start):
    """Body of a factory fixture (``yield from``): yields a StartedThings; everything it started is stopped afterwards,
    pass or fail."""
    factory = StartedThings(start)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def pg_cluster_factory():
    """Start clusters on demand; all of them are stopped when the test ends, pass or fail."""
    yield from stopped_at_teardown(PgCluster.start)


@pytest.fixture(scope='session')
def pg_cluster_session_factory():
    """Like pg_cluster_factory, but the clusters live for the whole test session."""
    yield from stopped_at_teardown(PgCluster.start)
