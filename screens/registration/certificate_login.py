"""以自然人憑證登入: the ID number and the certificate card's PIN, with that card in the
reader. The card signs on a worker thread (a real card takes about a second), so the
kiosk keeps drawing and the card can be pulled meanwhile: pulling it ends this screen, and
a signature that comes back after that starts no session, as does one for a card that
is no longer the active one. The registration password is asked too for a card that is not
yet the account's. The secret boxes are emptied as soon as they are read, and the PIN goes
nowhere but to the card (kiosk/domain/registration/
certificate_sign_in.py)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input

from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.passwords import MAX_LEN
from kiosk.domain.registration.certificate_sign_in import MAX_PIN
from kiosk.domain.session import Session
from reader.events import ReaderEvent, ReadFailure
from screens.card_policy import CardPolicy
from screens.forms import FormScreen, Notice, field_row
from screens.widgets.text import Computed, Tr


class CertificateLoginScreen(FormScreen):
    """A certificate card arriving is given to this screen; one leaving ends it."""

    card_policy = CardPolicy.READS
    title_key = "cert.title"

    @dataclass
    class Signed(Message):
        session: Session | None
        error: Exception | None

    def __init__(self) -> None:
        super().__init__()
        self.signing = False

    def fields(self) -> ComposeResult:
        yield Computed(self._card_text, id="card-line")
        yield from field_row("id", "cert.id", max_length=10)
        yield from field_row("pin", "cert.pin", password=True, max_length=MAX_PIN)
        yield from field_row("password", "cert.password", password=True, max_length=MAX_LEN)
        yield Tr("cert.hint", classes="note")
        yield Notice(id="signing", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-id", Input).focus()

    def _card(self) -> ReaderEvent | None:
        event = self.host.current_event()
        return event if event is not None and event.failure is ReadFailure.CERTIFICATE \
            else None

    def _card_text(self) -> str:
        return self.t("cert.card_in" if self._card() is not None else "cert.insert")

    def card_changed(self, event: ReaderEvent | None) -> None:
        self.query_one("#card-line", Computed).refresh_text()
        self.query_one("#form-error", Notice).say(None)

    def submit(self) -> None:
        if self.signing:             # one signature at a time: Enter pressed twice
            return
        service, card = self.host.certificate_sign_in, self._card()
        id_no = self.value("id")
        pin, password = self.take_secret("pin"), self.take_secret("password")
        self.clear_errors()
        if service is None:
            self.show_failure(KioskError("cert.not_here"))
        elif card is None:
            self.show_failure(KioskError("err.cert.no_card"))
        else:
            self.signing = True
            self.query_one("#signing", Notice).say("cert.signing")
            self._sign(id_no, pin, card.token, password)

    @work(thread=True, exclusive=True, group="certificate")
    def _sign(self, id_no: str, pin: str, serial: str | None, password: str) -> None:
        service = self.host.certificate_sign_in
        assert service is not None
        try:
            self.post_message(self.Signed(service.login(id_no, pin, serial, password), None))
        except Exception as error:   # said on the screen: on_certificate_login_screen_signed
            self.post_message(self.Signed(None, error))

    def on_certificate_login_screen_signed(self, signed: Signed) -> None:
        self.signing = False
        self.query_one("#signing", Notice).say(None)
        if signed.session is None:
            error = signed.error or KioskError("err.cert.card_failed")
            self.show_failure(error)
            if not isinstance(error, InvalidInput):     # a field's error focuses that field
                self.query_one("#f-pin", Input).focus()
            return
        card = self._card()
        if card is None or card.token != signed.session.token:
            # that card left while it signed, and another may be the active one now
            self.show_failure(KioskError("err.cert.no_card"))
            return
        self.host.start_session(signed.session)
        self.app.switch_screen(self.host.services_menu())
