"""行動電話認證 at the kiosk: what the 健保快易通 app asks — the number, the
ID/ARC number, the card's last four digits and a new password — so a citizen without a
card reader registers and binds the phone, or sets a new password, in one step."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, Notice, field_row
from screens.widgets.text import Tr


class PhoneAuthScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND   # no card is read: the carrier vouches for the number

    title_key = "phone.title"

    def fields(self) -> ComposeResult:
        yield Tr("phone.intro", classes="note")
        yield from field_row("phone", "phone.number", max_length=12,
                             placeholder_key="form.ph_mobile")
        yield from field_row("id", "phone.id", max_length=10)
        yield from field_row("last4", "phone.last4", max_length=4, restrict=r"\d*")
        yield from field_row("password", "reg.password", password=True, max_length=12)
        yield from field_row("password2", "reg.password2", password=True, max_length=12)
        yield from field_row("device", "phone.device", max_length=40)
        yield Tr("reg.password_rules", classes="note")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-phone", Input).focus()

    def submit(self) -> None:
        result = self.attempt(self.host.phone_auth.authenticate, self.value("phone"),
                              self.value("id"), self.value("last4"), self.value("password"),
                              self.value("password2"), self.value("device"))
        if result is FAILED:
            return
        for box in self.query(Input):   # nothing personal stays for the next citizen
            box.value = ""
        self.query_one("#f-phone", Input).focus()
        self.query_one("#done", Notice).say(
            "phone.registered" if result.registered else "phone.reset",
            name=result.device["name"])
