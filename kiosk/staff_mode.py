"""Staff mode: who is signed in at the counter, how long they may stay idle, and what the
audit log says when they go. The app (kiosk/app.py) shows the screens for it and arms the
one inactivity timer; the staff domain (kiosk/domain/counter/staff.py) keeps the accounts, the
idle rule and the log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the staff domain loads password hashing (start-up time)
    from kiosk.domain.counter.staff import Staff, StaffSession


class StaffMode:
    def __init__(self, staff: Callable[[], Staff], *, log_error: Callable[[str], None],
                 ended: Callable[[], None]) -> None:
        self._staff = staff            # the domain's Staff, built on first use
        self._log_error = log_error
        self._ended = ended            # the app: the public idle limit counts again
        self.session: StaffSession | None = None

    def begin(self, session: StaffSession) -> None:
        """Signed in (kiosk/domain/counter/staff.py ``sign_in`` wrote the audit entry)."""
        self.session = session

    def touch(self) -> None:
        """Someone is at the kiosk: the session's idle limit counts from now."""
        if self.session is not None:
            self._staff().touch(self.session)

    def idle_left(self) -> timedelta | None:
        """Time until the session's idle limit; None outside staff mode."""
        return None if self.session is None else self._staff().idle_left(self.session)

    def end(self, *, timed_out: bool) -> StaffSession | None:
        """Staff mode is over (by choice, by the idle limit or refused by the domain): the
        session goes whatever the store says, and the audit log is told if it can be."""
        session, self.session = self.session, None
        self._ended()
        if session is not None:
            try:
                self._staff().sign_out(session, timed_out=timed_out)
            except Exception as exc:   # the sign-out itself must happen whatever the store
                self._log_error(f"staff sign-out not audited: {type(exc).__name__}")
        return session

    def leave_kiosk(self) -> None:
        """Signed out to close the kiosk program: the audit log says both."""
        session = self.end(timed_out=False)
        if session is not None:
            self._staff().leave_kiosk(session)
