"""行動電話認證: a personal monthly mobile number, the ID/ARC number and the last four
digits of the valid NHI card register the holder and bind the phone in one step. Doing it
again sets a new password (「只要重新進行認證，便可以獲得新的密碼」), so it is also the
way back in for a forgotten password.

No card is read and no identity document is seen, so the last four digits are the whole
knowledge proof: five wrong tries close phone authentication for that ID for 15 minutes,
and five "not your number" answers close it for that number too (its own lock: a success
elsewhere does not clear it, and a stranger cannot close card registration with it).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any, cast

from kiosk.domain.accounts import Services, State
from kiosk.domain.binding.carriers import CarrierDirectory, PhoneRefused, normalize_mobile
from kiosk.domain.binding.devices import Devices, device_label
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.lockout import Attempt
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import check_new_password, hash_password
from kiosk.domain.records import Account, Device
from kiosk.domain.validate import is_valid_id, is_valid_mobile
from store.errors import DuplicateError

_LAST4 = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class PhoneAuthResult:
    registered: bool        # a new registration was made (else the password was reset)
    device: Device


def mask_mobile(phone: str) -> str:
    """0912345678 → 0912-***-678, the default name of the phone it binds."""
    return f"{phone[:4]}-***-{phone[-3:]}"


class PhoneAuth:
    def __init__(self, services: Services, devices: Devices) -> None:
        self.s = services
        self.devices = devices
        self.directory = CarrierDirectory(services.store)

    def authenticate(self, phone: str, id_no: str, card_last4: str, password: str,
                     password2: str, device_name: str = "") -> PhoneAuthResult:
        phone = normalize_mobile(phone)
        if not is_valid_mobile(phone):
            raise InvalidInput("phone", "err.phone.number")
        id_no = id_no.strip().upper()
        if not is_valid_id(id_no):
            raise InvalidInput("id", "err.phone.id")
        card_last4 = card_last4.strip()
        if not _LAST4.fullmatch(card_last4):
            raise InvalidInput("last4", "err.phone.last4")
        check_new_password(password, password2)
        name = device_label(device_name) if device_name.strip() else None

        number = f"number:{phone}"
        with self.s.phone_lock.attempt(id_no, number) as attempt:
            try:
                self.directory.check(phone, id_no)
            except PhoneRefused as refused:
                if refused.reason == "not_holder":   # pairing numbers with IDs is a probe
                    attempt.fail()
                raise
            attempt.release(number)
            account = cast(Account | None, self.s.accounts.get_by_id(id_no))
            self._prove_card(attempt, id_no, card_last4, account)
        if account is not None and account["state"] == State.SUSPENDED:
            raise KioskError("err.login.suspended")
        if account is None:
            try:
                self._register(id_no, phone, password)
            except DuplicateError:   # another kiosk registered this ID a moment ago
                raise KioskError("err.busy") from None
        else:
            self._reset(account, password)
        device = self.devices.bind(id_no, name or mask_mobile(phone), phone=phone,
                                   keep_name=name is None)
        return PhoneAuthResult(account is None, device)

    def _prove_card(self, attempt: Attempt, id_no: str, last4: str,
                    account: Account | None) -> None:
        """The last four digits of the valid card: the registry's (a replacement card is
        known there first) or the account's (kept current by card reads)."""
        valid = {n for n in ((self.s.registry.person(id_no) or {}).get("card_no"),
                             account.get("card_no") if account else None) if n}
        if any(hmac.compare_digest(n[-4:].encode(), last4.encode()) for n in valid):
            attempt.succeed(id_no)
            return
        tries_left = attempt.fail(id_no)   # raises Locked on the fifth
        raise KioskError("err.phone.mismatch", tries_left=tries_left)

    def _register(self, id_no: str, phone: str, password: str) -> None:
        person = self.s.registry.person(id_no) or {}
        now = self.s.clock.now().isoformat()
        self.s.accounts.add({
            "id_no": id_no, "card_no": person.get("card_no"),
            "card_issue_date": person.get("card_issue_date"), "name": person.get("name", ""),
            "birth_date": person.get("birth_date"), "state": State.ACTIVE.value,
            "password_hash": hash_password(password), "email": "", "phone": phone,
            "created_at": now, "confirmed_at": now, "must_change_password": False,
            "registered_via": "phone",
        })

    def _reset(self, account: Account, password: str) -> None:
        """A new password; a pending registration is complete now (the carrier proved the
        holder), and its verification link stops working."""
        now = self.s.clock.now().isoformat()
        hashed = hash_password(password)   # slow on purpose: not while holding the store

        def change(current: Account) -> dict[str, Any]:
            if current["state"] == State.SUSPENDED:   # suspended elsewhere meanwhile
                raise KioskError("err.login.suspended")
            done = {"password_hash": hashed, "must_change_password": False}
            if current["state"] == State.PENDING:
                done |= {"state": State.ACTIVE.value, "confirmed_at": now}
            return done

        self.s.modify_account(account["id_no"], change)
        if account.get("must_change_password"):
            self.s.forget_mailed_password(account["id_no"])
        for purpose in ("verify", "reset"):   # older mail links must not undo this
            self.s.codes.void(purpose, account["id_no"])
        self.s.login_lock.reset(account["id_no"])
        if account.get("email"):
            self.s.notify(MailKind.PASSWORD_CHANGED, account["email"])
