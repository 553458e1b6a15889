"""A code (or link) from one of the kiosk's mails, typed in: it confirms a registration
or a new e-mail address, or opens the password reset form."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from kiosk.domain.mail import mask_email, parse_link
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, Notice, field_row
from screens.registration.forgot_password import ResetPasswordScreen


class CodeScreen(FormScreen):
    """A code (or link) from a mail: confirms a registration or a new e-mail address, or
    opens the password reset form. No card needed: the mail may be read anywhere."""

    card_policy = CardPolicy.UNBOUND
    title_key = "code.title"

    def __init__(self, code: str = "") -> None:
        super().__init__()
        self.initial = code
        self.done = False   # confirmed: the next Enter goes back, not 「認證碼已使用過」

    def fields(self) -> ComposeResult:
        yield from field_row("code", "code.label", value=self.initial, max_length=80)
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-code", Input).focus()

    @on(Input.Changed, "#f-code")
    def _edited(self) -> None:
        self.done = False   # another code typed in: Enter sends it

    def submit(self) -> None:
        if self.done:
            self.dismiss()
            return
        text = self.value("code").strip()
        link = parse_link(text)
        code = link[1] if link else text
        purpose = self.attempt(self.host.services.code_purpose, code)
        if purpose is FAILED:
            return
        if purpose == "reset":
            self.app.switch_screen(ResetPasswordScreen(code))
            return
        done = self.query_one("#done", Notice)
        if purpose == "email_change":
            email = self.attempt(self.host.my_account.confirm_email, code)
            if email is not FAILED:
                done.say("code.email_confirmed", email=mask_email(email))
                self.done = True
        elif self.attempt(self.host.registration.confirm, code) is not FAILED:
            done.say("code.confirmed")
            self.done = True
