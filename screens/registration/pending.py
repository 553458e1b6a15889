"""A registration waiting for its verification mail: resend the mail, or cancel the
application; both need the password chosen at registration. Cancelling is asked once more
first (刪除註冊申請 cannot be undone: the holder would register again)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from kiosk.domain.mail import mask_email
from screens.base import KioskModal
from screens.errors import FAILED
from screens.forms import Notice
from screens.registration.sign_in import PasswordCardForm
from screens.widgets.text import Tr


class PendingScreen(PasswordCardForm):
    """Resend the verification mail, or cancel the pending application (password needed)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what   # "resend" or "cancel"
        self.title_key = f"card.action_{what}"

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        if self.what == "resend":
            email = self.attempt(self.host.registration.resend, card, self.take_password())
            if email is not FAILED:
                self.query_one("#sent", Notice).say("pending.resent", email=mask_email(email))
        else:
            self.clear_errors()
            self.app.push_screen(ConfirmCancel(), self._answered)

    def _answered(self, cancel: bool | None) -> None:
        if not cancel:
            self.query_one("#sent", Notice).say("pending.kept")
            return
        card = self.card()   # still the card it was asked for: a swap ends this screen
        if card is None:
            return
        if self.attempt(self.host.registration.cancel, card, self.take_password()) is not FAILED:
            self.query_one("#sent", Notice).say("pending.cancelled")


class ConfirmCancel(KioskModal[bool]):
    """刪除註冊申請? Enter cancels the application, Esc keeps it."""

    BINDINGS = [Binding("enter", "answer(True)", "key.confirm"),
                Binding("escape", "answer(False)", "key.cancel")]
    title_key = "pending.confirm_title"

    def fields(self) -> ComposeResult:
        yield Tr("pending.confirm_text", classes="message")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
