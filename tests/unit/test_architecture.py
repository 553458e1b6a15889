"""The dependency direction of DEVELOPERS.md, enforced; and the code stays ruff-clean."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_LAYER = {"app", "staff_mode", "demo_tray", "cli", "wiring", "crash", "__main__", "__init__"}


def _tool(name):
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else shutil.which(name)


def test_import_contracts_hold():
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_every_kiosk_module_sits_in_a_layer():
    """A module added straight under kiosk/ would escape the layers contract."""
    loose = sorted(p.stem for p in (ROOT / "kiosk").glob("*.py") if p.stem not in TOP_LAYER)
    assert not loose, f"put {loose} under kiosk/domain/ or list them in the contract"


def test_ruff_clean():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
