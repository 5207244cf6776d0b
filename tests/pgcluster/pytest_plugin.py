"""Pytest fixtures for throwaway PostgreSQL clusters (loaded by the root pytest.ini)."""

import pytest

from .cluster import PgCluster


class _Factory:
    def __init__(self):
        self.clusters = []

    def __call__(self, **kwargs):
        cluster = PgCluster.start(**kwargs)
        self.clusters.append(cluster)
        return cluster

    def stop_all(self):
        for cluster in reversed(self.clusters):
            cluster.stop()
        self.clusters.clear()


@pytest.fixture
def pg_cluster_factory():
    """Start clusters on demand; all of them are stopped when the test ends, pass or fail."""
    factory = _Factory()
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope='session')
def pg_cluster_session_factory():
    """Like pg_cluster_factory, but the clusters live for the whole test session."""
    factory = _Factory()
    try:
        yield factory
    finally:
        factory.stop_all()
