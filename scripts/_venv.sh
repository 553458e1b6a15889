# Shared by scripts/run and scripts/test: make .venv with the project installed.
# Re-installs only when pyproject.toml changed (a stamp file records its hash).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NHI_KIOSK_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
    local extras="$1"
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "nhi-kiosk needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
        exit 1
    fi
    local stamp="$VENV/.nhi-kiosk-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)-${extras//[^a-z]/_}"
    if [ -f "$stamp" ]; then
        return
    fi
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    echo "Installing nhi-kiosk${extras:+[$extras]} into $VENV ..." >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT${extras:+[$extras]}"
    rm -f "$VENV"/.nhi-kiosk-*
    touch "$stamp"
}

# Debian packages, installed when missing (sudo unless root). Without apt-get (not
# Debian/Ubuntu) it names them and goes on: the kiosk says what a missing one stops.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null; then
        echo "note: install these system packages yourself: ${missing[*]}" >&2
        return 0
    fi
    echo "Installing system packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# The fonts the printable papers are set in (kiosk/domain/replacement/papers.py).
PAPER_FONTS=(fonts-dejavu-core fonts-droid-fallback)

pcsc_buildable() {
    command -v swig >/dev/null && [ -e /usr/include/PCSC/winscard.h ]
}
