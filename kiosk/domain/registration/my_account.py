"""What a signed-in holder changes about their own account: the password (the old one
first, the new one by the password rules, a mail to say it changed) and the contact
details — a phone number changes at once, a new e-mail address only once a code mailed to
that address is typed back, so an address nobody reads is never stored."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.accounts import EMAIL_CHANGE_TTL, Services, check_contact
from kiosk.domain.errors import KioskError
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import check_new_password, hash_password
from kiosk.domain.registration.sign_in import SignIn
from kiosk.domain.session import Session


@dataclass(frozen=True, slots=True)
class InfoChange:
    phone_changed: bool
    email_pending: str | None     # the new address waiting for its confirmation mail


class MyAccount:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.sign_in = SignIn(services)

    def change_password(self, session: Session, old: str, new: str, new2: str) -> None:
        account = self.sign_in.account(session)
        self.s.check_password(account, old)
        check_new_password(new, new2, field="new")
        if new == old:
            raise KioskError("err.password.same")
        hashed = hash_password(new)   # slow on purpose: not while holding the store
        self.s.modify_account(session.id_no, lambda _a: {
            "password_hash": hashed, "must_change_password": False})
        if account.get("must_change_password"):
            self.s.forget_mailed_password(session.id_no)
        if account.get("email"):
            self.s.notify(MailKind.PASSWORD_CHANGED, account["email"])

    def update_info(self, session: Session, email: str, phone: str) -> InfoChange:
        """Phone changes at once; a new e-mail address must be confirmed from that address."""
        account = self.sign_in.account(session)
        email, phone = check_contact(email, phone)
        phone_changed = phone != account.get("phone", "")
        if phone_changed:
            self.s.accounts.modify(session.id_no, lambda _a: {"phone": phone})
        if email == account.get("email"):
            return InfoChange(phone_changed, None)
        code = self.s.codes.issue("email_change", session.id_no, EMAIL_CHANGE_TTL, email=email)
        self.s.mail.queue(MailKind.EMAIL_CHANGE, email, seed=code.seed,
                          expires_at=code.expires_at)
        return InfoChange(phone_changed, email)

    def confirm_email(self, code: str) -> str:
        """The code from the confirmation mail: the new address becomes the account's."""
        used = self.s.codes.redeem(code, "email_change")
        email = used["data"]["email"]
        self.s.modify_account(used["id_no"], lambda _a: {"email": email})
        return email
