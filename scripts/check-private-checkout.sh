#!/usr/bin/env bash
# The sandbox works from a checkout that other users cannot reach (a clone under a mode-700 directory, as
# under root's home): clone this checkout there, `make sandbox-up`, use the source, the target and the
# emulator, `make sandbox-down`, and check that nothing is left (processes, .sandbox/, the clusters' data).
# Usage: scripts/check-private-checkout.sh WORK_DIR   (WORK_DIR is created; the caller removes it)
# Reuses the virtualenv named by PGFLEX_VENV (default: this checkout's .venv), so nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ROOT=$(pwd)
VENV=${PGFLEX_VENV:-$ROOT/.venv}

private="$1/private"
mkdir -p "$1"
mkdir -m 700 "$private"
clone="$private/repo"

# A clone of the current commit, plus the working tree's changes, so that uncommitted work is what is tested.
git clone -q --no-checkout "$ROOT" "$clone"
git -C "$clone" checkout -q --detach "$(git rev-parse HEAD)"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$clone"
log "clone in $clone (parent mode $(stat -c %a "$private"), running as $(id -un))"

cleanup() { (cd "$clone" && make --no-print-directory sandbox-down VENV="$VENV" >/dev/null 2>&1) || true; }
trap cleanup EXIT

cd "$clone"
make --no-print-directory sandbox-up VENV="$VENV"
make --no-print-directory sandbox-up VENV="$VENV" | grep -q 'already running' || die "a second sandbox-up did not find the running sandbox"
data_dir=$(cat .sandbox/data-dir)
emulator_pid=$(cat .sandbox/emulator.pid)

"$VENV/bin/python" - <<'PY'
"""Each part of the sandbox answers with the environment that sandbox-up wrote."""
import json
import psycopg
import requests

env = json.load(open('.sandbox/env.json', encoding='utf-8'))
for side in ('SOURCE', 'TARGET'):
    with psycopg.connect(host=env['PGFLEX_%s_HOST' % side], port=env['PGFLEX_%s_PORT' % side], user=env['PGFLEX_%s_USER' % side],
                         password=env['PGFLEX_%s_PASSWORD' % side], dbname='postgres', connect_timeout=10) as conn:
        conn.execute('SELECT 1')
    print('%s PostgreSQL answers' % side.lower())
reply = requests.get(env['AZURE_CLOUD_ENVIRONMENT'], verify=env['REQUESTS_CA_BUNDLE'], timeout=10)
reply.raise_for_status()
print('emulator answers over HTTPS')
PY

make --no-print-directory sandbox-down VENV="$VENV"
trap - EXIT
[ ! -e .sandbox ] || die ".sandbox/ is still there after sandbox-down"
[ ! -e "$data_dir" ] || die "the clusters' data directory $data_dir is still there after sandbox-down"
! kill -0 "$emulator_pid" 2>/dev/null || die "the emulator (pid $emulator_pid) still runs after sandbox-down"
! pgrep -f -- "$data_dir" >/dev/null || die "processes using $data_dir still run after sandbox-down"
log "private checkout: sandbox-up, use and sandbox-down work; nothing left behind"
