"""Counter staff accounts: made, re-keyed and disabled from the shell
(``nhi-kiosk staff add|passwd|disable``), signed in at the kiosk with a staff key.

Passwords are scrypt like citizens' but longer (10–64 characters); five wrong ones close
the staff ID for 15 minutes. A disabled account stays, so the audit log keeps naming it.
Every change to a staff account is itself in the audit log, under the ``shell`` actor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from kiosk.domain.clock import Clock
from kiosk.domain.config import STAFF_IDLE_MINUTES
from kiosk.domain.counter.audit import Audit
from kiosk.domain.errors import InvalidInput, KioskError, WrongPassword
from kiosk.domain.inactivity import idle_left
from kiosk.domain.lockout import Lockout
from kiosk.domain.passwords import hash_password, needs_rehash, verify_password
from kiosk.domain.records import StaffMember
from store.api import StoreBackend

STAFF_ID = re.compile(r"[A-Za-z0-9_-]{3,20}")
MIN_PASSWORD, MAX_PASSWORD = 10, 64
STAFF_LOCK = timedelta(minutes=15)
SHELL = "shell"


@dataclass(slots=True)
class StaffSession:
    """A signed-in staff member at this kiosk; ``last_active`` moves with every action."""

    staff_id: str
    name: str
    started_at: datetime
    last_active: datetime


def check_staff_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", "err.staff.password", min=MIN_PASSWORD,
                           max=MAX_PASSWORD)
    if not all(c.isprintable() for c in password):
        raise InvalidInput("password", "err.password.charset")


class Staff:
    def __init__(self, store: StoreBackend, clock: Clock,
                 idle: timedelta = timedelta(minutes=STAFF_IDLE_MINUTES)) -> None:
        self._staff = store.keyed("staff", "staff_id")
        self._clock = clock
        self.idle = idle
        self.audit = Audit(store, clock)
        self.lock = Lockout(store, clock, scope="staff", period=STAFF_LOCK,
                            locked_key="err.staff.locked")

    def add(self, staff_id: str, name: str, password: str) -> StaffMember:
        if not STAFF_ID.fullmatch(staff_id):
            raise InvalidInput("staff_id", "err.staff.id")
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("name", "err.required")
        check_staff_password(password)
        doc: StaffMember = {
            "staff_id": staff_id, "name": name, "password_hash": hash_password(password),
            "active": True, "created_at": self._clock.now().isoformat()}
        if not self._staff.modify(staff_id, lambda old: old or dict(doc)):
            raise KioskError("err.staff.exists", staff_id=staff_id)
        self.audit.record(SHELL, "staff_add", staff=staff_id)
        return doc

    def passwd(self, staff_id: str, password: str) -> None:
        check_staff_password(password)
        hashed = hash_password(password)
        self._change(staff_id, lambda doc: {**doc, "password_hash": hashed})
        self.lock.reset(staff_id)
        self.audit.record(SHELL, "staff_passwd", staff=staff_id)

    def disable(self, staff_id: str) -> None:
        now = self._clock.now().isoformat()
        self._change(staff_id, lambda doc: {**doc, "active": False, "disabled_at": now})
        self.audit.record(SHELL, "staff_disable", staff=staff_id)

    def _change(self, staff_id: str, change: Any) -> None:
        missing: list[bool] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None:
                missing.append(True)
                return None
            return change(doc)

        self._staff.modify(staff_id, apply)
        if missing:
            raise KioskError("err.staff.unknown", staff_id=staff_id)

    def sign_in(self, staff_id: str, password: str) -> StaffSession:
        """Unknown IDs and wrong passwords fail alike (and count alike)."""
        doc = self._staff.get(staff_id)
        stored = doc["password_hash"] if doc else _dummy_hash()
        tries_left = self.lock.guard(
            staff_id, lambda: verify_password(password, stored) and doc is not None)
        if tries_left is not None:
            raise WrongPassword(tries_left)
        assert doc is not None
        if not doc["active"]:
            raise KioskError("err.staff.disabled")
        if needs_rehash(stored):   # an older, cheaper hash: replaced now that it is known
            fresh = hash_password(password)
            self._staff.modify(staff_id, lambda d: d and (
                {**d, "password_hash": fresh} if d["password_hash"] == stored else d))
        now = self._clock.now()
        session = StaffSession(staff_id, doc["name"], now, now)
        self.audit.record(staff_id, "sign_in")
        return session

    def idle_left(self, session: StaffSession) -> timedelta:
        """How long the session may stay without input (zero: it is over). A clock stepped
        back restarts the count from its new time instead of extending the session."""
        now = self._clock.now()
        session.last_active = min(session.last_active, now)
        return idle_left(session.last_active, self.idle, now)

    def expired(self, session: StaffSession) -> bool:
        return self.idle_left(session) == timedelta(0)

    def require(self, session: StaffSession | None) -> StaffSession:
        """Every counter operation starts here: a session idle for ``idle`` or whose account
        was disabled meanwhile (from the shell) is over, and says so."""
        if session is None:
            raise KioskError("err.staff.signed_out")
        if self.expired(session):
            raise KioskError("err.staff.expired")
        self.check_account(session)
        session.last_active = self._clock.now()
        return session

    def check_account(self, session: StaffSession) -> None:
        """The session's account still exists and is active, or ``err.staff.disabled``:
        asked by every operation, and by the kiosk when the store says the staff
        accounts changed (at another terminal or from the shell)."""
        doc = self._staff.get(session.staff_id)
        if doc is None or not doc["active"]:
            raise KioskError("err.staff.disabled")

    def touch(self, session: StaffSession) -> None:
        """Input at the terminal: the idle limit counts from the last key, not the last
        counter operation (a clerk reading the audit log is not idle)."""
        if not self.expired(session):
            session.last_active = self._clock.now()

    def unlock(self, staff_id: str) -> None:
        """After five wrong passwords (anyone at the kiosk can type a staff ID)."""
        if self._staff.get(staff_id) is None:
            raise KioskError("err.staff.unknown", staff_id=staff_id)
        self.lock.reset(staff_id)
        self.audit.record(SHELL, "staff_unlock", staff=staff_id)

    def sign_out(self, session: StaffSession, *, timed_out: bool = False) -> None:
        self.audit.record(session.staff_id, "sign_out_idle" if timed_out else "sign_out")

    def leave_kiosk(self, session: StaffSession) -> None:
        """Signed out to close the kiosk program (the staff menu's way out)."""
        self.audit.record(session.staff_id, "exit")

    def any_active(self) -> bool:
        """Whether anyone can sign in (else the sign-in screen says how to add staff)."""
        return any(doc["active"] for doc in self._staff.all())

    def all(self) -> list[StaffMember]:
        return sorted((cast(StaffMember, d) for d in self._staff.all()),
                      key=lambda d: d["staff_id"])


@cache
def _dummy_hash() -> str:
    """Compared against when the staff ID is unknown, so both cases take scrypt's time."""
    return hash_password("no such staff member")
