#!/usr/bin/env bash
# The token cache: two info tasks in a row sign in once with the cache on and twice with it off (the emulator's
# request log counts token requests); a corrupt cache file costs a warning; a cached token the service refuses is
# replaced after one sign-in; no token shows at -vvvv; four forks that start together sign in once.
# The sandbox values come from integration_config.yml, which ansible-test copies two levels up.
set -eu
config=../../integration_config.yml
[ -f "$config" ] || { echo "missing $config: run through scripts/test-all.sh --only integration" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! ansible-playbook tasks.yml -vvvv -e "@$config" -e "tc_work_dir=$work" > "$work/output.txt" 2>&1; then
  tail -n 60 "$work/output.txt"
  echo "tasks.yml failed" >&2
  exit 1
fi
ansible-playbook check.yml "$@" -e "@$config" -e "tc_work_dir=$work"
ansible-playbook -i tc1,tc2,tc3,tc4 --forks 4 parallel.yml "$@" -e "@$config" -e "tc_work_dir=$work"
