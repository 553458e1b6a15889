"""行動電話認證 at the kiosk: what the 健保快易通 app asks — the number, the
ID/ARC number, the card's last four digits and a new password — so a citizen without a
card reader registers and binds the phone, or sets a new password, in one step."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input

from kiosk.domain.errors import InvalidInput, KioskError
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, Notice, field_row
from screens.widgets.text import Tr


class PhoneAuthScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND   # no card is read: the carrier vouches for the number

    title_key = "phone.title"

    def form_column(self) -> Widget:
        return VerticalScroll(classes=self.form_classes)   # longer than the screen

    def fields(self) -> ComposeResult:
        yield Tr("phone.intro", classes="note")
        yield Tr("phone.no_sms", id="no-sms", classes="note")   # 001 Q11
        yield Notice(id="done", classes="hint")   # above the fields: seen from the first
        yield from field_row("phone", "phone.number", max_length=12,
                             placeholder_key="form.ph_mobile")
        yield from field_row("id", "phone.id", max_length=10)
        yield from field_row("last4", "phone.last4", max_length=4, restrict=r"\d*")
        yield Tr("phone.card_no_hint", id="card-no-hint", classes="note")   # 001 Q14
        yield from field_row("password", "reg.password", password=True, max_length=12)
        yield from field_row("password2", "reg.password2", password=True, max_length=12)
        yield from field_row("device", "phone.device", max_length=40)
        yield Tr("reg.password_rules", classes="note")
        yield Tr("phone.helpline", id="helpline", classes="note")   # 001 Q8

    def footer(self) -> ComposeResult:
        """The error, then — when authentication was refused — whom to call (001 Q4)."""
        yield Notice(id="form-error", classes="form-error")
        yield Notice(id="help-failed", classes="hint")
        if self.hint_key:
            yield Tr(self.hint_key, classes="note")

    def show_error(self, error: KioskError) -> None:
        super().show_error(error)
        if isinstance(error, InvalidInput):
            return   # a field to correct: the field's own notice says how
        self.query_one("#helpline", Tr).display = False   # said once, under the error
        failed = self.query_one("#help-failed", Notice)
        failed.say("phone.helpline_failed")
        self.call_after_refresh(failed.scroll_visible, animate=False)   # once it has room

    def clear_errors(self) -> None:
        super().clear_errors()
        self.query_one("#helpline", Tr).display = True

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
