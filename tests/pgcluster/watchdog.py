"""Stops a cluster when the process that started it dies without stopping it.

Test runners can end a process without running its clean-up code (pytest-forked children leave with
os._exit, a CI job can be killed): atexit handlers never run then, so a tiny detached watcher does it.
Usage: python -m pgcluster.watchdog OWNER_PID BASE_DIR
"""

import os
import sys
import time

from .cluster import STATE_FILE, PgCluster


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(owner_pid, base_dir, interval=0.5):
    state = os.path.join(base_dir, STATE_FILE)
    while os.path.exists(state):
        if not _alive(owner_pid):
            PgCluster.from_state(base_dir).stop()
            return 0
        time.sleep(interval)
    return 0  # stopped normally by its owner


if __name__ == '__main__':
    sys.exit(main(int(sys.argv[1]), sys.argv[2]))
