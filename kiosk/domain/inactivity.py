"""When a kiosk left alone must wipe itself.

The rule is one deadline: ``limit`` after the last sign of a person (a key, a click, a
card, a new screen, a login), by the injectable clock. A clock stepped back never makes
the wait longer than ``limit``; once the deadline has passed, the wipe is due whatever
happens later, until someone is there again (:meth:`Deadline.touch`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.domain.clock import Clock


class Deadline:
    def __init__(self, clock: Clock, limit: timedelta) -> None:
        self._clock = clock
        self.limit = limit
        self._last: datetime = clock.now()

    def touch(self) -> None:
        """Someone is there: the limit counts from now."""
        self._last = self._clock.now()

    def left(self) -> timedelta:
        """What remains before the wipe is due: zero or more, never more than ``limit``."""
        now = self._clock.now()
        self._last = min(self._last, now)   # stepped back: the count starts again here
        return idle_left(self._last, self.limit, now)


def idle_left(last: datetime, limit: timedelta, now: datetime) -> timedelta:
    """The time ``limit`` after ``last`` leaves at ``now``: zero once it has passed, and
    never more than ``limit`` (a ``last`` in the future counts as ``now``)."""
    return min(max(last + limit - now, timedelta(0)), limit)
