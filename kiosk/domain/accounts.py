"""What every account service shares: the store parts, the clock, the mail queue, and the
checks that make a card acceptable for online services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol, cast

from kiosk.domain.cards import card_problem
from kiosk.domain.clock import Clock
from kiosk.domain.codes import Codes
from kiosk.domain.errors import IdentityMismatch, InvalidInput, KioskError, Locked, WrongPassword
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.legacy_secrets import scrub_once
from kiosk.domain.lockout import Lockout
from kiosk.domain.mail import SEED_PARAMS, MailKind, with_text
from kiosk.domain.passwords import hash_password, needs_rehash, verify_password
from kiosk.domain.records import Account, Mail
from kiosk.domain.registry import NationalProof, Proof, Registry, ResidentProof
from kiosk.domain.validate import is_resident, is_valid_email, is_valid_phone, normalize_phone
from reader.card import CardData
from store.api import DEMO, StoreBackend

log = logging.getLogger(__name__)

IDENTITY_LOCK = timedelta(minutes=15)
LOGIN_LOCK = timedelta(minutes=30)
VERIFY_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
EMAIL_CHANGE_TTL = timedelta(hours=24)


class State(StrEnum):
    PENDING = "pending"        # registered online, mail not confirmed yet
    ACTIVE = "active"
    SUSPENDED = "suspended"    # 停用: counter only


class MailQueue(Protocol):
    def queue(self, kind: Any, to: str, **params: Any) -> int: ...


@dataclass
class Services:
    """The parts an account service needs; built once by the composition root."""

    store: StoreBackend
    clock: Clock
    mail: MailQueue

    def __post_init__(self) -> None:
        self.accounts = self.store.accounts()
        self.registry = Registry(self.store)
        self.codes = Codes(self.store, self.clock, self.keyring)
        self.identity_lock = Lockout(self.store, self.clock, scope="identity",
                                     period=IDENTITY_LOCK, locked_key="err.identity.locked")
        self.login_lock = Lockout(self.store, self.clock, scope="login", period=LOGIN_LOCK,
                                  locked_key="err.login.locked")
        # Without a card, each proof counts on its own: a success at one never clears the
        # other's failures, and nobody without the card can close card registration.
        self.phone_lock = Lockout(self.store, self.clock, scope="phone", period=IDENTITY_LOCK,
                                  locked_key="err.phone.locked")
        self.qr_lock = Lockout(self.store, self.clock, scope="qr", period=IDENTITY_LOCK,
                               locked_key="err.qr.locked")
        self._outbox = self.store.outbox()
        self._machine_key: bytes | None = None
        scrub_once(self.store, self.keyring, self.machine_key, self.clock.now().isoformat())

    def machine_key(self) -> bytes:
        """The key of generated passwords' fast hash: a private file beside the store
        (not in it), made on first use."""
        if self._machine_key is None:
            self._machine_key = machine_key(self.store)
        return self._machine_key

    def keyring(self) -> Keyring:
        """Codes' digests and mailed secrets (kiosk.domain.keyring), under machine_key."""
        return Keyring(self.machine_key())

    def mails(self, limit: int = 50) -> list[Mail]:
        """The outbox, newest first (the demo reads its mail here), each with its body:
        mails with a secret are stored as parameters and rendered only here, when shown."""
        keyring = self._mailbox_keyring()
        return [with_text(mail, keyring) for mail in self._outbox.mails(limit=limit)]

    def mail_by_id(self, mail_id: int) -> Mail | None:
        mail = self._outbox.get(mail_id)
        if mail is None:
            return None
        return with_text(mail, self._mailbox_keyring())

    def _mailbox_keyring(self) -> Keyring | None:
        """Only the demo is a mailbox: a real kiosk's outbox never shows a code or a
        default password, to staff or anyone."""
        return self.keyring() if self.store.purpose == DEMO else None

    def forget_mailed_password(self, id_no: str) -> None:
        """The holder chose a password: a welcome mail not yet sent can no longer reveal
        the default one."""
        holder = self.keyring().digest("holder", id_no)
        self._outbox.forget(lambda mail: mail.get("params", {}).get("holder") == holder,
                            SEED_PARAMS)

    # -- shared checks --------------------------------------------------------------------
    def require_valid_card(self, card: CardData) -> None:
        problem = card_problem(card)
        if problem:
            raise KioskError("err.card.invalid", reason_key=problem)

    def prove_identity(self, card: CardData, proof: Proof) -> None:
        """Compare the proof with the registry; count failures towards the 15-minute lock."""
        expected = ResidentProof if is_resident(card.id_no) else NationalProof
        tries_left = self.identity_lock.guard(card.id_no, lambda: isinstance(
            proof, expected) and self.registry.matches(card.id_no, proof))
        if tries_left is None:
            return
        group = "resident" if is_resident(card.id_no) else (
            "household" if isinstance(proof, NationalProof) and proof.household_no
            else "address")
        raise IdentityMismatch(group, tries_left)


    def modify_account(self, id_no: str, change: Callable[[Account], Mapping[str, Any]]
                       ) -> Account:
        """Accounts.modify, with a vanished account (cancelled elsewhere) as a KioskError."""
        try:
            return cast(Account, self.accounts.modify(id_no, change))
        except KeyError:
            raise KioskError("err.code.unknown") from None

    def notify(self, kind: Any, to: str, **params: Any) -> None:
        """A notice after something already happened: an unusable stored address must not
        undo it (the mail is simply not queued)."""
        try:
            self.mail.queue(kind, to, **params)
        except ValueError:
            log.warning("notice %s not queued: the stored address is not usable", kind)

    def code_purpose(self, text: str) -> str:
        """What a code from a mail is for; KioskError if it is unknown, used or expired."""
        return self.codes.live_purpose(text)

    def check_password(self, account: Account, password: str) -> None:
        """Constant-time check; 5 failures lock login for LOGIN_LOCK (tries left shown)."""
        # a placeholder (never registered) has no hash: no password opens it
        id_no, stored = account["id_no"], account["password_hash"] or ""
        with self.login_lock.attempt(id_no) as attempt:
            if verify_password(password, stored, self.machine_key()):
                attempt.succeed()
                self._upgrade_hash(id_no, stored, password)
                return
            try:
                tries_left = attempt.fail()
            except Locked as locked:
                if account.get("email"):
                    self.notify(MailKind.ACCOUNT_LOCKED, account["email"], until=locked.until)
                raise
        raise WrongPassword(tries_left)

    def _upgrade_hash(self, id_no: str, stored: str, password: str) -> None:
        """A hash made with older, cheaper parameters is replaced at the holder's next
        successful login (the only time the password is known) — unless the password
        changed meanwhile."""
        if not needs_rehash(stored):
            return
        fresh = hash_password(password)   # slow: outside the store lock
        self.accounts.modify(id_no, lambda current: (
            {"password_hash": fresh} if current.get("password_hash") == stored else {}))


def check_contact(email: str, phone: str, *, email_required: bool = True) -> tuple[str, str]:
    """Validated and normalised (email, phone); phone may be empty. An e-mail left empty
    where one is required is said to be required (此欄必填), not to be malformed."""
    email, phone = email.strip(), normalize_phone(phone)
    if not email and email_required:
        raise InvalidInput("email", "err.required")
    if email and not is_valid_email(email):
        raise InvalidInput("email", "err.contact.email")
    if phone and not is_valid_phone(phone):
        raise InvalidInput("phone", "err.contact.phone")
    return email, phone

