"""健保卡網路服務註冊: first registration (首次登入請先申請) and its pending life until the
verification mail is confirmed, resent or the application cancelled."""

from __future__ import annotations

from typing import Any, cast

from kiosk.domain.accounts import (
    VERIFY_TTL,
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
from store.errors import DuplicateError


class AlreadyRegistered(KioskError):
    """「你已做過申請」: the ID has a registration; ``state`` says which ways are open."""

    def __init__(self, state: State) -> None:
        super().__init__(f"err.register.already_{state.value}")
        self.state = state


class Registration:
    def __init__(self, services: Services) -> None:
        self.s = services

    def state_of(self, card: CardData) -> State | None:
        """None when the person has no registration (reading the card tells if it is registered)."""
        account = self.s.accounts.get_by_id(card.id_no)
        return State(account["state"]) if account else None

    def begin(self, card: CardData) -> None:
        """Step 2, after Read: refuse an invalid card, an existing registration or a lock."""
        self.s.require_valid_card(card)
        state = self.state_of(card)
        if state is not None:
            raise AlreadyRegistered(state)
        self.s.identity_lock.check(card.id_no)

    def check_identity(self, card: CardData, proof: Proof) -> None:
        """Step 3: the registry comparison (raises IdentityMismatch or Locked)."""
        self.begin(card)
        self.s.prove_identity(card, proof)

    def register(self, card: CardData, proof: Proof, password: str, password2: str,
                 email: str, phone: str) -> Account:
        """Step 5: create the account; it stays pending until the mail is confirmed."""
        self.check_identity(card, proof)
        account = self._create(card, password, password2, email, phone, at_counter=False)
        self._send_verification(account)
        return account

    def register_at_counter(self, card: CardData, password: str, password2: str,
                            email: str, phone: str, **extra: Any) -> Account:
        """Staff checked an identity document: no registry proof, no mail
        confirmation, active at once; ``extra`` (the document) is kept with the account."""
        self.begin(card)
        return self._create(card, password, password2, email, phone, at_counter=True,
                            **extra)

    def _create(self, card: CardData, password: str, password2: str, email: str,
                phone: str, *, at_counter: bool, **extra: Any) -> Account:
        check_new_password(password, password2)
        email, phone = check_contact(email, phone, email_required=not at_counter)
        now = self.s.clock.now()
        account: dict[str, Any] = {
            "id_no": card.id_no, "card_no": card.card_no,
            "card_issue_date": card.issue_date.isoformat(), "name": card.name,
            "birth_date": card.birth_date.isoformat(),   # asked again by QR login
            "state": (State.ACTIVE if at_counter else State.PENDING).value,
            "password_hash": hash_password(password), "email": email, "phone": phone,
            "created_at": now.isoformat(), "confirmed_at": now.isoformat() if at_counter else None,
            "must_change_password": False, **extra,
        }
        try:
            self.s.accounts.add(account)
        except DuplicateError:  # another kiosk registered this ID a moment ago
            raise AlreadyRegistered(self.state_of(card) or State.PENDING) from None
        return cast(Account, account)

    def _send_verification(self, account: Account) -> None:
        code = self.s.codes.issue("verify", account["id_no"], VERIFY_TTL)
        self.s.mail.queue(MailKind.VERIFY, account["email"], seed=code.seed,
                          expires_at=code.expires_at)

    def confirm(self, code: str) -> Account:
        """The mail's link or code: the registration becomes active."""
        used = self.s.codes.redeem(code, "verify")
        now = self.s.clock.now().isoformat()

        def activate(account: Account) -> dict[str, Any]:
            # decided under the store lock: a suspension or cancel elsewhere wins
            if account["state"] != State.PENDING:
                return {}
            return {"state": State.ACTIVE.value, "confirmed_at": now}

        account = self.s.modify_account(used["id_no"], activate)
        if account["state"] != State.ACTIVE or account["confirmed_at"] != now:
            raise KioskError("err.code.unknown")
        self.s.notify(MailKind.REGISTERED, account["email"])
        return account

    def _pending(self, card: CardData, password: str) -> Account:
        account = cast(Account | None, self.s.accounts.get_by_id(card.id_no))
        if account is None or account["state"] != State.PENDING:
            raise KioskError("err.register.not_pending")
        self.s.check_password(account, password)
        return account

    def resend(self, card: CardData, password: str) -> str:
        """A new verification mail (the old link stops working); returns the address."""
        account = self._pending(card, password)
        self._send_verification(account)
        return account["email"]

    def cancel(self, card: CardData, password: str) -> None:
        """刪除註冊申請: a pending application disappears, with its codes."""
        self._pending(card, password)
        self.s.codes.void("verify", card.id_no)
        self.s.accounts.remove(card.id_no)
