"""Login with card **and** password (SPEC §3.2), the services after it (§3.3), and
recovering a forgotten password (§3.4). A new card replaces the old one (§3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from kiosk.domain.accounts import (
    EMAIL_CHANGE_TTL,
    RESET_TTL,
    Services,
    State,
    check_contact,
)
from kiosk.domain.errors import KioskError
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import check_new_password, hash_password
from kiosk.domain.records import Account
from kiosk.domain.registry import Proof
from reader.card import CardData


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in holder. A card login lives only while the card stays in the reader; a
    QR login (no card) until logout or the inactivity wipe."""

    id_no: str
    card_no: str
    name: str
    started_at: datetime
    must_change_password: bool = False
    via: str = "card"   # or "qr"

    @property
    def by_card(self) -> bool:
        return self.via == "card"

    def holds(self, card: CardData | None) -> bool:
        """Whether ``card`` is the card this session began with: the same number and ID
        (the same person's other card is another card, and ends a card session)."""
        return card is not None and (card.card_no, card.id_no) == (self.card_no, self.id_no)


@dataclass(frozen=True, slots=True)
class InfoChange:
    phone_changed: bool
    email_pending: str | None     # the new address waiting for its confirmation mail


class Auth:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- login ----------------------------------------------------------------------------
    def _account_for_card(self, card: CardData) -> Account:
        self.s.require_valid_card(card)
        account = cast(Account | None, self.s.accounts.get_by_id(card.id_no))
        if account is None:
            raise KioskError("err.login.not_registered")
        state = State(account["state"])
        if state is State.SUSPENDED:
            raise KioskError("err.login.suspended")
        if state is State.PENDING:
            raise KioskError("err.login.pending")
        if card.card_no != account["card_no"] and not self._newer_card(card, account):
            raise KioskError("err.login.old_card")
        return account

    @staticmethod
    def _newer_card(card: CardData, account: Account) -> bool:
        """A replacement card has the same ID and a later issue date than the stored one."""
        stored = account.get("card_issue_date")
        return stored is None or card.issue_date > date.fromisoformat(stored)

    def login(self, card: CardData, password: str) -> Session:
        """The account is checked again after the password: scrypt takes half a second, in
        which staff may have suspended it at the counter."""
        self.s.check_password(self._account_for_card(card), password)
        account = self._account_for_card(card)
        if card.card_no != account["card_no"]:
            account = cast(Account, self.s.accounts.modify(card.id_no, lambda _a: {
                "card_no": card.card_no, "card_issue_date": card.issue_date.isoformat()}))
        # the account holds this card now (it did, or was just moved onto it)
        return Session(account["id_no"], card.card_no, account["name"],
                       self.s.clock.now(), bool(account.get("must_change_password")))

    def account(self, session: Session) -> Account:
        account = cast(Account | None, self.s.accounts.get_by_id(session.id_no))
        if account is None:
            raise KioskError("err.login.not_registered")
        return account

    # -- services after login -----------------------------------------------------------
    def change_password(self, session: Session, old: str, new: str, new2: str) -> None:
        account = self.account(session)
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
        account = self.account(session)
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
        used = self.s.codes.redeem(code, "email_change")
        email = used["data"]["email"]
        self.s.modify_account(used["id_no"], lambda _a: {"email": email})
        return email

    # -- forgotten password ---------------------------------------------------------------
    def forgot(self, card: CardData) -> str | None:
        """With a mail on file, send the reset mail there and return the address; None means
        the holder must prove identity and give a new address (forgot_with_identity)."""
        account = self._account_for_card(card)
        if not account.get("email"):
            return None
        self._send_reset(account["id_no"], account["email"])
        return account["email"]

    def forgot_with_identity(self, card: CardData, proof: Proof, email: str) -> None:
        self._account_for_card(card)
        email, _ = check_contact(email, "")
        self.s.prove_identity(card, proof)
        self._send_reset(card.id_no, email)

    def _send_reset(self, id_no: str, email: str) -> None:
        code = self.s.codes.issue("reset", id_no, RESET_TTL, email=email)
        self.s.mail.queue(MailKind.RESET, email, seed=code.seed, expires_at=code.expires_at)

    def reset_password(self, code: str, new: str, new2: str) -> None:
        """Single-use, expiring; also releases a login lock and keeps the address that
        received the mail (it is proven to reach the holder)."""
        check_new_password(new, new2, field="new")
        used = self.s.codes.redeem(code, "reset")
        id_no = used["id_no"]
        hashed, had_default = hash_password(new), []

        def change(account: dict[str, Any]) -> dict[str, Any]:
            had_default.append(bool(account.get("must_change_password")))
            return {"password_hash": hashed, "email": used["data"]["email"],
                    "must_change_password": False}

        self.s.modify_account(id_no, change)
        if any(had_default):
            self.s.forget_mailed_password(id_no)
        self.s.login_lock.reset(id_no)
        self.s.notify(MailKind.PASSWORD_CHANGED, used["data"]["email"])
