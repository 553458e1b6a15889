"""Failure counters that close a door for a while: 5 wrong identity proofs close
registration for 15 minutes, 5 wrong passwords lock login. Kept in the store, so every
kiosk process sees the same count, and staff can release them."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.domain.clock import Clock
from kiosk.domain.errors import Locked
from store.core import Store
from store.keyed import KeyedTable

LIMIT = 5


class Lockout:
    def __init__(self, store: Store, clock: Clock, *, scope: str, period: timedelta,
                 locked_key: str, limit: int = LIMIT) -> None:
        self._table = KeyedTable(store, "attempts", "key")
        self._clock = clock
        self._scope = scope
        self._period = period
        self._locked_key = locked_key
        self.limit = limit

    def _key(self, who: str) -> str:
        return f"{self._scope}:{who}"

    def locked_until(self, who: str) -> datetime | None:
        doc = self._table.get(self._key(who))
        if not doc or not doc.get("locked_until"):
            return None
        until = datetime.fromisoformat(doc["locked_until"])
        return until if until > self._clock.now() else None

    def check(self, who: str) -> None:
        """Raise Locked while the door is closed."""
        until = self.locked_until(who)
        if until is not None:
            raise Locked(self._locked_key, until)

    def fail(self, who: str) -> int:
        """Count a failure; returns the tries left, or raises Locked on the last one."""
        now = self._clock.now()
        result: dict[str, object] = {}

        def count(doc: dict | None) -> dict:
            failures = 0 if doc is None else int(doc.get("failures", 0))
            until = doc.get("locked_until") if doc else None
            if until and datetime.fromisoformat(until) <= now:
                failures = 0  # the previous lock has run out: start counting afresh
            failures += 1
            new = {"failures": failures, "locked_until": None}
            if failures >= self.limit:
                new["locked_until"] = (now + self._period).isoformat()
            result.update(new)
            return new

        self._table.modify(self._key(who), count)
        if result["locked_until"]:
            raise Locked(self._locked_key, datetime.fromisoformat(str(result["locked_until"])))
        return self.limit - int(result["failures"])  # type: ignore[call-overload]

    def reset(self, who: str) -> None:
        self._table.modify(self._key(who), lambda _doc: None)
