"""One-time codes for mail links: verification, password reset, e-mail change.

Random from ``secrets``, 10 characters of an alphabet without look-alikes (50 bits),
single-use and expiring; typed at the kiosk or followed as a link from the outbox.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.clock import Clock
from kiosk.domain.errors import KioskError
from store.core import Store
from store.keyed import KeyedTable

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10
# 裝置認證碼 like 3G4f10m1: typed into the app or scanned, case matters (8 chars ≈ 47 bits)
DEVICE_ALPHABET = string.ascii_letters + string.digits
DEVICE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    expires_at: datetime

    @property
    def display(self) -> str:
        """Grouped in halves for reading aloud and typing: ABCDE-FGHJK."""
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"


def random_code(alphabet: str = ALPHABET, length: int = LENGTH) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalize(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


class Codes:
    """Mail codes by default; ``case_sensitive`` codes (device codes) keep their case."""

    def __init__(self, store: Store, clock: Clock, *, table: str = "codes",
                 alphabet: str = ALPHABET, length: int = LENGTH,
                 case_sensitive: bool = False) -> None:
        self._table = KeyedTable(store, table, "code")
        self._clock = clock
        self._alphabet, self._length = alphabet, length
        self._case_sensitive = case_sensitive

    def _normalize(self, text: str) -> str:
        return "".join(c for c in text if c.isalnum()) if self._case_sensitive else normalize(text)

    def issue(self, purpose: str, id_no: str, ttl: timedelta, **data: Any) -> Code:
        """A new code; earlier unused codes of the same purpose for this person stop working."""
        self.void(purpose, id_no)
        code = random_code(self._alphabet, self._length)
        expires = self._clock.now() + ttl
        self._table.put({"code": code, "purpose": purpose, "id_no": id_no,
                         "expires_at": expires.isoformat(), "used_at": None, "data": data})
        return Code(code, expires)

    def void(self, purpose: str, id_no: str) -> None:
        for doc in self._table.all():
            if doc["purpose"] == purpose and doc["id_no"] == id_no and not doc["used_at"]:
                self._table.modify(doc["code"], lambda _d: None)

    def live_purpose(self, text: str) -> str:
        """What a code is for (verify, reset, email_change), without using it; a
        KioskError when it is unknown, used or expired."""
        doc = self._table.get(self._normalize(text))
        if doc is None:
            raise KioskError("err.code.unknown")
        if doc["used_at"]:
            raise KioskError("err.code.used")
        if datetime.fromisoformat(doc["expires_at"]) <= self._clock.now():
            raise KioskError("err.code.expired")
        return str(doc["purpose"])

    def redeem(self, text: str, purpose: str) -> dict[str, Any]:
        """Use a code once; raises KioskError(err.code.unknown/expired/used)."""
        code = self._normalize(text)
        now = self._clock.now()
        outcome: dict[str, Any] = {}

        def use(doc: dict | None) -> dict | None:
            if doc is None or doc["purpose"] != purpose:
                outcome["error"] = "err.code.unknown"
                return doc
            if doc["used_at"]:
                outcome["error"] = "err.code.used"
                return doc
            if datetime.fromisoformat(doc["expires_at"]) <= now:
                outcome["error"] = "err.code.expired"
                return doc
            outcome["doc"] = {**doc, "used_at": now.isoformat()}
            return outcome["doc"]

        self._table.modify(code, use)
        if "error" in outcome:
            raise KioskError(outcome["error"])
        return outcome["doc"]
