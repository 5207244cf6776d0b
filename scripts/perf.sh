#!/usr/bin/env bash
# Run the benchmarks in tests/perf/ against a fresh sandbox and print their numbers.
# Benchmarks report; they never pass or fail on timing (the machines are shared and noisy).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
VENV=${PGFLEX_VENV:-$(pwd)/.venv}
scripts/venv.sh "$VENV" || die "could not set up the virtualenv"
export PATH="$VENV/bin:$PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgflex-perf-XXXXXX")
chmod 755 "$WORK"
COLL=$(stage_collection "$WORK")
export ANSIBLE_COLLECTIONS_PATH="$WORK"
trap '(cd "$COLL" && python scripts/sandbox.py down >/dev/null 2>&1); rm -rf "$WORK"' EXIT

cd "$COLL"
python scripts/sandbox.py up || die "sandbox did not start"
status=0
for bench in tests/perf/bench_*.py; do
  [ -e "$bench" ] || continue
  case "$bench" in */bench_big*) continue ;; esac  # make bench-big: its own big sandbox, tens of minutes
  log "benchmark $bench"
  PYTHONPATH=tests python "$bench" --sandbox-env .sandbox/env.json || status=1
done
exit $status
