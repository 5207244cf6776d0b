#!/usr/bin/env bash
# Create (or reuse) a project-local virtualenv and install the project's requirements into it.
# Usage: scripts/venv.sh [VENV_DIR [PYTHON [REQUIREMENTS...]]]
# A stamp file keyed on the requirement files' content makes re-runs a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

venv=${1:-${PGFLEX_VENV:-.venv}}
python=${2:-}
shift $(( $# > 2 ? 2 : $# )) || true
reqs=("$@")
[ ${#reqs[@]} -gt 0 ] || reqs=(requirements-dev.txt)

if [ -z "$python" ]; then
  python=$(find_python 3.11) || die "Python 3.11 was not found (looked on PATH and in pyenv)."
fi

stamp_key=$( { "$python" -c 'import sys; print(sys.version)'; cat "${reqs[@]}" requirements.txt; } | sha256sum | cut -c1-16)
stamp="$venv/.pgflex-stamp-$stamp_key"
if [ -f "$stamp" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  log "creating virtualenv $venv with $python"
  "$python" -m venv "$venv" || {
    ensure_apt_package python3-venv
    "$python" -m venv "$venv"
  }
fi
log "installing ${reqs[*]} into $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
for r in "${reqs[@]}"; do
  "$venv/bin/python" -m pip install --quiet -r "$r" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
done
seed_ansible_test_pip "$venv/bin/python"
rm -f "$venv"/.pgflex-stamp-*
touch "$stamp"
log "virtualenv $venv is ready"
