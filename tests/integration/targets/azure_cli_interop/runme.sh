#!/usr/bin/env bash
# The real Azure CLI against the sandbox, then the collection on the migrations it named: install (or reuse) the
# CLI, register the sandbox as a cloud in a private config directory, sign in as the sandbox's service principal,
# and play run.yml, which creates migrations with `az` and waits for, cancels and reads them with the modules.
# No CLI, no test: a failed install fails this target (it never skips).
set -eu

config=$(cd ../.. && pwd)/integration_config.yml
[ -f "$config" ] || { echo "missing $config: run through scripts/test-all.sh --only integration" >&2; exit 1; }

# scripts/azcli.sh of the collection under test (ansible-test runs this from a temporary copy of the target).
installer=""
IFS=: read -r -a collection_roots <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
for root in "${collection_roots[@]}"; do
  if [ -x "$root/ansible_collections/pgflex/migration/scripts/azcli.sh" ]; then
    installer="$root/ansible_collections/pgflex/migration/scripts/azcli.sh"
    break
  fi
done
[ -n "$installer" ] || { echo "FAILED: scripts/azcli.sh not found under ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }
if ! az=$("$installer"); then
  echo "FAILED: the Azure CLI could not be installed by scripts/azcli.sh; this target needs it" >&2
  exit 1
fi

sandbox() { "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }

# A private profile (removed at exit), nothing sent anywhere but the sandbox, and the sandbox's CA bundle as
# the trust store: verification stays on.
AZURE_CONFIG_DIR=$(mktemp -d)
trap 'rm -rf "$AZURE_CONFIG_DIR"' EXIT
export AZURE_CONFIG_DIR
export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false AZURE_CORE_NO_COLOR=true \
       AZURE_CORE_INSTANCE_DISCOVERY=false AZURE_EXTENSION_USE_DYNAMIC_INSTALL=no
REQUESTS_CA_BUNDLE=$(sandbox requests_ca_bundle)
export REQUESTS_CA_BUNDLE

echo "$("$az" version --query '"azure-cli"' -o tsv 2>/dev/null || echo '?') is $az"
# The cloud comes from the sandbox's metadata endpoint, as for any Azure Stack-style cloud.
arm=$(sandbox pgflex_emulator_url)/
"$az" cloud register --name PgflexSandbox --endpoint-resource-manager "$arm" --only-show-errors
"$az" cloud set --name PgflexSandbox --only-show-errors
# The service principal's certificate: no secret on a command line or in the CLI's profile.
"$az" login --service-principal --username "$(sandbox azure_client_id)" --tenant "$(sandbox azure_tenant)" \
  --certificate "$(sandbox pgflex_client_certificate_path)" --only-show-errors --output none

ansible-playbook -i localhost, run.yml -e "@$config" -e "azi_az=$az" -e "azi_work_dir=$AZURE_CONFIG_DIR" "$@"
