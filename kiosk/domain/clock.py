"""Injectable time, so expiry rules and on-screen dates are testable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

TAIPEI = timezone(timedelta(hours=8), "Asia/Taipei")  # no DST since 1979


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(TAIPEI)


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=TAIPEI)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)

    def set(self, at: datetime) -> None:
        self._at = at
