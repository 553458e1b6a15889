"""忘記密碼: getting back into an account whose password is forgotten.

With an e-mail address on file, the card alone sends a reset mail there. Without one, the
holder proves their identity as at registration (a wrong proof counts towards the same
lock) and names the address to send it to. The mail's code is single-use and lasts one
hour; setting the new password with it also releases a login lock, and the address that
received the mail becomes the account's (it is proven to reach the holder)."""

from __future__ import annotations

from typing import Any

from kiosk.domain.accounts import RESET_TTL, Services, check_contact
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import check_new_password, hash_password
from kiosk.domain.records import Account
from kiosk.domain.registration.sign_in import account_for_card
from kiosk.domain.registry import Proof
from reader.card import CardData


class ForgotPassword:
    def __init__(self, services: Services) -> None:
        self.s = services

    def send_reset(self, card: CardData) -> str | None:
        """With a mail on file, send the reset mail there and return the address; None means
        the holder must prove identity and give a new address (:meth:`send_reset_proven`)."""
        account = account_for_card(self.s, card)
        if not account.get("email"):
            return None
        self._send(account["id_no"], account["email"])
        return account["email"]

    def send_reset_proven(self, card: CardData, proof: Proof, email: str) -> None:
        account_for_card(self.s, card)
        email, _ = check_contact(email, "")
        self.s.prove_identity(card, proof)
        self._send(card.id_no, email)

    def _send(self, id_no: str, email: str) -> None:
        code = self.s.codes.issue("reset", id_no, RESET_TTL, email=email)
        self.s.mail.queue(MailKind.RESET, email, seed=code.seed, expires_at=code.expires_at)

    def reset(self, code: str, new: str, new2: str) -> None:
        """The code from the reset mail and the new password, twice."""
        check_new_password(new, new2, field="new")
        used = self.s.codes.redeem(code, "reset")
        id_no = used["id_no"]
        hashed, had_default = hash_password(new), []

        def change(account: Account) -> dict[str, Any]:
            had_default.append(bool(account.get("must_change_password")))
            return {"password_hash": hashed, "email": used["data"]["email"],
                    "must_change_password": False}

        self.s.modify_account(id_no, change)
        if any(had_default):
            self.s.forget_mailed_password(id_no)
        self.s.login_lock.reset(id_no)
        self.s.notify(MailKind.PASSWORD_CHANGED, used["data"]["email"])
