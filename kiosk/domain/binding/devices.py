"""健保快易通 app binding: 產生裝置認證碼 for a logged-in holder, the (simulated)
app redeeming it with a device name, and 行動裝置管理作業: list and unbind devices.

A device code is 8 characters of the mail codes' alphabet (kiosk/domain/codes.py: no
0/O or 1/I/l, one case, so it can be read aloud and typed in either case; 8 × 5 = 40 bits),
derived under the machine key, single-use, expiring (after the config's
``device_code_minutes``), and a new code voids the previous one. Codes issued before this
alphabet were case-sensitive letters and digits (3G4f10m1); such a code, typed as shown,
still binds until it expires.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from kiosk.domain.accounts import Services, State
from kiosk.domain.codes import DEVICE_ALPHABET, DEVICE_LENGTH, Code, Codes, code_digest
from kiosk.domain.config import DEVICE_CODE_MINUTES
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.records import Device
from kiosk.domain.session import Session

MAX_NAME = 40
CODES_TABLE = "device_codes"


def device_label(text: str) -> str:
    """A device name as typed, checked: spacing folded, 1 to MAX_NAME characters."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("device", "err.device.name", max=MAX_NAME)
    return name


class Devices:
    def __init__(self, services: Services,
                 code_ttl: timedelta = timedelta(minutes=DEVICE_CODE_MINUTES)) -> None:
        self.s = services
        self.code_ttl = code_ttl
        self._codes = Codes(services.store, services.clock, services.keyring,
                            table=CODES_TABLE, alphabet=DEVICE_ALPHABET,
                            length=DEVICE_LENGTH)
        # the case-sensitive codes issued before (see the module's docstring)
        self._earlier_codes = Codes(services.store, services.clock, services.keyring,
                                    table=CODES_TABLE, case_sensitive=True)
        self._code_docs = services.store.keyed(CODES_TABLE, "code")
        self._devices = services.store.keyed("devices", "device_id")

    def new_code(self, session: Session) -> Code:
        """A fresh device verification code for the logged-in holder (the old one dies)."""
        return self.code_for(session.id_no)

    def code_for(self, id_no: str) -> Code:
        """Also for staff binding a device for the holder at the counter."""
        return self._codes.issue("device", id_no, self.code_ttl)

    def void_code(self, id_no: str) -> None:
        self._codes.void("device", id_no)

    def _codes_for(self, text: str) -> Codes:
        """The earlier case-sensitive codes for a text with small letters that is one of
        them; else the codes of today, case aside (one lookup, one count if wrong)."""
        if any(c.islower() for c in text) and self._code_docs.get(code_digest(
                self.s.keyring(), CODES_TABLE, text, case_sensitive=True)) is not None:
            return self._earlier_codes
        return self._codes

    def redeem(self, code: str, device_name: str) -> Device:
        """The app side: bind ``device_name`` to whoever generated ``code``."""
        name = device_label(device_name)
        used = self._codes_for(code).redeem(code, "device")
        account = self.s.accounts.get_by_id(used["id_no"])
        if account is None or account["state"] != State.ACTIVE:
            raise KioskError("err.code.unknown")
        return self.bind(used["id_no"], name, code=used["code"])

    def bound_with(self, code: str) -> Device | None:
        """The device that ``code`` bound, once it has (the code screen says so); None
        while the code is unused, or for a code never issued."""
        digest = code_digest(self.s.keyring(), CODES_TABLE, code)
        issued = self._code_docs.get(digest)   # one keyed lookup: the code screen asks often
        if issued is None or not issued.get("used_at"):
            return None
        return next((cast(Device, d) for d in self._devices.all()
                     if d.get("code") == digest), None)

    def bind(self, id_no: str, name: str, *, phone: str | None = None,
             keep_name: bool = False, code: str | None = None) -> Device:
        """A new bound device; a phone that authenticated again keeps its one entry (and
        its name, with ``keep_name``). ``code``: the digest of the device code that bound
        it (the code is used up; its digest tells the code's screen which device it was)."""
        now = self.s.clock.now().isoformat()
        if phone is not None:
            known = next((d for d in self._devices.all()
                          if d["id_no"] == id_no and d.get("phone") == phone), None)
            if known is not None:
                again = {**known, "name": known["name"] if keep_name else name,
                         "last_used": now}
                self._devices.put(again)
                return cast(Device, again)
        device = {"device_id": secrets.token_hex(8), "id_no": id_no, "name": name,
                  "bound_at": now, "last_used": now, "phone": phone}
        if code is not None:
            device["code"] = code
        self._devices.put(device)
        return cast(Device, device)

    def named(self, id_no: str, name: str) -> Device | None:
        """The holder's device called ``name`` (spacing and case aside), if it is bound."""
        wanted = " ".join(name.split()).casefold()
        return next((cast(Device, d) for d in self._devices.all()
                     if d["id_no"] == id_no and d["name"].casefold() == wanted), None)

    def of(self, session: Session) -> list[Device]:
        return self.of_holder(session.id_no)

    def of_holder(self, id_no: str) -> list[Device]:
        """The holder's bound devices, newest binding first."""
        mine = [cast(Device, d) for d in self._devices.all() if d["id_no"] == id_no]
        return sorted(mine, key=lambda d: d["bound_at"], reverse=True)

    def unbind(self, session: Session, device_id: str) -> None:
        def remove(device: dict[str, Any] | None) -> dict[str, Any] | None:
            if device is None or device["id_no"] != session.id_no:
                raise KioskError("err.device.unknown")
            return None

        self._devices.modify(device_id, remove)

    def touch(self, device_id: str, at: datetime) -> None:
        """Record that the app used this device (a QR login approval)."""
        self._devices.modify(device_id, lambda d: d and {**d, "last_used": at.isoformat()})
