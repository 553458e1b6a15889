"""健保快易通 app binding: 產生裝置認證碼 for a logged-in holder, the (simulated)
app redeeming it with a device name, and 行動裝置管理作業: list and unbind devices.

A device code is 8 letters and digits from ``secrets`` (like 3G4f10m1), single-use,
expiring (after the config's ``device_code_minutes``), and a new code voids the previous
one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from kiosk.domain.accounts import Services, State
from kiosk.domain.codes import DEVICE_ALPHABET, DEVICE_LENGTH, Code, Codes
from kiosk.domain.config import DEVICE_CODE_MINUTES
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.records import Device
from kiosk.domain.session import Session
from store.keyed import KeyedTable

MAX_NAME = 40


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
                            table="device_codes",
                            alphabet=DEVICE_ALPHABET, length=DEVICE_LENGTH,
                            case_sensitive=True)
        self._devices = KeyedTable(services.store, "devices", "device_id")

    def new_code(self, session: Session) -> Code:
        """A fresh device verification code for the logged-in holder (the old one dies)."""
        return self.code_for(session.id_no)

    def code_for(self, id_no: str) -> Code:
        """Also for staff binding a device for the holder at the counter."""
        return self._codes.issue("device", id_no, self.code_ttl)

    def void_code(self, id_no: str) -> None:
        self._codes.void("device", id_no)

    def redeem(self, code: str, device_name: str) -> Device:
        """The app side: bind ``device_name`` to whoever generated ``code``."""
        name = device_label(device_name)
        used = self._codes.redeem(code, "device")
        account = self.s.accounts.get_by_id(used["id_no"])
        if account is None or account["state"] != State.ACTIVE:
            raise KioskError("err.code.unknown")
        return self.bind(used["id_no"], name)

    def bind(self, id_no: str, name: str, *, phone: str | None = None,
             keep_name: bool = False) -> Device:
        """A new bound device; a phone that authenticated again keeps its one entry (and
        its name, with ``keep_name``)."""
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
