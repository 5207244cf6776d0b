#!/usr/bin/env bash
# Secrets never show: play pg_flexible_migration at -vvvv (create, diff, check mode, failures, properties file, a password
# rotated on a running online migration, cancel) with marker passwords, then search the whole output and every registered result for them.
# The sandbox values come from integration_config.yml, which ansible-test copies two levels up.
set -eu
config=../../integration_config.yml
[ -f "$config" ] || { echo "missing $config: run through scripts/test-all.sh --only integration" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! ansible-playbook secrets.yml -vvvv -e "@$config" -e "pfm_work_dir=$work" > "$work/output.txt" 2>&1; then
  tail -n 60 "$work/output.txt"
  echo "secrets.yml failed" >&2
  exit 1
fi
ansible-playbook check.yml "$@" -e "@$config" -e "pfm_work_dir=$work"
