"""What a person is told when a paper cannot be printed (kiosk/domain/printing.py); the
printing itself is tested against a real CUPS in tests/integration/test_printing.py."""

from __future__ import annotations

import subprocess

import pytest

from kiosk.domain import printing
from kiosk.domain.config import ConfigError, load_config
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog


def said(error: KioskError, lang: str = "en") -> str:
    return Catalog(lang).t(error.key, **error.params)


def test_no_printer_configured_is_said_before_anything_is_sent(monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("lp was run"))
    with pytest.raises(KioskError) as info:
        printing.print_pdf(b"%PDF", printer=None, title="receipt")
    assert said(info.value, "zh-TW") == "本服務機未設定印表機，請洽櫃檯人員索取紙本。"


def test_a_kiosk_without_cups_says_it_cannot_print(monkeypatch):
    monkeypatch.setattr(printing.shutil, "which", lambda _name: None)
    with pytest.raises(KioskError) as info:
        printing.print_pdf(b"%PDF", printer="front-desk", title="receipt")
    assert "print service is not installed" in said(info.value)


def test_a_printer_that_does_not_answer_is_named(monkeypatch):
    monkeypatch.setattr(printing.shutil, "which", lambda _name: "/usr/bin/lp")

    def hangs(*_args, **kwargs):
        raise subprocess.TimeoutExpired("lp", kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", hangs)
    with pytest.raises(KioskError) as info:
        printing.print_pdf(b"%PDF", printer="front-desk", title="receipt")
    assert said(info.value) == (
        "The printer front-desk did not answer; please ask the counter staff.")


@pytest.mark.parametrize("name", ["front desk", "a/b", "-x", "q" * 128])
def test_a_printer_setting_that_is_no_cups_queue_name_is_refused(name):
    with pytest.raises(ConfigError) as info:
        load_config(env={"NHI_KIOSK_PRINTER": name}, config_file=None)
    assert "printer" in str(info.value)


def test_a_printer_setting_is_kept():
    assert load_config(env={"NHI_KIOSK_PRINTER": " kiosk-pdf "}, config_file=None).printer == \
        "kiosk-pdf"
