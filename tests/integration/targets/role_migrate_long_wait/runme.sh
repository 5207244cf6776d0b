#!/usr/bin/env bash
# A migration held in progress for 300+ progress intervals: the role waits through the module, the
# output holds a line per interval, time per interval and memory stay flat, then it succeeds. Also:
# wait_timeout ends a wait on a held migration within one poll interval of the deadline.
set -eu

config=$(cd ../.. && pwd)/integration_config.yml
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
prefix="lw$(date +%s%N | cut -c6-15)"
work=$(mktemp -d)
admin=(../setup_emulator/emulator_admin.py "$config")
playbook=(ansible-playbook -i localhost, -e "@$config" -e "lw_prefix=$prefix" -e "lw_report_dir=$work/reports" "$@")

fault=""
cleanup() {
  [ -n "$fault" ] && "$python" "${admin[@]}" release "$fault" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fault=$("$python" "${admin[@]}" hold "${prefix}b01mig")
"$python" watch.py "$config" "$prefix" "$fault" 300 "$work/long-wait.log" -- "${playbook[@]}" long_wait.yml \
  || { tail -n 40 "$work/long-wait.log"; exit 1; }
fault=""
tail -n 8 "$work/long-wait.log"

fault=$("$python" "${admin[@]}" hold "${prefix}held")
"${playbook[@]}" timeout.yml
