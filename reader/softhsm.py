"""SoftHSM2, the software PKCS#11 token the demo's certificate card and the tests live on:
a folder of its own (its config file and token directory), tokens labelled as MOICA
cards are ("HiCOS PKI Smart Card"), made with Debian's ``softhsm2-util``.

SoftHSM reads ``SOFTHSM2_CONF`` and its token directory when a process initialises the
module, so a token made after that is not seen by that process: make the tokens first."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

LABEL = "HiCOS PKI Smart Card"     # every MOICA card's label (a card is known by serial)
MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
CONF_NAME = "softhsm2.conf"


def module_path() -> Path | None:
    """The SoftHSM2 PKCS#11 module, or None when it (or softhsm2-util) is not installed."""
    if shutil.which("softhsm2-util") is None:
        return None
    return next((Path(p) for p in MODULE_PATHS if Path(p).exists()), None)


def write_conf(folder: Path) -> Path:
    """``folder``'s SoftHSM config, its tokens in ``folder/tokens`` (mode 0700)."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True, mode=0o700)
    conf = folder / CONF_NAME
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = true\n", encoding="utf-8")
    return conf


def _serials(env: dict[str, str]) -> set[str]:
    shown = subprocess.run(["softhsm2-util", "--show-slots"], capture_output=True, text=True,
                           check=True, timeout=60, env=env).stdout
    return set(re.findall(r"Serial number:\s*(\S+)", shown))


def init_token(conf: Path, pin: str, so_pin: str) -> str:
    """A new initialised token in ``conf``'s directory; its serial number. The PINs go to
    softhsm2-util's arguments, fine for the demo's published PIN and for tests only."""
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    before = _serials(env)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", pin,
                    "--so-pin", so_pin], capture_output=True, check=True, timeout=60, env=env)
    [serial] = _serials(env) - before
    return serial
