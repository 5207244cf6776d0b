#!/usr/bin/env bash
# Set up and run every check and test suite; print a summary; exit non-zero if anything failed.
#   scripts/test-all.sh                      all stages
#   scripts/test-all.sh --only sanity,units  selected stages
# The collection is copied to a temporary ansible_collections/pgflex/migration tree (ansible-test
# needs that layout), so nothing is written into the checkout except the reusable virtualenvs.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ROOT=$(pwd)

ALL_STAGES=(lint sanity units docs changelog builder pytest private-checkout integration runner sanity-newest)
stages=("${ALL_STAGES[@]}")
if [ "${1:-}" = "--only" ] && [ -n "${2:-}" ]; then
  IFS=, read -r -a stages <<<"$2"
  for s in "${stages[@]}"; do
    [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || die "unknown stage '$s' (stages: ${ALL_STAGES[*]})"
  done
fi

VENV=${PGFLEX_VENV:-$ROOT/.venv}
scripts/venv.sh "$VENV" || die "could not set up the virtualenv $VENV"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgflex-test-XXXXXX")
chmod 755 "$WORK"
COLL=$(stage_collection "$WORK")
export ANSIBLE_COLLECTIONS_PATH="$WORK"
SANDBOX_STARTED=""
cleanup() {
  if [ -n "$SANDBOX_STARTED" ]; then
    (cd "$COLL" && "$VENV/bin/python" scripts/sandbox.py down >/dev/null 2>&1)
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -a RESULTS=()
FAILED=0

run_stage() {
  local name=$1; shift
  local start=$SECONDS rc
  log "stage $name"
  ( "$@" )
  rc=$?
  local took=$((SECONDS - start))
  if [ $rc -eq 0 ]; then
    RESULTS+=("PASS  $(printf '%-14s' "$name") ${took}s")
  elif [ $rc -eq 75 ]; then
    RESULTS+=("SKIP  $(printf '%-14s' "$name") ${took}s  (see NOTICE above)")
  else
    RESULTS+=("FAIL  $(printf '%-14s' "$name") ${took}s  (exit $rc)")
    FAILED=1
  fi
}

stage_lint() { cd "$COLL" && ansible-lint --offline --profile production; }

stage_sanity() { cd "$COLL" && ansible-test sanity --venv --python 3.11 --color no; }

stage_units() { cd "$COLL" && ansible-test units --venv --python 3.11 --color no; }

stage_docs() { cd "$COLL" && antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all .; }

stage_changelog() { cd "$COLL" && antsibull-changelog lint; }

stage_builder() {
  cd "$COLL" && ansible-builder create -f meta/execution-environment.yml -c "$WORK/ee-context" --output-filename Containerfile -v 1 \
    && test -s "$WORK/ee-context/Containerfile"
}

stage_pytest() { cd "$COLL" && python -m pytest -p no:cacheprovider -q; }

# The sandbox from a clone under a mode-700 directory (a checkout in root's home): up, use, down, nothing left.
stage_private_checkout() { PGFLEX_VENV="$VENV" scripts/check-private-checkout.sh "$WORK/private-checkout"; }

stage_integration() {
  cd "$COLL"
  SANDBOX_STARTED=1
  python scripts/sandbox.py up || return 1
  python scripts/integration_config.py .sandbox/env.json tests/integration/integration_config.yml || return 1
  ansible-test integration --local --color no -v ${PGFLEX_INTEGRATION_TARGETS:-}
  local rc=$?
  python scripts/sandbox.py down
  return $rc
}

# The fleet play through ansible-runner, the way AWX runs it (its own 12-server sandbox; tests/runner).
stage_runner() { cd "$COLL" && python -m pytest -p no:cacheprovider -q tests/runner; }

stage_sanity_newest() {
  local python version
  for version in 3.14 3.13 3.12; do
    python=$(find_python "$version") && break
  done
  if [ -z "${python:-}" ]; then
    warn "no Python >= 3.12 found (pyenv or PATH): skipping sanity on the newest ansible-core"
    return 75
  fi
  local venv="$ROOT/.venv-newest"
  printf 'ansible-core>=2.20\n' > "$WORK/newest-requirements.txt"
  scripts/venv.sh "$venv" "$python" "$WORK/newest-requirements.txt" || return 1
  log "sanity with $("$venv/bin/ansible" --version | head -1) on Python $version"
  cd "$COLL" && "$venv/bin/ansible-test" sanity --venv --python "$version" --color no
}

for stage in "${stages[@]}"; do
  run_stage "$stage" "stage_${stage//-/_}"
done

echo
echo "==================== pgflex.migration test summary ===================="
printf '%s\n' "${RESULTS[@]}"
echo "======================================================================="
if [ $FAILED -ne 0 ]; then
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: OK"
