"""The emulator's stand-in for the service restarting a source server: a source that is a local cluster made by
tests/pgcluster (found through its data directory) is restarted with pg_ctl."""

import os

from pgcluster.cluster import STATE_FILE, PgCluster, PgClusterError


def restart(data_directory):
    """Restart the local cluster whose data directory this is; False when it is not one the emulator can reach."""
    base_dir = os.path.dirname(os.path.normpath(data_directory))
    if not os.path.exists(os.path.join(base_dir, STATE_FILE)):
        return False
    try:
        PgCluster.from_state(base_dir).restart()
    except (OSError, PgClusterError):
        return False
    return True
