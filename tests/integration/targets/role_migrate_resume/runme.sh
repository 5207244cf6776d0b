#!/usr/bin/env bash
# Resume after an interrupted run: kill the play while it waits for batch 1's migration, run it
# again, and check that the emulator holds each migration exactly once and the data is complete.
set -eu

config=$(cd ../.. && pwd)/integration_config.yml
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
prefix="rr$(date +%s%N | cut -c6-15)"
reports=$(mktemp -d)
playbook=(ansible-playbook -i localhost, -e "@$config" -e "rr_prefix=$prefix" -e "rr_report_dir=$reports" "$@")

first_pid=""
cleanup() {
  [ -n "$first_pid" ] && kill -KILL -- "-$first_pid" 2>/dev/null || true
  "$python" ../setup_emulator/emulator_admin.py "$config" speed 1 || true
  rm -rf "$reports"
}
trap cleanup EXIT

# Slow the emulator so the first run is surely mid-wait when it is killed.
"$python" ../setup_emulator/emulator_admin.py "$config" speed 0.1

setsid "${playbook[@]}" run.yml > "$reports/first-run.log" 2>&1 &
first_pid=$!
"$python" ../setup_emulator/emulator_admin.py "$config" wait-running "${prefix}b01mig" 120
sleep 1
kill -TERM -- "-$first_pid"
wait "$first_pid" && { echo "the first run should have been killed"; exit 1; }
first_pid=""
echo "first run killed while ${prefix}b01mig was running"

"$python" ../setup_emulator/emulator_admin.py "$config" speed 4
# The resuming run at -vvvv: no password, client secret or token may appear in its output.
"${playbook[@]}" -vvvv run.yml > "$reports/second-run.log" 2>&1 || { tail -n 60 "$reports/second-run.log"; exit 1; }
tail -n 12 "$reports/second-run.log"
"$python" - "$config" "$reports" <<'PY'
import glob, sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
secrets = [config[k] for k in ('pgflex_source_password', 'pgflex_target_password', 'azure_secret', 'pgflex_emulator_admin_token')]
for path in [sys.argv[2] + '/second-run.log', sys.argv[2] + '/first-run.log'] + glob.glob(sys.argv[2] + '/*.md') + glob.glob(sys.argv[2] + '/*.json'):
    text = open(path).read()
    leaked = [s[:3] + '...' for s in secrets if s and s in text]
    assert not leaked, 'secrets %s found in %s' % (leaked, path)
print('no secret in the -vvvv output, the first run output or the reports')
PY

names=$("$python" ../setup_emulator/emulator_admin.py "$config" names "$prefix")
expected="[\"${prefix}b01mig\", \"${prefix}b02mig\"]"
echo "migrations in the emulator: $names"
[ "$names" = "$expected" ] || { echo "expected $expected"; exit 1; }

# Data complete: the second run verified it; the JSON report says so.
"$python" - "$reports" <<'PY'
import glob, json, sys
report = json.load(open(sorted(glob.glob(sys.argv[1] + '/*.json'))[-1]))
assert report['result'] == 'succeeded', report['failure']
assert report['verification']['verified'], report['verification']['mismatches']
mig = [b['migration'] for b in report['batches']]
assert [m['created'] for m in mig] == [False, True], mig
print('resume OK: batch 1 resumed (not recreated), batch 2 created, verification: ' + report['verification']['summary'])
PY
