"""The idle wipe's clock: a kiosk left alone is wiped a fixed time after the last key, and a
clock stepped back or forward never stretches that time."""

from __future__ import annotations

from datetime import timedelta

from kiosk.domain.clock import FixedClock
from kiosk.domain.inactivity import Deadline
from tests.unit.domain_fixtures import NOW

LIMIT = timedelta(minutes=3)


def test_the_time_counts_from_the_start_until_someone_touches_a_key():
    clock = FixedClock(NOW)
    deadline = Deadline(clock, LIMIT)
    assert deadline.left() == LIMIT                       # nobody has touched it yet
    clock.advance(minutes=2)
    assert deadline.left() == timedelta(minutes=1)
    deadline.touch()
    assert deadline.left() == LIMIT
    clock.advance(minutes=3)
    assert deadline.left() == timedelta(0)
    clock.advance(hours=5)
    assert deadline.left() == timedelta(0)                # never below zero


def test_a_clock_stepped_back_restarts_the_count_and_never_adds_to_it():
    clock = FixedClock(NOW)
    deadline = Deadline(clock, LIMIT)
    clock.advance(minutes=2)
    clock.set(NOW - timedelta(hours=1))                   # NTP steps the clock back
    assert deadline.left() == LIMIT
    clock.advance(minutes=1)
    assert deadline.left() == timedelta(minutes=2)
