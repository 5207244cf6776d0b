#!/usr/bin/env bash
# `make demo`: set up, start the sandbox, install the collection the way a user would, run
# examples/migrate.yml (validation, migration of the sample databases, verification, report),
# print the report, and always stop the sandbox. Exits non-zero when the demo fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

venv=${PGFLEX_VENV:-$PWD/.venv}
report_dir=${PGFLEX_REPORT_DIR:-$PWD/.build/demo-report}
work=$(mktemp -d)

stop_everything() {
  local rc=$?
  log "stopping the sandbox"
  make --no-print-directory sandbox-down >/dev/null 2>&1 || warn "make sandbox-down failed; run it again"
  rm -rf "$work"
  if [ "$rc" -eq 0 ]; then log "demo finished"; else warn "demo FAILED (exit $rc)"; fi
  exit "$rc"
}
trap stop_everything EXIT
trap 'exit 130' INT TERM

log "setting up the virtualenv"
scripts/venv.sh

log "starting the sandbox (source and target PostgreSQL, Azure emulator)"
make --no-print-directory sandbox-up
set -a
# shellcheck disable=SC1091
source .sandbox/env
set +a

log "building and installing the collection into a temporary collections path"
# The install and the play share one configured collections path (ANSIBLE_COLLECTIONS_PATH), so ansible-galaxy
# has nothing to warn about: the place it installs to is where the play looks.
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$work" . >/dev/null
"$venv/bin/ansible-galaxy" collection install --force "$work"/pgflex-migration-*.tar.gz >/dev/null

rm -rf "$report_dir"
mkdir -p "$report_dir"
log "running examples/migrate.yml against the sandbox (databases: $PGFLEX_SANDBOX_DATABASES)"
rc=0
PGFLEX_REPORT_DIR="$report_dir" \
  "$venv/bin/ansible-playbook" -i localhost, examples/migrate.yml || rc=$?

report=$(ls -t "$report_dir"/*.md 2>/dev/null | head -n 1 || true)
if [ -n "$report" ]; then
  echo
  cat "$report"
  echo
  log "report: $report (and ${report%.md}.json)"
else
  warn "no report was written"
fi
exit "$rc"
