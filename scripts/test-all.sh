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

ALL_STAGES=(lint sanity units docs changelog builder pytest private-checkout integration oldest-core doc-snippets runner sanity-newest)
# The oldest ansible-core that meta/runtime.yml claims (requires_ansible) is the one Automation Platform 2.5
# execution environments ship: its leg runs sanity, units and the modules' integration targets.
OLDEST_CORE=2.16
OLDEST_CORE_TARGETS=${PGFLEX_OLDEST_CORE_TARGETS:-pg_flexible_migration pg_flexible_migration_info pg_flexible_migration_secrets}
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
cleanup() {
  # Stages stop the sandboxes they start; this catches one left by an interrupted run.
  if [ -e "$COLL/.sandbox" ]; then
    (cd "$COLL" && "$VENV/bin/python" scripts/sandbox.py down >/dev/null 2>&1)
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -a RESULTS=()
declare -A STATUS=()
FAILED=0

record_stage() {
  local name=$1 rc=$2 took=$3 note=${4:-}
  STATUS[$name]=$([ $rc -eq 0 ] && echo PASS || { [ $rc -eq 75 ] && echo SKIP || echo FAIL; })
  if [ $rc -eq 0 ]; then
    RESULTS+=("PASS  $(printf '%-14s' "$name") ${took}s${note}")
  elif [ $rc -eq 75 ]; then
    RESULTS+=("SKIP  $(printf '%-14s' "$name") ${took}s${note}  (see NOTICE above)")
  else
    RESULTS+=("FAIL  $(printf '%-14s' "$name") ${took}s${note}  (exit $rc)")
    FAILED=1
  fi
}

# Why a stage failed, in a few lines for the end of the output (CI keeps only its tail): for each integration target
# that failed, its name and its last unignored "fatal:" lines; for other stages, the test runners' failure lines.
declare -a WHY=()
failure_digest() {
  local name=$1 log=$2
  [ -s "$log" ] || return 0
  WHY+=("--- $name" "$(awk '
    /^Running [^ ]+ integration test/ { target = $2; n = 0 }
    /^\.\.\.ignoring/ { if (n > 0) n--; next }
    /fatal: \[|^failed: \[/ { last[++n % 2] = substr($0, 1, 600) }
    /^ +"(assertion|msg)": / && n > 0 { last[n % 2] = last[n % 2] " " substr($0, 1, 400) }
    /^(ERROR|FATAL): Command/ && target != "" {
      print "target " target ":"; for (i = n - 1; i <= n; i++) if (i > 0) print "  " last[i % 2]; print "  " $0; shown++ }
    /^(FAILED|ERROR) [^-]|^ERROR: Found [0-9]+ |^=+ .*(failed|error)/ && target == "" { print substr($0, 1, 600); shown++ }
    END { if (!shown) print "(no failure line recognised: see the stage output above)" }' "$log" | tail -n 30)")
}

run_stage() {
  local name=$1; shift
  local start=$SECONDS rc
  log "stage $name"
  ( "$@" ) 2>&1 | tee "$WORK/stage-$name.log"
  rc=${PIPESTATUS[0]}
  record_stage "$name" $rc $((SECONDS - start))
  [ $rc -eq 0 ] || failure_digest "$name" "$WORK/stage-$name.log"
}

# Stages that run beside the integration stage, which mostly waits for the emulator: each has its own sandbox
# or none, and its output is printed in one piece when it ends (joined right after integration).
BESIDE_INTEGRATION=(oldest-core sanity-newest doc-snippets)
declare -a BESIDE_PIDS=() BESIDE_NAMES=()

start_beside() {
  local name=$1; shift
  log "stage $name starts beside integration (its output follows when it ends)"
  ( local start=$SECONDS rc
    ( "$@" ) >"$WORK/beside-$name.log" 2>&1
    rc=$?
    echo "$rc $((SECONDS - start))" >"$WORK/beside-$name.rc" ) &
  BESIDE_PIDS+=($!)
  BESIDE_NAMES+=("$name")
}

join_beside() {
  local i name rc took
  for i in "${!BESIDE_PIDS[@]}"; do
    name=${BESIDE_NAMES[$i]}
    wait "${BESIDE_PIDS[$i]}"
    log "stage $name (ran beside integration)"
    cat "$WORK/beside-$name.log"
    read -r rc took <"$WORK/beside-$name.rc" || { rc=1; took=0; }
    record_stage "$name" "$rc" "$took" " (beside integration)"
    [ "$rc" -eq 0 ] || failure_digest "$name" "$WORK/beside-$name.log"
  done
  BESIDE_PIDS=()
  BESIDE_NAMES=()
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

# Start the sandbox (idempotent: a running one is reused) and point the integration tests at it.
sandbox_for_integration() {
  "$VENV/bin/python" scripts/sandbox.py up \
    && "$VENV/bin/python" scripts/integration_config.py "${PGFLEX_SANDBOX_DIR:-.sandbox}/env.json" \
      tests/integration/integration_config.yml
}

# The targets of one alias group (shippable/posix/groupN) in a copy of the collection of their own, with a sandbox of
# their own (their migrations and throttling budgets must not meet the other group's); output printed when it ends.
integration_group() {
  local group=$1 coll
  coll=$(stage_collection "$WORK/integration-$group") || return 1
  export PGFLEX_SANDBOX_DIR="$WORK/integration-$group-sandbox"
  trap '"$VENV/bin/python" scripts/sandbox.py down >/dev/null 2>&1' EXIT
  cd "$coll" && sandbox_for_integration || return 1
  ansible-test integration --local --color no -v "shippable/posix/$group/"
}

# Named targets (PGFLEX_INTEGRATION_TARGETS) run in one go; all targets run as their alias groups side by side: they
# mostly wait for the emulator, so the stage takes about as long as its longest group.
stage_integration() {
  if [ -n "${PGFLEX_INTEGRATION_TARGETS:-}" ]; then
    trap '"$VENV/bin/python" scripts/sandbox.py down >/dev/null 2>&1' EXIT  # nobody uses it after this stage
    cd "$COLL" && sandbox_for_integration || return 1
    ansible-test integration --local --color no -v $PGFLEX_INTEGRATION_TARGETS
    return
  fi
  local groups group rc=0 start=$SECONDS
  groups=$(grep -ho 'shippable/posix/group[0-9]*' tests/integration/targets/*/aliases | sort -u | sed 's#.*/##')
  declare -A pids=()
  for group in $groups; do
    ( integration_group "$group" ) >"$WORK/integration-$group.log" 2>&1 &
    pids[$group]=$!
  done
  for group in $groups; do
    wait "${pids[$group]}" || rc=1
    log "integration $group (ended after $((SECONDS - start))s)"
    cat "$WORK/integration-$group.log"
  done
  return $rc
}

# ansible-core version of a virtualenv (empty when it has none).
core_version() { [ -x "$1/bin/python" ] && "$1/bin/python" -c 'from ansible.release import __version__; print(__version__)' 2>/dev/null; }

stage_oldest_core() {
  local venv="$ROOT/.venv-$OLDEST_CORE" python sanity_coll int_coll
  python=$(find_python 3.11) || { echo "Python 3.11 was not found" >&2; return 1; }
  scripts/venv.sh "$venv" "$python" requirements.txt tests/oldest-core-requirements.txt || return 1
  log "ansible-core $(core_version "$venv") on Python 3.11: sanity, units, integration ($OLDEST_CORE_TARGETS)"
  # Copies of its own and a sandbox of its own: this stage runs beside the integration stage, whose sandbox and
  # migrations it must not meet, and ansible-test sanity walks every file of the collection it checks.
  sanity_coll=$(stage_collection "$WORK/oldest-core") || return 1
  int_coll=$(stage_collection "$WORK/oldest-core-integration") || return 1
  export PGFLEX_SANDBOX_DIR="$WORK/oldest-core-sandbox"
  trap '"$VENV/bin/python" scripts/sandbox.py down >/dev/null 2>&1' EXIT
  cd "$int_coll" || return 1
  local rc=0 sanity_pid
  "$venv/bin/ansible-test" units --local --python 3.11 --color no || rc=1
  "$VENV/bin/python" scripts/sandbox.py up \
    && "$VENV/bin/python" scripts/integration_config.py "$PGFLEX_SANDBOX_DIR/env.json" tests/integration/integration_config.yml \
    || return 1
  # Sanity is CPU-bound and the integration targets mostly wait for the emulator: run them side by side.
  (cd "$sanity_coll" && "$venv/bin/ansible-test" sanity --venv --python 3.11 --color no) >"$WORK/oldest-core-sanity.log" 2>&1 &
  sanity_pid=$!
  "$venv/bin/ansible-test" integration --local --color no -v $OLDEST_CORE_TARGETS || rc=1
  wait "$sanity_pid" || { rc=1; cat "$WORK/oldest-core-sanity.log"; }
  grep -E '^(Running sanity test|ERROR)' "$WORK/oldest-core-sanity.log"
  return $rc
}

# Every yaml and shell block of README.md and docs/ as its snippet marker says (scripts/doc_snippets.py): run blocks
# against a sandbox of their own (the migrations they create must not meet the integration tests'), stopped after.
stage_doc_snippets() {
  cd "$COLL" || return 1
  export PGFLEX_SANDBOX_DIR="$WORK/doc-snippets-sandbox"
  # run_stage runs this in a subshell: the trap stops the sandbox when the stage ends, however it ends.
  trap 'python scripts/sandbox.py down >/dev/null 2>&1' EXIT
  python scripts/sandbox.py up || return 1
  python scripts/doc_snippets.py --sandbox-env "$PGFLEX_SANDBOX_DIR/env"
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
  # <2.22: ansible-core 2.22.0's sanity pylint requirements take dill from a GitHub archive, which a machine with
  # package registries only cannot fetch (seen 2026-12-07); lift the bound once a release installs from PyPI alone.
  printf 'ansible-core>=2.20,<2.22\n' > "$WORK/newest-requirements.txt"
  scripts/venv.sh "$venv" "$python" "$WORK/newest-requirements.txt" || return 1
  log "sanity with ansible-core $(core_version "$venv") on Python $version"
  # Its own copy of the checkout: it may run beside integration, whose sandbox (.sandbox/) comes and goes in $COLL
  # while ansible-test walks every file of the collection.
  local sanity_coll
  sanity_coll=$(cd "$ROOT" && stage_collection "$WORK/newest") || return 1
  cd "$sanity_coll" && "$venv/bin/ansible-test" sanity --venv --python "$version" --color no
}

selected() { [[ " ${stages[*]} " == *" $1 "* ]]; }
beside() { selected integration && [[ " ${BESIDE_INTEGRATION[*]} " == *" $1 "* ]]; }

# The Azure CLI's own virtualenv (scripts/azcli.sh, cached, locked against two installs) is built while the first
# stages run, so the azure_cli_interop target does not wait for pip.
if selected integration; then
  scripts/azcli.sh >"$WORK/azcli-install.log" 2>&1 &
fi

for stage in "${stages[@]}"; do
  beside "$stage" && continue
  if [ "$stage" = integration ]; then
    for other in "${stages[@]}"; do
      beside "$other" && start_beside "$other" "stage_${other//-/_}"
    done
    run_stage integration stage_integration
    join_beside
    continue
  fi
  run_stage "$stage" "stage_${stage//-/_}"
done

echo
echo "==================== pgflex.migration test summary ===================="
printf '%s\n' "${RESULTS[@]}"
echo "======================================================================="
# One line per ansible-core version that ran: PASS when every stage run with it passed.
version_line() {
  local version=$1 stage state="" ran=()
  shift
  [ -n "$version" ] || return 0
  for stage in "$@"; do
    case "${STATUS[$stage]:-}" in
      FAIL) state=FAIL; ran+=("$stage") ;;
      PASS) [ -n "$state" ] || state=PASS; ran+=("$stage") ;;
    esac
  done
  [ -n "$state" ] && printf '%s  ansible-core %-8s (%s)\n' "$state" "$version" "${ran[*]}"
  return 0
}
version_line "$(core_version "$ROOT/.venv-$OLDEST_CORE")" oldest-core
version_line "$(core_version "$VENV")" lint sanity units docs changelog builder pytest private-checkout integration doc-snippets runner
version_line "$(core_version "$ROOT/.venv-newest")" sanity-newest
echo "======================================================================="
if [ $FAILED -ne 0 ]; then
  [ ${#WHY[@]} -eq 0 ] || { echo "What failed:"; printf '%s\n' "${WHY[@]}"; echo "======================================================================="; }
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: OK"
