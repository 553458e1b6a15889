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

pcsc_buildable() {
    command -v swig >/dev/null && [ -e /usr/include/PCSC/winscard.h ]
}
