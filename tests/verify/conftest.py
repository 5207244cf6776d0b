"""Make the collection importable as ansible_collections.pgflex.migration, and start one pair of throwaway clusters
(source and target) for the whole suite."""

import atexit
import os
import shutil
import sys
import tempfile

import pytest

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _importable_collection():
    parts = COLLECTION.split(os.sep)
    if parts[-3:-1] == ['ansible_collections', 'pgflex'] and parts[-1] == 'migration':
        root = os.sep.join(parts[:-3])
    else:
        # A plain checkout: link it into a throwaway ansible_collections tree.
        root = tempfile.mkdtemp(prefix='pgflex-verify-')
        atexit.register(shutil.rmtree, root, True)  # removes the link, never what it points to
        os.makedirs(os.path.join(root, 'ansible_collections', 'pgflex'))
        os.symlink(COLLECTION, os.path.join(root, 'ansible_collections', 'pgflex', 'migration'))
    if root not in sys.path:
        sys.path.insert(0, root)


_importable_collection()


@pytest.fixture(scope='session')
def cluster_pair(pg_cluster_session_factory):
    pytest.importorskip('psycopg')
    return pg_cluster_session_factory(name='verify-source'), pg_cluster_session_factory(name='verify-target')
