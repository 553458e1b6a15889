"""Failure counters that close a door for a while: 5 wrong identity proofs close
registration for 15 minutes, 5 wrong passwords lock login. Kept in the store, so every
kiosk process sees the same count, and staff can release them.

The rule holds across processes because an attempt is *reserved* before it is checked:
:meth:`Lockout.attempt` counts it as a failure in one store transaction (refusing it when
the limit is used up), the slow check (scrypt, the registry) runs outside the lock, and
the outcome is settled in another transaction — a success clears the count only if no
lock was recorded meanwhile, so at most ``limit`` guesses are ever checked per window and
none is accepted after the lock. Failures are forgotten ``period`` after the first of
them; a clock stepped back never makes a lock last longer than ``period`` from now.

The counters live in a small store file of their own beside the store
(``<store>.attempts.json``, :func:`counters_of`): reserving and settling writes twice per
guess, and rewriting an 85 MB store (100,000 batch accounts) twice per login held every
kiosk process's lock for half a second.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from kiosk.domain.clock import Clock
from kiosk.domain.errors import Locked
from store.api import StoreBackend

LIMIT = 5


def counters_of(store: StoreBackend) -> StoreBackend:
    """The failure counters' store for ``store``: a small one of its own beside it, made for
    the same purpose (a demo's counters are the demo's), so a guess never touches the
    accounts' store."""
    return store.companion("attempts")


class Lockout:
    def __init__(self, store: StoreBackend, clock: Clock, *, scope: str, period: timedelta,
                 locked_key: str, limit: int = LIMIT) -> None:
        self._table = counters_of(store).keyed("attempts", "key")
        self._clock = clock
        self._scope = scope
        self._period = period
        self._locked_key = locked_key
        self.limit = limit

    def _key(self, who: str) -> str:
        return f"{self._scope}:{who}"

    # -- reading ---------------------------------------------------------------------------
    def _until(self, doc: dict[str, Any] | None, now: datetime) -> datetime | None:
        """When the lock in ``doc`` ends, never more than ``period`` from ``now``."""
        if not doc or not doc.get("locked_until"):
            return None
        until = min(datetime.fromisoformat(doc["locked_until"]), now + self._period)
        return until if until > now else None

    def locked_until(self, who: str) -> datetime | None:
        now = self._clock.now()
        return self._until(self._table.get(self._key(who)), now)

    def check(self, who: str) -> None:
        """Raise Locked while the door is closed (display only: deciding needs attempt())."""
        until = self.locked_until(who)
        if until is not None:
            raise Locked(self._locked_key, until)

    # -- deciding --------------------------------------------------------------------------
    def _fresh(self, doc: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
        """The counter as it stands at ``now``: expired windows and locks forgotten, and
        times from a clock that has since been stepped back pulled to ``now``."""
        if doc is None:
            return _empty(now)
        doc = {**_empty(now), **doc}         # counters from before epochs and windows
        until = self._until(doc, now)
        if doc.get("locked_until"):
            if until is None:
                return _empty(now)           # the lock ran out: count afresh
            doc["locked_until"] = until.isoformat()
            return doc
        first = datetime.fromisoformat(doc.get("first_at") or now.isoformat())
        if first > now:
            first = now                      # the clock went back
        if now - first >= self._period:
            return _empty(now)               # old failures expire with the window
        doc["first_at"] = first.isoformat()
        return doc

    def _lock(self, doc: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {**doc, "locked_until": (now + self._period).isoformat()}

    def _reserve(self, keys: list[str]) -> dict[str, str]:
        """Count one attempt on every key, or none when any of them is closed."""
        now = self._clock.now()
        locked: list[datetime] = []
        epochs: dict[str, str] = {}

        def reserve(docs: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any] | None]:
            out: dict[str, dict[str, Any] | None] = {}
            for key, old in docs.items():
                doc = self._fresh(old, now)
                until = self._until(doc, now)
                if until is None and doc["failures"] >= self.limit:
                    doc = self._lock(doc, now)     # every try is taken: close the door
                    until = self._until(doc, now)
                if until is not None:
                    locked.append(until)
                out[key] = doc
            if locked:
                return out                          # record the locks, count nothing
            for key, counted in out.items():
                assert counted is not None
                counted["failures"] += 1
                epochs[key] = counted["epoch"]
            return out

        self._table.modify_many(keys, reserve)
        if locked:
            raise Locked(self._locked_key, max(locked))
        return epochs

    def _settle(self, epochs: dict[str, str], outcome: str) -> int:
        """``fail`` keeps the reserved count (locking on the last try), ``succeed`` clears
        it unless a lock was recorded meanwhile, ``release`` gives the try back."""
        now = self._clock.now()
        locked: list[datetime] = []
        left: list[int] = []

        def settle(docs: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any] | None]:
            out: dict[str, dict[str, Any] | None] = {}
            for key, old in docs.items():
                doc = self._fresh(old, now)
                mine = doc["epoch"] == epochs[key]
                until = self._until(doc, now)
                if outcome == "succeed":
                    if until is not None:
                        locked.append(until)
                        out[key] = doc
                    else:
                        out[key] = None
                    continue
                if outcome == "release":
                    if mine and until is None and doc["failures"] > 0:
                        doc["failures"] -= 1
                    out[key] = doc if doc["failures"] or until else None
                    continue
                if not mine:                 # cleared meanwhile: this failure still counts
                    doc["failures"] += 1
                if until is None and doc["failures"] >= self.limit:
                    doc = self._lock(doc, now)
                    until = self._until(doc, now)
                if until is not None:
                    locked.append(until)
                left.append(max(self.limit - doc["failures"], 0))
                out[key] = doc
            return out

        self._table.modify_many(list(epochs), settle)
        if locked:
            raise Locked(self._locked_key, max(locked))
        return min(left, default=self.limit)

    @contextlib.contextmanager
    def attempt(self, *who: str) -> Iterator[Attempt]:
        """One guess against ``who`` (one or more counters, reserved together).

        Raises Locked before the guess when any counter is closed. Inside, call
        :meth:`Attempt.succeed` or :meth:`Attempt.fail` (per counter or for all); a counter
        left unsettled — including when the block raises — gets its try back.
        """
        keys = [self._key(w) for w in who]
        attempt = Attempt(self, dict(zip(who, keys, strict=True)), self._reserve(keys))
        try:
            yield attempt
        finally:
            attempt.release_rest()

    def guard(self, who: str, proof: Callable[[], bool]) -> int | None:
        """``proof()`` as one attempt: None when it held, else the tries left (Locked
        instead on the last one)."""
        with self.attempt(who) as attempt:
            if proof():
                attempt.succeed()
                return None
            return attempt.fail()

    def reset(self, who: str) -> None:
        """Staff release, or a proof of another kind (a reset mail) that opens the door."""
        self._table.modify(self._key(who), lambda _doc: None)


class Attempt:
    """A reserved guess; see :meth:`Lockout.attempt`."""

    def __init__(self, lockout: Lockout, keys: dict[str, str], epochs: dict[str, str]) -> None:
        self._lockout = lockout
        self._keys = keys
        self._open = dict(epochs)

    def _take(self, who: tuple[str, ...]) -> dict[str, str]:
        keys = [self._keys[w] for w in who] if who else list(self._open)
        return {k: self._open.pop(k) for k in keys if k in self._open}

    def succeed(self, *who: str) -> None:
        """The guess was right: clear the counters (all, or those named). Raises Locked
        when another process recorded a lock while this guess was being checked."""
        taken = self._take(who)
        if taken:
            self._lockout._settle(taken, "succeed")

    def fail(self, *who: str) -> int:
        """The guess was wrong: the tries left, or Locked on the last one."""
        taken = self._take(who)
        return self._lockout._settle(taken, "fail") if taken else self._lockout.limit

    def release(self, *who: str) -> None:
        """Not a guess after all (refused for another reason): the try is given back."""
        taken = self._take(who)
        if taken:
            self._lockout._settle(taken, "release")

    def release_rest(self) -> None:
        self.release()


def _empty(now: datetime) -> dict[str, Any]:
    return {"failures": 0, "first_at": now.isoformat(), "locked_until": None,
            "epoch": secrets.token_hex(4)}
