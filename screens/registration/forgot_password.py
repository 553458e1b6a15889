"""忘記密碼: the card sends a reset mail to the address on file, or, without one, the
holder proves who they are and names an address; the code from the mail then sets a new
password."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from kiosk.domain.mail import mask_email
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import CardForm, FormScreen, Notice, ProofForm, field_row
from screens.widgets.text import Tr


class ForgotScreen(CardForm):
    """忘記密碼: a reset mail to the address on file, or — without one — prove the
    registered address (residents: the permit) and give a new address."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("enter", "read", "key.read")]

    title_key = "forgot.title"

    def fields(self) -> ComposeResult:
        yield self.card_line()
        yield Tr("forgot.intro", id="intro", classes="message")
        yield Notice(id="sent", classes="hint")

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def action_read(self) -> None:
        if self.sent:   # one mail per visit: another would void the code just sent
            self.dismiss()
        else:
            self.submit()

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        email = self.attempt(self.host.forgot_password.send_reset, card)
        if email is FAILED:
            return
        if email is None:
            self.app.switch_screen(ForgotIdentityScreen(card))
        else:
            self.sent = True
            self.query_one("#sent", Notice).say("forgot.sent", email=mask_email(email))


class ForgotIdentityScreen(ProofForm):
    """No mail on file: the registered address alone (residents: the permit) and a new
    address to send the reset mail to."""

    with_household = False

    title_key = "forgot.identity_title"

    def fields(self) -> ComposeResult:
        yield from self.proof_fields()
        yield from field_row("email", "forgot.new_email")
        yield Notice(id="sent", classes="hint")

    def submit(self) -> None:
        def run() -> None:
            self.host.forgot_password.send_reset_proven(self.proof_card, self.proof(),
                                                        self.value("email"))

        if self.attempt(run) is not FAILED:
            self.query_one("#sent", Notice).say("forgot.sent",
                                                email=mask_email(self.value("email")))


class ResetPasswordScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND
    title_key = "code.reset_title"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def fields(self) -> ComposeResult:
        yield from field_row("new", "pw.new", password=True, max_length=12)
        yield from field_row("new2", "pw.new2", password=True, max_length=12)
        yield Tr("reg.password_rules", classes="note")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-new", Input).focus()

    def submit(self) -> None:
        if self.attempt(self.host.forgot_password.reset, self.code, self.value("new"),
                        self.value("new2")) is not FAILED:
            for box in self.query(Input):
                box.value = ""
            self.query_one("#done", Notice).say("code.reset_done")
