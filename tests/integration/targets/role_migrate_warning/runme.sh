#!/usr/bin/env bash
# Validation warnings: stop when migrate_fail_on_validation_warning is true, go on otherwise.
# Needs a source whose wal_level is not 'logical', so it starts one of its own.
set -eu

config=$(cd ../.. && pwd)/integration_config.yml
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}
work=$(mktemp -d)
chmod 755 "$work"  # the server runs as an unprivileged user
prefix="rw$(date +%s%N | cut -c6-15)"
database="${prefix}db"

for path in ${ANSIBLE_COLLECTIONS_PATH//:/ }; do
  if [ -d "$path/ansible_collections/pgflex/migration/tests/pgcluster" ]; then
    export PYTHONPATH="$path/ansible_collections/pgflex/migration/tests${PYTHONPATH:+:$PYTHONPATH}"
  fi
done

cleanup() {
  "$python" ../setup_emulator/emulator_admin.py "$config" speed 1 || true
  "$python" source_cluster.py stop "$work/source" || true
  rm -rf "$work"
}
trap cleanup EXIT

"$python" source_cluster.py start "$work/source" "$database" > "$work/source.json"

ansible-playbook -i localhost, -e "@$config" -e "rw_prefix=$prefix" -e "rw_database=$database" \
  -e "rw_source_file=$work/source.json" -e "rw_report_dir=$work/reports" "$@" warning.yml

# The target got a database from this test: drop it.
ansible-playbook -i localhost, -e "@$config" -e "rw_database=$database" "$@" drop_target_database.yml
