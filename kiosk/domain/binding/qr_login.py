"""QR login: 輸入「身分證字號及生日」，點擊「產生登入 QR Code」後，
透過「全民健保快易通」登入 — no card in the reader.

The kiosk shows a short-lived code as text and QR; a device already bound to the holder
approves or denies it (``nhi-kiosk app approve|deny CODE --device NAME`` or the demo app
panel), and the kiosk, watching the request, logs in once on approval. Requests are
single-use, expire (3 minutes by default), and a new request voids the person's older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kiosk.domain.accounts import Services, State
from kiosk.domain.binding.devices import Devices, device_label
from kiosk.domain.codes import Code, GuessLimit, code_digest, random_code
from kiosk.domain.config import QR_LOGIN_MINUTES
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.forms import parse_date
from kiosk.domain.records import Device
from kiosk.domain.session import Session
from kiosk.domain.validate import is_valid_id

# what the app's camera reads: a login request is told apart from a device code by its prefix
PAYLOAD_PREFIX = "NHIQRLOGIN:"


class LoginState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    USED = "used"           # the kiosk logged in with it
    CANCELLED = "cancelled"  # the kiosk left the screen, or a newer request replaced it


@dataclass(frozen=True, slots=True)
class LoginRequest(Code):
    @property
    def payload(self) -> str:
        return PAYLOAD_PREFIX + self.code


def code_of(text: str) -> str:
    """The code from what was typed or scanned: the payload, or the code with a dash."""
    text = text.strip().upper().removeprefix(PAYLOAD_PREFIX)
    return "".join(c for c in text if c.isalnum())


class QrLogin:
    def __init__(self, services: Services, devices: Devices,
                 ttl: timedelta = timedelta(minutes=QR_LOGIN_MINUTES)) -> None:
        self.s = services
        self.devices = devices
        self.ttl = ttl
        self._requests = services.store.keyed("qr_logins", "code")
        self._guesses = GuessLimit(services.store, services.clock)

    def _key(self, text: str) -> str:
        """A request is stored under its code's keyed digest, never the code itself."""
        return code_digest(self.s.keyring(), "qr_logins", code_of(text))

    # -- the kiosk ---------------------------------------------------------------------
    def request(self, id_no: str, birth: str) -> LoginRequest:
        """A login QR for the person with this ID and birth date and a bound device. A
        wrong pair counts towards a lock of its own (the pair is all that is asked)."""
        id_no = id_no.strip().upper()
        if not is_valid_id(id_no):
            raise InvalidInput("id", "err.qr.id")
        born = parse_date(birth, "birth").isoformat()
        account = self.s.accounts.get_by_id(id_no)
        on_file = (account or {}).get("birth_date") or (
            (self.s.registry.person(id_no) or {}).get("birth_date"))
        tries_left = self.s.qr_lock.guard(
            id_no, lambda: account is not None and on_file == born)
        if tries_left is not None:
            raise KioskError("err.qr.mismatch", tries_left=tries_left)
        assert account is not None
        if account["state"] == State.SUSPENDED:
            raise KioskError("err.login.suspended")
        if account["state"] == State.PENDING:
            raise KioskError("err.login.pending")
        if not self.devices.of_holder(id_no):
            raise KioskError("err.qr.no_device")
        for old in self._requests.all():   # keeps the table at one request per person
            if old["id_no"] == id_no:
                self._requests.modify(old["code"], lambda _d: None)
        code = random_code(length=8)
        expires = self.s.clock.now() + self.ttl
        self._requests.put({"code": self._key(code), "id_no": id_no,
                            "state": LoginState.PENDING.value,
                            "expires_at": expires.isoformat(), "device_id": None})
        return LoginRequest(code, expires)

    def state(self, code: str) -> LoginState:
        doc = self._requests.get(self._key(code))
        if doc is None:
            return LoginState.CANCELLED
        return self._state(doc)

    def _state(self, doc: dict[str, Any]) -> LoginState:
        state = LoginState(doc["state"])
        if state is LoginState.PENDING and self._expired(doc):
            return LoginState.EXPIRED
        return state

    def _expired(self, doc: dict[str, Any]) -> bool:
        return datetime.fromisoformat(doc["expires_at"]) <= self.s.clock.now()

    def complete(self, code: str) -> Session:
        """Log in with an approved request, once, while its time lasts."""
        used: dict[str, Any] = {}

        def use(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None or doc["state"] != LoginState.APPROVED or self._expired(doc):
                return doc
            used.update(doc, state=LoginState.USED.value)
            return used

        self._requests.modify(self._key(code), use)
        if not used:
            raise KioskError("err.qr.not_approved")
        account = self.s.accounts.get_by_id(used["id_no"])
        if account is None or account["state"] != State.ACTIVE:
            raise KioskError("err.login.not_registered")
        return Session(account["id_no"], "", account["name"], self.s.clock.now(),
                       bool(account.get("must_change_password")), via="qr")

    def cancel(self, code: str) -> None:
        """The kiosk left the screen: an approval, given or to come, logs nobody in."""
        open_states = (LoginState.PENDING, LoginState.APPROVED)
        self._requests.modify(self._key(code), lambda d: d and (
            {**d, "state": LoginState.CANCELLED.value} if d["state"] in open_states else d))

    # -- the app on a bound device ----------------------------------------------------
    def approve(self, code: str, device_name: str) -> Device:
        return self._decide(code, device_name, LoginState.APPROVED)

    def deny(self, code: str, device_name: str) -> Device:
        return self._decide(code, device_name, LoginState.DENIED)

    def _decide(self, code: str, device_name: str, verdict: LoginState) -> Device:
        """Returns the device that decided. Refused: unknown, used, expired codes, and a
        device not bound to the person asking to log in."""
        name = device_label(device_name)
        with self._guesses.attempt("qr_logins") as wrong:
            doc = self._requests.get(self._key(code))
            if doc is None:
                wrong()
        if doc is None or doc["state"] == LoginState.CANCELLED:
            raise KioskError("err.code.unknown")
        device = self.devices.named(doc["id_no"], name)
        if device is None:
            raise KioskError("err.qr.device", name=name)
        now = self.s.clock.now()
        outcome: dict[str, Any] = {}

        def decide(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is None or current["state"] == LoginState.CANCELLED:
                outcome["error"] = "err.code.unknown"
            elif current["state"] != LoginState.PENDING:
                outcome["error"] = "err.qr.answered"
            elif self._expired(current):
                outcome["error"] = "err.code.expired"
            else:
                return {**current, "state": verdict.value, "device_id": device["device_id"]}
            return current

        self._requests.modify(doc["code"], decide)
        if "error" in outcome:
            raise KioskError(outcome["error"])
        self.devices.touch(device["device_id"], now)
        return device

    def device_names(self, code: str) -> list[str]:
        """Demo app panel: the devices that could answer this request, newest first."""
        doc = self._requests.get(self._key(code))
        return [d["name"] for d in self.devices.of_holder(doc["id_no"])] if doc else []
