#!/usr/bin/env bash
# Reliability against the sandbox: the bad-input table at -vvvv (no secret in the output), then the fault tests:
# slow answers, endless throttling and an unanswering cloud metadata endpoint end within their time budget, a wait
# makes no GET before the service's Retry-After, a token outage during a wait is retried, and a killed controller
# stops the module within one poll interval and the re-run resumes the same migration.
set -eu
config=$(cd ../.. && pwd)/integration_config.yml
[ -f "$config" ] || { echo "missing $config: run through scripts/test-all.sh --only integration" >&2; exit 1; }
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
admin=("$python" ../setup_emulator/emulator_admin.py "$config")
work=$(mktemp -d)
playbook=(ansible-playbook -e "@$config" -e "rel_work_dir=$work")
killed_pid=""
name=""
cleanup() {
  [ -n "$killed_pid" ] && kill -KILL -- "-$killed_pid" 2>/dev/null || true
  [ -n "$name" ] && "${playbook[@]}" -i localhost, -e "rel_name=$name" -e rel_cleanup=true killed.yml >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the bad-input table ----------------------------------------------------------------------------------
"$python" write_files.py "$work/files" "$config"
# Three local hosts share the cases out, so module runs overlap on the two cores CI has. Pipelining saves each
# module run its temporary files (a quarter of its cost).
if ! ANSIBLE_PIPELINING=1 "${playbook[@]}" -i rel1,rel2,rel3 --forks 3 -vvvv -e "rel_file_dir=$work/files" bad_input.yml > "$work/bad-input.log" 2>&1; then
  grep -E '^(fatal|TASK)|"msg": "[^"]*(wrong|:)' "$work/bad-input.log" | grep -v '"msg": "Invalid input\|ignoring' | tail -n 30
  echo "bad_input.yml failed" >&2
  exit 1
fi
"$python" check_bad_input.py "$config" "$work/results.json" "$work/bad-input.log"

# ---- faults: slow answers, throttling, an unanswering metadata endpoint, token outage during a wait ---------
"${playbook[@]}" -i localhost, faults.yml "$@"

# ---- a killed controller ----------------------------------------------------------------------------------
name="relk$(date +%s%N | cut -c8-16)"
poll=2
setsid "${playbook[@]}" -i localhost, -e "rel_name=$name" -e "rel_poll=$poll" killed.yml > "$work/killed-first.log" 2>&1 &
killed_pid=$!
"${admin[@]}" wait-running "$name" 120
sleep 3  # the module is in its wait loop now
module_pids=$("$python" descendants.py "$killed_pid" --not ansible-playbook)
[ -n "$module_pids" ] || { echo "no module process under the playbook"; cat "$work/killed-first.log"; exit 1; }
kill -KILL "$killed_pid"
# The module notices within about one poll that its controller is gone; the bound is generous (a loaded CI machine
# starts processes slowly) yet far below the 300 s the orphan would otherwise wait.
"$python" descendants.py --wait-gone "$module_pids" --group "$killed_pid" --within 60 --poll-interval "$poll"
killed_pid=""

"${playbook[@]}" -i localhost, -e "rel_name=$name" -e "rel_poll=1" -e rel_resume=true killed.yml "$@"
names=$("${admin[@]}" names "$name")
[ "$names" = "[\"$name\"]" ] || { echo "expected one migration $name, found $names"; exit 1; }
echo "killed controller: the re-run resumed $name (no duplicate)"
name=""
