"""The dependency direction of DEVELOPERS.md, enforced; and the code stays ruff-clean."""

import re
import shutil
import subprocess
import sys
import tomllib
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
    assert "Contracts: 6 kept, 0 broken" in result.stdout


def test_every_kiosk_module_sits_in_a_layer():
    """A module added straight under kiosk/ would escape the layers contract."""
    loose = sorted(p.stem for p in (ROOT / "kiosk").glob("*.py") if p.stem not in TOP_LAYER)
    assert not loose, f"put {loose} under kiosk/domain/ or list them in the contract"


def _contract_layers(name_start):
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in contracts["contracts"] if c["name"].startswith(name_start)]
    return {name for layer in layers for name in re.split(r"[:|]", layer.replace(" ", ""))}


def _children(package):
    folder = ROOT.joinpath(*package.split("."))
    return {f"{package}.{p.stem if p.is_file() else p.name}" for p in folder.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__")
            or (p.is_dir() and (p / "__init__.py").exists())}


def test_every_domain_module_is_a_workflow_or_a_shared_basic():
    """A new module must be placed: in a workflow's folder, or named as a shared basic
    (which every workflow may import), in the domain contract."""
    unplaced = _children("kiosk.domain") - _contract_layers("Domain:")
    assert not unplaced, f"add {sorted(unplaced)} to the domain contract in pyproject.toml"


def test_every_screen_module_is_a_menu_a_workflow_or_shared():
    unplaced = _children("screens") - _contract_layers("Screens:")
    assert not unplaced, f"add {sorted(unplaced)} to the screens contract in pyproject.toml"


def _lint_copy_with(tmp_path, module: str, line: str) -> str:
    """lint-imports over a copy of the tree where ``module`` (a path) got ``line``."""
    copy = tmp_path / "tree"
    for part in ("kiosk", "screens", "reader", "store"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=copy,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)})
    assert result.returncode != 0
    return result.stdout


def test_the_domain_workflows_are_independent(tmp_path):
    """The contract bites: a replacement module importing a binding one breaks it."""
    out = _lint_copy_with(tmp_path, "kiosk/domain/replacement/pickup.py",
                          "import kiosk.domain.binding.devices")
    assert "Domain: each workflow imports only the shared basics BROKEN" in out


def test_the_domain_cannot_reach_past_the_store_interface(tmp_path):
    """The seam holds: a domain module using the TinyDB store's keyed table breaks it."""
    out = _lint_copy_with(tmp_path, "kiosk/domain/registry.py", "import store.keyed")
    assert "The domain reaches the store only through store.api BROKEN" in out


def test_ruff_clean():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
