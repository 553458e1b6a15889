"""Printing the papers at the kiosk through a real CUPS (a private cupsd whose cups-pdf
queue captures what is printed: tests/integration/cups.py), read back from the captured PDF:
F6 on the receipt screen sends the paper to the configured printer and says so; no printer
configured, or a queue CUPS does not know, is said in the person's language."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog
from kiosk.domain.printing import print_pdf
from kiosk.domain.replacement.payments import Method
from screens.replacement.payment import ReceiptScreen
from tests.integration.cups import CupsServer, pdf_text
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import on
from tests.ui.test_card_replacement import logged_in_as
from tests.unit.test_applications import form

pytestmark = pytest.mark.xdist_group("cups")
WAIT = 30.0


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


async def _receipt_screen(pilot) -> str:
    """Signed in with the demo card, one application paid, its receipt made."""
    app = pilot.app
    await logged_in_as(pilot)
    made = app.applications.apply(app.session, form())
    app.payments.pay(app.session, made["atm_no"], Method.ATM, 0, {})
    app.push_screen(ReceiptScreen(made["atm_no"]))
    await wait_until(pilot, lambda: on(app, ReceiptScreen)() and
                     f"receipt-{made['atm_no']}" in screen_text(app).replace("\n", ""),
                     timeout=15, what="the receipt saved")
    return made["atm_no"]


async def test_f6_prints_the_receipt_and_the_printed_paper_is_the_receipt(
        cups: CupsServer, monkeypatch):
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    app = make_app(lang="en", printer=cups.printer)
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await _receipt_screen(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: "Sent to the printer kiosk-pdf" in screen_text(app),
                         timeout=WAIT, what="the printed notice")
    text = "".join(pdf_text(cups.wait_printed(timeout=WAIT)).split())
    assert "自行收納款項收據" in text and atm_no in text
    assert "張志明" in text and "貳佰元整" in text


async def test_without_a_printer_f6_says_so_in_the_persons_language():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await _receipt_screen(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: "本服務機未設定印表機" in screen_text(app),
                         timeout=WAIT, what="the no-printer message")
        assert on(app, ReceiptScreen)()


def test_a_queue_cups_does_not_know_is_refused_with_a_message(cups: CupsServer, monkeypatch):
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    with pytest.raises(KioskError) as info:
        print_pdf(b"%PDF-1.4\n", printer="no-such-queue", title="receipt")
    assert Catalog("en").t(info.value.key, **info.value.params) == (
        "The printer no-such-queue could not take the paper; please ask the counter staff.")
