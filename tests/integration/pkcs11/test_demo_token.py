"""``nhi-kiosk demo make-certificate-token DIR``: the demo's certificate card on SoftHSM2,
made by the command and then used as the kiosk will use it — in a process of its own
(SoftHSM reads its config when a process first loads it): the demo person signs in with
the published PIN, the certificate chaining to the folder's own CA."""

from __future__ import annotations

import json
import subprocess
import sys

from kiosk.domain.demo_people import DEMO_CERTIFICATE_PIN, DEMO_PASSWORD
from reader.demo import DEMO_BY_KEY
from tests.integration.helpers import cli_command

SIGN_IN = """
import json, os, sys
from pathlib import Path
from kiosk.domain.config import load_config
from kiosk.wiring import Domain, open_at

folder, pin = Path(sys.argv[1]), sys.argv[2]
config = load_config({"demo": True, "db": str(folder / "store" / "demo.json")})
store = open_at(config)
sign_in = Domain(config, store, demo=True).certificate_sign_in   # as the kiosk wires it
try:
    session = sign_in.login(sys.argv[3], pin, password=sys.argv[4])
    print(json.dumps({"id": session.id_no, "via": session.via, "token": session.token}))
except Exception as exc:
    print(json.dumps({"refused": getattr(exc, "key", repr(exc))}))
store.close()
"""


def settings(printed: str) -> dict[str, str]:
    """The VAR=value words of the command line the command prints."""
    line = next(row for row in printed.splitlines() if "SOFTHSM2_CONF=" in row)
    return dict(word.split("=", 1) for word in line.split()
                if "=" in word and word.split("=", 1)[0].isupper())


def test_the_demo_card_signs_the_demo_person_in(cli_env, tmp_path):
    folder = tmp_path / "card"
    made = subprocess.run(cli_command("demo", "make-certificate-token", str(folder),
                                      "--lang", "en"),
                          env=cli_env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    chang = DEMO_BY_KEY["registered"].card
    assert chang.id_no not in made.stdout and "J12****432" in made.stdout   # masked
    assert f"its PIN is {DEMO_CERTIFICATE_PIN}" in made.stdout
    printed = settings(made.stdout)
    assert set(printed) == {"SOFTHSM2_CONF", "NHI_KIOSK_PKCS11_MODULE",
                            "NHI_KIOSK_MOICA_CA_DIR"}
    env = cli_env | printed                    # what the user is told to set, and only that

    def sign_in(pin: str, id_no: str = chang.id_no) -> dict[str, str]:
        done = subprocess.run([sys.executable, "-c", SIGN_IN, str(folder), pin, id_no,
                               DEMO_PASSWORD],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    signed = sign_in(DEMO_CERTIFICATE_PIN)
    assert signed["id"] == chang.id_no and signed["via"] == "certificate" and signed["token"]
    assert sign_in("000000") == {"refused": "err.cert.pin_low"}    # SoftHSM: count low
    assert sign_in(DEMO_CERTIFICATE_PIN, "A123456789") == {"refused": "err.cert.id_mismatch"}
    assert (folder / "tokens").stat().st_mode & 0o777 == 0o700


def test_a_folder_in_use_is_never_overwritten(cli_env, tmp_path):
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    again = subprocess.run(cli_command("demo", "make-certificate-token", str(folder),
                                       "--lang", "zh-TW"),
                           env=cli_env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "不是空的資料夾" in again.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
