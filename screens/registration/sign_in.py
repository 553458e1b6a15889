"""Signing in with the card and its registration password; the password box is
emptied as soon as it is read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from screens.errors import FAILED
from screens.forms import CardForm, Notice, field_row


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
        box = self.query_one("#f-password", Input)
        password, box.value = box.value, ""
        return password


class LoginScreen(PasswordCardForm):
    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        session = self.attempt(self.host.sign_in.login, card, self.take_password())
        if session is FAILED:
            return
        self.host.start_session(session)
        self.app.switch_screen(self.host.services_menu())
