#!/usr/bin/env bash
# Install (or reuse) the real Azure CLI in a virtualenv of its own and print the path of its `az`.
#   scripts/azcli.sh            -> ~/.cache/pgflex/azure-cli/bin/az
# The virtualenv lives in the user's cache (PGFLEX_AZCLI_VENV overrides it), not in the checkout: the
# integration target runs from a staged copy of the collection, and every clone or worktree on the machine
# shares the one install. A stamp keyed on the Python version and tests/azure-cli-requirements.txt makes
# a re-run a no-op; when the key changes the virtualenv is rebuilt from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

venv=${PGFLEX_AZCLI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pgflex/azure-cli}
reqs=tests/azure-cli-requirements.txt
python=$(find_python 3.11) || die "Python 3.11 was not found (looked on PATH and in pyenv)."
stamp_key=$( { "$python" -c 'import sys; print(sys.version)'; cat "$reqs"; } | sha256sum | cut -c1-16)
stamp="$venv/.pgflex-stamp-$stamp_key"

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9  # two runs at once (two worktrees) share one install
if [ -f "$stamp" ] && [ -x "$venv/bin/az" ]; then
  echo "$venv/bin/az"
  exit 0
fi

start=$SECONDS
log "installing $(grep -v '^#' "$reqs" | xargs) into $venv"
rm -rf "$venv"
"$python" -m venv "$venv" >&2 || { ensure_apt_package python3-venv; "$python" -m venv "$venv" >&2; }
# Wheels rather than source builds (--prefer-binary), and no byte-compiling of the ~100 SDK packages at install time:
# `az` compiles what it imports on first use, which is a small part of them.
if ! "$venv/bin/python" -m pip install --quiet --prefer-binary --no-compile -r "$reqs" \
     2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) >&2; then
  die "could not install the Azure CLI from the package registry (see pip's message above)"
fi
touch "$stamp"
log "Azure CLI installed in $((SECONDS - start)) s ($(du -sh "$venv" | cut -f1))"
echo "$venv/bin/az"
