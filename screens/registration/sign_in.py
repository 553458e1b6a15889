"""Signing in with the card and its registration password; the password box is
emptied as soon as it is read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from reader.events import ReaderEvent, ReadFailure
from screens.errors import FAILED
from screens.forms import CardForm, Notice, field_row
from screens.widgets.text import Tr


class PasswordCardForm(CardForm):
    """The card and its registration password: login, and the pending-application actions."""

    title_key = "login.title"

    def fields(self) -> ComposeResult:
        yield self.card_line()
        yield from field_row("password", "login.password", password=True, max_length=12)
        yield Notice(id="sent", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-password", Input).focus()

    def take_password(self) -> str:
        """The typed password, cleared from the box at once."""
        return self.take_secret("password")


class LoginScreen(PasswordCardForm):
    """登入, with 重寄認證信 and 刪除註冊申請 beside it as on the NHIA's login page
    (seeds 000/001): a holder whose mail never came reaches them from here too. And, on a
    kiosk that takes them, the citizen digital certificate (F5, or its card put in)."""

    BINDINGS = [Binding("f3", "pending('resend')", "card.action_resend"),
                Binding("f4", "pending('cancel')", "card.action_cancel"),
                Binding("f5", "certificate", "login.key_certificate")]

    def fields(self) -> ComposeResult:
        yield from super().fields()
        yield Tr("login.pending_hint", id="pending-hint", classes="note")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "certificate":      # only on a kiosk that takes 自然人憑證
            return self.host.certificate_sign_in is not None
        return super().check_action(action, parameters)

    def card_changed(self, event: ReaderEvent | None) -> None:
        """A certificate card put in here is taken for the certificate login it is for."""
        super().card_changed(event)
        if event is not None and event.failure is ReadFailure.CERTIFICATE and \
                self.check_action("certificate", ()):
            self.action_certificate()

    def action_certificate(self) -> None:
        """The second way in (seed 002 step 6): the citizen digital certificate."""
        from screens.registration.certificate_login import CertificateLoginScreen

        self.take_password()
        self.app.push_screen(CertificateLoginScreen())

    def action_pending(self, what: str) -> None:
        from screens.registration.pending import PendingScreen  # it builds on this module

        self.take_password()   # typed for logging in: not carried to another screen
        self.app.push_screen(PendingScreen(what))

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        session = self.attempt(self.host.sign_in.login, card, self.take_password())
        if session is FAILED:
            return
        self.host.start_session(session)
        self.app.switch_screen(self.host.services_menu())
