# Shared shell helpers for scripts/*.sh (sourced, not executed).

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mNOTICE:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# find_python X.Y -> path of a working pythonX.Y (PATH first, then pyenv's versions).
find_python() {
  local want=$1 candidate
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  for candidate in $(ls -d "$pyenv_root"/versions/"$want".*/bin/python"$want" 2>/dev/null | sort -V -r) \
                   /usr/bin/python"$want" /usr/local/bin/python"$want" "$(command -v python"$want" 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if "$candidate" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# ensure_apt_package PKG... -> installs missing Debian packages (root or sudo).
ensure_apt_package() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ansible-test bootstraps pip into its virtualenvs with a script it downloads from the internet.
# Seed its cache with a small stand-in that uses the interpreter's own ensurepip and then the
# package registry, so `--venv` works without that download.
seed_ansible_test_pip() {
  local python=$1 version
  version=$("$python" - <<'PY'
import re, pathlib
try:
    import ansible_test
except ImportError:
    raise SystemExit(0)
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
m = re.search(r"pip='([0-9.]+)'", src.read_text())
print(m.group(1) if m else '')
PY
)
  [ -n "$version" ] || return 0
  local cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
  mkdir -p "$(dirname "$cache")"
  cp scripts/get_pip_offline.py "$cache"
}

# stage_collection DEST -> copies the tracked and new (not ignored) files of the checkout to
# DEST/ansible_collections/pgflex/migration, where ansible-test requires the collection to be.
stage_collection() {
  local dest="$1/ansible_collections/pgflex/migration"
  rm -rf "$dest"
  mkdir -p "$dest"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar --null -T - -cf - | tar -xf - -C "$dest"
  echo "$dest"
}
