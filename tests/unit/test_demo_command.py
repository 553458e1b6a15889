"""``nhi-kiosk demo make-certificate-token`` says what it needs and refuses a folder in use
before it makes anything; the token it makes is tests/integration/pkcs11/test_demo_token.py's."""

from __future__ import annotations

import sys

from kiosk.cli import main
from reader import softhsm


def make(capsys, *args: str) -> tuple[int, str]:
    code = main(["demo", "make-certificate-token", *args])
    return code, capsys.readouterr().err


def test_without_softhsm_it_says_what_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(softhsm, "module_path", lambda: None)
    code, err = make(capsys, str(tmp_path / "card"), "--lang", "en")
    assert code == 3 and "sudo apt install softhsm2" in err
    assert not (tmp_path / "card").exists()


def test_without_pykcs11_it_says_what_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(softhsm, "module_path", lambda: tmp_path / "libsofthsm2.so")
    monkeypatch.setitem(sys.modules, "PyKCS11", None)
    code, err = make(capsys, str(tmp_path / "card"), "--lang", "zh-TW")
    assert code == 3 and "pip install 'nhi-kiosk[pkcs11]'" in err and "PyKCS11" in err


def test_a_file_or_a_folder_with_something_in_it_is_refused(capsys, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file")
    code, err = make(capsys, str(taken), "--lang", "en")
    assert code == 1 and "not an empty folder" in err
    assert taken.read_text() == "a file"
