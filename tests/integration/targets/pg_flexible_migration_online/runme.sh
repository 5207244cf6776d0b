#!/usr/bin/env bash
# Online migration with real logical replication: a writer changes the source while the migration replicates, a
# per-database cutover, the final cutover and a check of data, sequences and counters; then an early cutover is
# refused and a cancel during replication leaves nothing behind.
set -eu

config=$(cd ../.. && pwd)/integration_config.yml
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
work=$(mktemp -d)
prefix="onl$(date +%s%N | cut -c6-15)"
run=(ansible-playbook -i localhost, -e "@$config" -e "onl=$prefix" -e "onl_work=$work" "$@")

cleanup() {
  "${run[@]}" cleanup.yml || true
  rm -rf "$work"
}
trap cleanup EXIT

"${run[@]}" start.yml
# Changes while the migration replicates, until just before the first cutover.
"$python" online_db.py "$config" write 4 "${prefix}a" shop hr > "$work/writes1.json"
"${run[@]}" cutover_one.yml
# hr is cut over; shop keeps replicating.
"$python" online_db.py "$config" write 3 "${prefix}b" shop > "$work/writes2.json"
"${run[@]}" cutover_rest.yml
"$python" online_db.py "$config" sequences shop hr analytics > "$work/sequences.json"
"${run[@]}" check.yml
"${run[@]}" refuse_and_cancel.yml
"$python" online_db.py "$config" leftovers > "$work/leftovers.json"
"${run[@]}" check_leftovers.yml
