"""Throwaway local PostgreSQL clusters for tests, the emulator and the sandbox."""

from .cluster import PgCluster, PgClusterError, find_bindir

__all__ = ['PgCluster', 'PgClusterError', 'find_bindir']
