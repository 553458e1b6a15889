"""健保快易通 app binding (SPEC §4): 產生裝置認證碼 for a logged-in holder, the (simulated)
app redeeming it with a device name, and 行動裝置管理作業: list and unbind devices.

A device code is 8 letters and digits from ``secrets`` (like 3G4f10m1), single-use,
expiring (10 minutes by default), and a new code voids the previous one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.accounts import Services, State
from kiosk.domain.auth import Session
from kiosk.domain.codes import DEVICE_ALPHABET, DEVICE_LENGTH, Code, Codes
from kiosk.domain.errors import InvalidInput, KioskError
from store.keyed import KeyedTable

DEVICE_CODE_TTL = timedelta(minutes=10)
MAX_NAME = 40


class Devices:
    def __init__(self, services: Services, code_ttl: timedelta = DEVICE_CODE_TTL) -> None:
        self.s = services
        self.code_ttl = code_ttl
        self._codes = Codes(services.store, services.clock, table="device_codes",
                            alphabet=DEVICE_ALPHABET, length=DEVICE_LENGTH,
                            case_sensitive=True)
        self._devices = KeyedTable(services.store, "devices", "device_id")

    def new_code(self, session: Session) -> Code:
        """A fresh device verification code for the logged-in holder (the old one dies)."""
        return self._codes.issue("device", session.id_no, self.code_ttl)

    def redeem(self, code: str, device_name: str) -> dict[str, Any]:
        """The app side: bind ``device_name`` to whoever generated ``code``."""
        name = " ".join(device_name.split())
        if not name or len(name) > MAX_NAME:
            raise InvalidInput("device", "err.device.name", max=MAX_NAME)
        used = self._codes.redeem(code, "device")
        account = self.s.accounts.get_by_id(used["id_no"])
        if account is None or account["state"] != State.ACTIVE:
            raise KioskError("err.code.unknown")
        now = self.s.clock.now().isoformat()
        device = {"device_id": secrets.token_hex(8), "id_no": used["id_no"], "name": name,
                  "bound_at": now, "last_used": now}
        self._devices.put(device)
        return device

    def of(self, session: Session) -> list[dict[str, Any]]:
        """The holder's bound devices, newest binding first."""
        mine = [d for d in self._devices.all() if d["id_no"] == session.id_no]
        return sorted(mine, key=lambda d: d["bound_at"], reverse=True)

    def unbind(self, session: Session, device_id: str) -> None:
        def remove(device: dict[str, Any] | None) -> dict[str, Any] | None:
            if device is None or device["id_no"] != session.id_no:
                raise KioskError("err.device.unknown")
            return None

        self._devices.modify(device_id, remove)

    def touch(self, device_id: str, at: datetime) -> None:
        """Record that the app used this device (QR login approval, later)."""
        self._devices.modify(device_id, lambda d: d and {**d, "last_used": at.isoformat()})
