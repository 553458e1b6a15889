"""以自然人憑證登入 through the screen, in both languages: a certificate card in the tray's
reader opens the login, every refusal is a message on it, the PIN is gone from the box and
from the logs, and the session lasts while that certificate card stays in the reader.
The card is a fault-injecting token at the PKCS#11 boundary (tests/moica_ca.py); the same
flow on a real SoftHSM token is tests/integration/pkcs11/test_certificate_screen.py."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.mask import mask_name
from kiosk.domain.moica import Trust
from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
from reader.demo import DEMO_BY_KEY
from reader.events import EventKind, ReadFailure
from reader.simulated import SimulatedMonitor
from reader.token import PinLockedError, TokenSignature, WrongPinError
from screens.idle import IdleScreen
from screens.message import MessageScreen
from screens.registration.certificate_login import CertificateLoginScreen
from screens.registration.sign_in import LoginScreen
from screens.services import ServicesScreen
from tests.moica_ca import LOOKALIKE, PIN, SERIAL, TRUSTED, CardToken, card_of
from tests.ui.conftest import NOW, ScriptedMonitor, make_app, screen_text, wait_until
from tests.ui.flows import menu, on, type_into

LANGS = ["zh-TW", "en"]
SIZE = (80, 24)
CHANG = DEMO_BY_KEY["registered"].card


def certificate_app(tmp_path: Path, token: CardToken, *, lang: str = "zh-TW",
                    monitor=None):
    """The demo kiosk with the tray's certificate card standing for ``token``."""
    monitor = monitor or SimulatedMonitor(clock=lambda: NOW, certificates=lambda r: SERIAL)
    app = make_app(lang=lang, monitor=monitor)
    trust = TRUSTED.write_trust(tmp_path / "moica-ca")
    app.domain.certificate_sign_in = CertificateSignIn(
        app.services, token, lambda: Trust.load(trust))
    return app


async def says(pilot, text: str, what: str | None = None) -> None:
    """``text`` on screen, however it wraps: a message of Chinese and Latin words breaks
    at a space or anywhere, so spaces are not compared."""
    def squeezed(words: str) -> str:
        return "".join(words.split())

    await wait_until(pilot, lambda: squeezed(text) in squeezed(screen_text(pilot.app)),
                     what=what or repr(text))


async def insert_certificate(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.status.readers, what="reader")
    app.monitor.insert("certificate_card")
    await wait_until(pilot, on(app, CertificateLoginScreen), what="certificate login")


async def sign_in(pilot, id_no: str = CHANG.id_no, pin: str = PIN,
                  password: str = DEMO_PASSWORD) -> None:
    """The three boxes from the ID's on: the password is 張志明's, whose card is not yet
    the account's (the first certificate login asks for it)."""
    await type_into(pilot, id_no)
    await pilot.press("tab")
    await type_into(pilot, pin)
    await pilot.press("tab")
    if password:
        await type_into(pilot, password)
    await pilot.press("enter")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_certificate_card_signs_its_holder_in_until_it_is_pulled(tmp_path, lang):
    app = certificate_app(tmp_path, card_of(), lang=lang)
    t = app.catalog.t
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        assert t("cert.card_in") in screen_text(app)
        await sign_in(pilot)
        await wait_until(pilot, on(app, ServicesScreen), what="services")
        assert app.session is not None and app.session.by_certificate
        assert app.session.token == SERIAL
        assert t("svc.welcome_cert", name=mask_name(CHANG.name)) in screen_text(app)
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen), what="idle after the card left")
        assert app.session is None


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("token, key", [
    (lambda: card_of(), "err.cert.pin_wrong"),        # the sign-in types a wrong PIN
    (lambda: _faulty(WrongPinError(count_low=True, final_try=False)), "err.cert.pin_low"),
    (lambda: _faulty(WrongPinError(count_low=True, final_try=True)), "err.cert.pin_final"),
    (lambda: _faulty(PinLockedError("locked")), "err.cert.pin_locked"),
    (lambda: card_of(not_after=NOW.replace(year=2026, month=1)), "err.cert.expired"),
    (lambda: card_of(authority=LOOKALIKE), "err.cert.untrusted"),
    (lambda: card_of(DEMO_BY_KEY["national"].card), "err.cert.not_registered"),
    (lambda: card_of(DEMO_BY_KEY["suspended"].card), "err.login.suspended"),
], ids=["wrong_pin", "count_low", "final_try", "locked", "expired", "untrusted",
        "not_registered", "suspended"])
async def test_each_refusal_is_said_on_the_screen(tmp_path, lang, token, key):
    card = token()
    app = certificate_app(tmp_path, card, lang=lang)
    person = {"err.cert.not_registered": DEMO_BY_KEY["national"].card,
              "err.login.suspended": DEMO_BY_KEY["suspended"].card}.get(key, CHANG)
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, person.id_no, "864213" if key == "err.cert.pin_wrong" else PIN)
        await says(pilot, app.catalog.t(key), what=key)
        assert isinstance(app.screen, CertificateLoginScreen) and app.session is None
        assert app.screen.value("pin") == ""          # emptied as soon as it was read
        assert app.screen.value("id") == person.id_no  # what was typed is not lost


async def test_the_first_login_with_a_card_asks_for_the_password_then_not_again(tmp_path):
    app = certificate_app(tmp_path, card_of(), lang="en")
    t = app.catalog.t
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, password="")
        await says(pilot, t("err.cert.needs_password"))
        assert app.session is None
        assert app.screen.focused is not None and app.screen.focused.id == "f-password"
        await type_into(pilot, DEMO_PASSWORD)
        await pilot.press("shift+tab")
        await type_into(pilot, PIN)                    # the PIN was emptied: again
        await pilot.press("tab", "enter")
        await wait_until(pilot, on(app, ServicesScreen))
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen))
        await insert_certificate(pilot)
        await sign_in(pilot, password="")              # the account's card now: alone
        await wait_until(pilot, on(app, ServicesScreen))


def _faulty(fault) -> CardToken:
    card = card_of()
    card.fault = fault
    return card


async def test_the_id_digits_and_an_id_that_is_not_one_are_said_at_the_field(tmp_path):
    app = certificate_app(tmp_path, card_of(), lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, "A123456789")           # a valid ID, not this card's
        await says(pilot, app.catalog.t("err.cert.id_mismatch"))
        await pilot.press("shift+tab", *["backspace"] * 10)
        await sign_in(pilot, "A12345")
        await says(pilot, app.catalog.t("err.qr.id"))


async def test_the_pin_is_in_no_log(tmp_path, caplog):
    secret = "864213"
    card = card_of()
    app = certificate_app(tmp_path, card)
    caplog.set_level(logging.DEBUG)
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, CHANG.id_no, secret)
        await says(pilot, app.catalog.t("err.cert.pin_wrong"))
        await type_into(pilot, PIN)                  # the focus is back on the PIN
        await pilot.press("tab")
        await type_into(pilot, DEMO_PASSWORD)
        await pilot.press("enter")
        await wait_until(pilot, on(app, ServicesScreen))
    assert card.pins == [secret, PIN]
    for typed in (secret, PIN, DEMO_PASSWORD):
        assert typed not in caplog.text


@dataclass
class HeldCard:
    """A card whose signing waits until the test lets it go: ``asked`` once the card is
    asked to sign, ``answer`` to let it answer, ``done`` once it has."""

    card: CardToken
    asked: threading.Event = field(default_factory=threading.Event)
    answer: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        real_sign = self.card.sign

        def sign(pin: str, challenge: bytes, serial: str | None = None) -> TokenSignature:
            self.asked.set()
            try:
                self.answer.wait(10)
                return real_sign(pin, challenge, serial)
            finally:
                self.done.set()

        self.card.sign = sign   # type: ignore[method-assign]


async def test_a_card_pulled_while_it_signs_starts_no_session(tmp_path):
    held = HeldCard(card_of())
    card, asked, answer, done = held.card, held.asked, held.answer, held.done
    app = certificate_app(tmp_path, card)
    async with app.run_test(size=SIZE) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot)
        await says(pilot, app.catalog.t("cert.signing"))
        await wait_until(pilot, asked.is_set, what="the card asked to sign")
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen), what="idle after the pull")
        answer.set()
        await wait_until(pilot, done.is_set, what="the signing done")
        await pilot.pause()
        assert card.pins == [PIN] and app.session is None and isinstance(app.screen, IdleScreen)


async def test_a_signature_for_a_card_no_longer_the_active_one_starts_no_session(tmp_path):
    """Two readers: the citizen's card signs in R2 when someone puts another certificate
    card in R1, which becomes the reader the kiosk uses. The first card's signature must
    not open a session beside the second card."""
    held = HeldCard(card_of())
    card, asked, answer = held.card, held.asked, held.answer
    monitor = ScriptedMonitor()
    app = certificate_app(tmp_path, card, lang="en", monitor=monitor)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R1")
        monitor.push(EventKind.READER_ATTACHED, "R2")
        await wait_until(pilot, lambda: len(app.status.readers) == 2, what="two readers")
        monitor.push(EventKind.INSERTED, "R2", failure=ReadFailure.CERTIFICATE, token=SERIAL)
        await wait_until(pilot, on(app, CertificateLoginScreen))
        await sign_in(pilot)
        await wait_until(pilot, asked.is_set, what="the card asked to sign")
        monitor.push(EventKind.INSERTED, "R1", failure=ReadFailure.CERTIFICATE,
                     token="0000000000000001")
        await wait_until(pilot, lambda: app.status.active == "R1", what="R1 active")
        answer.set()
        await says(pilot, app.catalog.t("err.cert.no_card"))
        assert app.session is None and isinstance(app.screen, CertificateLoginScreen)


async def test_the_login_screen_leads_to_the_certificate_and_it_waits_for_the_card(tmp_path):
    app = certificate_app(tmp_path, card_of(), lang="en")
    t = app.catalog.t
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.status.readers, what="reader")
        await menu(pilot, "menu.login")
        await wait_until(pilot, on(app, LoginScreen))
        assert t("login.key_certificate") in screen_text(app)
        await pilot.press("f5")
        await wait_until(pilot, on(app, CertificateLoginScreen))
        assert t("cert.insert") in screen_text(app)
        await sign_in(pilot)
        await says(pilot, t("err.cert.no_card"))
        app.monitor.insert("certificate_card")     # given to the screen, which goes on
        await says(pilot, t("cert.card_in"))
        assert isinstance(app.screen, CertificateLoginScreen)


async def test_a_kiosk_that_takes_no_certificates_says_the_card_is_not_an_nhi_card():
    monitor = ScriptedMonitor()
    app = make_app(lang="en", monitor=monitor, demo=False)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R1")
        await wait_until(pilot, lambda: app.status.readers, what="reader")
        await menu(pilot, "menu.login")
        await wait_until(pilot, on(app, LoginScreen))
        assert "F5" not in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, on(app, IdleScreen))
        monitor.push(EventKind.INSERTED, "R1", failure=ReadFailure.CERTIFICATE, token=SERIAL)
        await wait_until(pilot, on(app, MessageScreen), what="the not-NHI message")


async def test_a_certificate_card_put_in_at_the_card_login_is_taken_for_its_own(tmp_path):
    app = certificate_app(tmp_path, card_of())
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.status.readers, what="reader")
        await menu(pilot, "menu.login")
        await wait_until(pilot, on(app, LoginScreen))
        app.monitor.insert("certificate_card")
        await wait_until(pilot, on(app, CertificateLoginScreen))
        await sign_in(pilot)
        await wait_until(pilot, on(app, ServicesScreen))


@pytest.mark.parametrize("lang", LANGS)
def test_certificate_login_screen(snap_compare, tmp_path, lang):
    app = certificate_app(tmp_path, card_of(), lang=lang)

    async def run_before(pilot):
        await insert_certificate(pilot)
        await type_into(pilot, CHANG.id_no)
        await pilot.press("tab")
        await type_into(pilot, "1357")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
