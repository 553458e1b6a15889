"""Start-up stays light: importing the app loads no module that only some workflow needs.

The kiosk is restarted after every crash, update and power cut, and benchmarks/
bench_startup.py holds its first paint to 1.3x a minimal Textual app's. What keeps it there
is that the QR encoder, the zip reader, mail, card-reader drivers, image decoding and the
screens of the longer workflows are imported where they are used, not at start-up. One
top-level import in the wrong module undoes that silently; this test names it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: loaded on first use only: (module, the workflow that needs it)
ON_USE = [
    ("segno", "showing a QR code"),
    ("qrcode", "showing a QR code"),
    ("pyzipper", "a batch file in a zip"),
    ("zipfile", "a batch file in a zip"),
    ("csv", "reading a registry or batch file"),
    ("smtplib", "sending mail"),
    ("email", "sending mail"),
    ("PIL", "a photo for the new card"),
    ("smartcard", "a real PC/SC reader"),
    ("kiosk.domain.counter.batch", "batch registration"),
    ("kiosk.domain.qr", "showing a QR code"),
    ("kiosk.domain.replacement.papers", "printing slips and receipts"),
    ("kiosk.domain.mail", "mail"),
    ("kiosk.domain.mail.smtp", "sending mail"),
    ("kiosk.domain.passwords", "a password form"),
    ("screens.replacement.payment", "paying for a new card"),
    ("screens.registration.register", "registration"),
    ("screens.counter", "staff mode"),
    ("aiohttp", "serving the kiosk to browsers"),
    ("textual_serve", "serving the kiosk to browsers"),
    ("kiosk.web", "serving the kiosk to browsers"),
    ("PyKCS11", "a certificate card login"),
    ("cryptography", "a certificate card login"),
    ("kiosk.domain.moica", "a certificate card login"),
    ("reader.token", "a certificate card login"),
]


@pytest.fixture(scope="module")
def loaded_at_start() -> set[str]:
    code = ("import json, sys; import kiosk.app, kiosk.cli; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module, needed_for", ON_USE)
def test_importing_the_app_leaves_out_what_only_one_workflow_needs(loaded_at_start,
                                                                 module, needed_for):
    assert module not in loaded_at_start, f"{module} (for {needed_for}) is loaded at start-up"


def test_the_check_sees_what_start_up_does_load(loaded_at_start):
    assert {"textual.app", "kiosk.app", "screens.idle", "tinydb"} <= loaded_at_start
