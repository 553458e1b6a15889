"""One-time codes for mail links: verification, password reset, e-mail change.

Random (derived from a fresh seed under the machine key, see :mod:`kiosk.domain.keyring`),
10 characters of an alphabet without look-alikes (50 bits), single-use and expiring; typed
at the kiosk or followed as a link from the outbox. The table keeps only each code's keyed
digest, never the code; a mail carries the seed until it is delivered.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.clock import Clock
from kiosk.domain.errors import KioskError
from kiosk.domain.keyring import Keyring, new_seed
from kiosk.domain.lockout import Lockout
from store.api import StoreBackend

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10
# 裝置認證碼: scanned or typed into the app, and read aloud at the counter. Eight
# characters like the NHIA's (3G4f10m1), but of the same 32 as the mail codes: no 0/O,
# 1/I/l look-alikes, one case, typed in either (5 bits each: 8 chars = 40 bits). Codes
# issued before were case-sensitive letters and digits; binding/devices.py still finds
# those until they expire.
DEVICE_ALPHABET = ALPHABET
DEVICE_LENGTH = 8
#: Wrong codes are counted twice, per kind of code (a code names nobody until it is found):
#: per kiosk process — one terminal or SSH session — 20 per 15 minutes, which a person
#: mistyping never reaches; and for everyone 1,000 per 15 minutes, which keeps a script that
#: starts a process per guess (``nhi-kiosk app redeem``) hopeless against 40- and 50-bit
#: codes, while one person at one terminal cannot close code entry for the whole hall. A
#: right code never clears a count (an attacker could clear it with codes of their own);
#: only the window does.
TERMINAL_LIMIT, EVERYONE_LIMIT, GUESS_WINDOW = 20, 1000, timedelta(minutes=15)
THIS_TERMINAL = f"{socket.gethostname()}:{os.getpid()}"


class GuessLimit:
    """The wrong-code counters; ``attempt(kind)`` around each lookup of a typed code."""

    def __init__(self, store: StoreBackend, clock: Clock, terminal: str = THIS_TERMINAL) -> None:
        self._terminal = terminal
        self._mine = Lockout(store, clock, scope="code-terminal", period=GUESS_WINDOW,
                             locked_key="err.code.locked", limit=TERMINAL_LIMIT)
        self._everyone = Lockout(store, clock, scope="code", period=GUESS_WINDOW,
                                 locked_key="err.code.locked", limit=EVERYONE_LIMIT)

    @contextlib.contextmanager
    def attempt(self, kind: str) -> Iterator[Callable[[], None]]:
        """Yields ``wrong()``, to call when the code typed was not found (Locked on the
        last try); Locked before the lookup while either door is closed."""
        with (self._mine.attempt(f"{kind}:{self._terminal}") as mine,
              self._everyone.attempt(kind) as everyone):
            def wrong() -> None:
                try:
                    mine.fail()
                finally:
                    everyone.fail()

            yield wrong


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    expires_at: datetime
    seed: str = ""     # what a mail keeps instead of the code (see kiosk.domain.keyring)

    @property
    def display(self) -> str:
        """Grouped in halves for reading aloud and typing: ABCDE-FGHJK."""
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"


def random_code(alphabet: str = ALPHABET, length: int = LENGTH) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalize(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def code_digest(keyring: Keyring, table: str, text: str, *, case_sensitive: bool = False
                ) -> str:
    """Where a typed code's document is kept in ``table``: the keyed digest of the code as
    typed, spacing and dashes (and, unless ``case_sensitive``, case) aside. No code is
    longer than 64, so a longer text is cut before it is hashed."""
    plain = "".join(c for c in text if c.isalnum()) if case_sensitive else normalize(text)
    return keyring.digest(table, plain[:64])


class Codes:
    """Mail codes by default; ``case_sensitive`` codes (device codes) keep their case."""

    def __init__(self, store: StoreBackend, clock: Clock, keyring: Callable[[], Keyring], *,
                 table: str = "codes", alphabet: str = ALPHABET, length: int = LENGTH,
                 case_sensitive: bool = False, terminal: str = THIS_TERMINAL) -> None:
        self._table = store.keyed(table, "code")
        self.guesses = GuessLimit(store, clock, terminal)
        self._name = table
        self._clock = clock
        self._keyring = keyring
        self._alphabet, self._length = alphabet, length
        self._case_sensitive = case_sensitive

    def _key(self, text: str) -> str:
        return code_digest(self._keyring(), self._name, text,
                           case_sensitive=self._case_sensitive)

    def issue(self, purpose: str, id_no: str, ttl: timedelta, **data: Any) -> Code:
        """A new code; earlier unused codes of the same purpose for this person stop working."""
        self.void(purpose, id_no)
        seed = new_seed()
        code = self._keyring().derive(seed, self._alphabet, self._length)
        expires = self._clock.now() + ttl
        self._table.put({"code": self._key(code), "purpose": purpose, "id_no": id_no,
                         "expires_at": expires.isoformat(), "used_at": None, "data": data})
        return Code(code, expires, seed)

    def void(self, purpose: str, id_no: str) -> None:
        for doc in self._table.all():
            if doc["purpose"] == purpose and doc["id_no"] == id_no and not doc["used_at"]:
                self._table.modify(doc["code"], lambda _d: None)

    def live_purpose(self, text: str) -> str:
        """What a code is for (verify, reset, email_change), without using it; a
        KioskError when it is unknown, used or expired."""
        with self.guesses.attempt(self._name) as wrong:
            doc = self._table.get(self._key(text))
            if doc is None:
                wrong()
                raise KioskError("err.code.unknown")
        if doc["used_at"]:
            raise KioskError("err.code.used")
        if datetime.fromisoformat(doc["expires_at"]) <= self._clock.now():
            raise KioskError("err.code.expired")
        return str(doc["purpose"])

    def redeem(self, text: str, purpose: str) -> dict[str, Any]:
        """Use a code once; raises KioskError(err.code.unknown/expired/used)."""
        code = self._key(text)
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

        with self.guesses.attempt(self._name) as wrong:
            self._table.modify(code, use)
            if outcome.get("error") == "err.code.unknown":
                wrong()
        if "error" in outcome:
            raise KioskError(outcome["error"])
        return outcome["doc"]
