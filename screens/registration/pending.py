"""A registration waiting for its verification mail: resend the mail, or cancel the
application; both need the password chosen at registration."""

from __future__ import annotations

from kiosk.domain.mail import mask_email
from screens.errors import FAILED
from screens.forms import Notice
from screens.registration.sign_in import PasswordCardForm


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
        password = self.take_password()
        if self.what == "resend":
            email = self.attempt(self.host.registration.resend, card, password)
            if email is not FAILED:
                self.query_one("#sent", Notice).say("pending.resent", email=mask_email(email))
        else:
            if self.attempt(self.host.registration.cancel, card, password) is not FAILED:
                self.query_one("#sent", Notice).say("pending.cancelled")
