"""When a lockout's window starts and ends, and what it keeps about people.

The rule: failures are forgotten one period after the first of them; the door, once
closed, stays closed one period from the failure that closed it; a clock stepped back
never stretches either. One attempt can be checked against several counters (the phone
door counts the ID and the number), and settling one of them leaves the others alone.
"""

from __future__ import annotations

import json

import pytest

from kiosk.domain.errors import Locked
from kiosk.domain.lockout import LIMIT, counters_of
from tests.unit.domain_fixtures import card

HOLDER = card("registered").id_no


def test_a_lock_lasts_its_whole_period_from_the_failure_that_closed_it(world):
    """The first four wrong passwords at 10:00, the fifth at 10:20: locked until 10:50,
    although the window that began at 10:00 ends at 10:30."""
    lock = world.services.login_lock                 # 5 tries, 30 minutes
    for _ in range(LIMIT - 1):
        lock.guard(HOLDER, lambda: False)
    world.clock.advance(minutes=20)
    with pytest.raises(Locked):
        lock.guard(HOLDER, lambda: False)
    world.clock.advance(minutes=29, seconds=59)      # 10:49:59
    with pytest.raises(Locked):
        lock.guard(HOLDER, lambda: True)
    world.clock.advance(seconds=1)                   # 10:50
    assert lock.guard(HOLDER, lambda: True) is None


def test_the_window_starts_when_the_guess_is_made_not_when_its_check_ends(world):
    lock = world.services.login_lock
    with lock.attempt(HOLDER) as slow:
        world.clock.advance(minutes=1)               # a check that takes a minute
        slow.fail()
    world.clock.advance(minutes=29)                  # 30 minutes after the guess
    assert lock.guard(HOLDER, lambda: False) == LIMIT - 1


def test_failures_before_a_clock_stepped_back_are_forgotten_a_window_later_by_the_new_time(
        world):
    lock = world.services.identity_lock              # 5 tries, 15 minutes
    assert lock.guard(HOLDER, lambda: False) == LIMIT - 1
    world.clock.advance(hours=-1)                    # NTP steps the clock back an hour
    assert lock.guard(HOLDER, lambda: False) == LIMIT - 2   # still counted...
    world.clock.advance(minutes=15)
    assert lock.guard(HOLDER, lambda: False) == LIMIT - 1   # ...and gone 15 minutes on


def test_a_success_on_one_counter_leaves_the_others_try_counted(world):
    lock = world.services.phone_lock
    with lock.attempt(HOLDER, "number:0912345678") as attempt:
        attempt.succeed(HOLDER)
        assert attempt.fail("number:0912345678") == LIMIT - 1
    assert lock.guard("number:0912345678", lambda: False) == LIMIT - 2


def test_a_success_clears_every_counter_it_was_checked_against(world):
    lock = world.services.phone_lock
    for who in (HOLDER, "number:0912345678"):
        lock.guard(who, lambda: False)
    with lock.attempt(HOLDER, "number:0912345678") as attempt:
        attempt.succeed()
    for who in (HOLDER, "number:0912345678"):
        assert lock.guard(who, lambda: False) == LIMIT - 1


def test_a_failure_settled_after_a_clear_adds_to_the_failures_made_since(world):
    lock = world.services.login_lock
    with lock.attempt(HOLDER) as slow:               # a wrong guess still checking...
        assert lock.guard(HOLDER, lambda: True) is None      # ...the holder logs in,
        assert lock.guard(HOLDER, lambda: False) == LIMIT - 1  # then mistypes once
        assert slow.fail() == LIMIT - 2              # both count after the clear


def test_a_try_given_back_leaves_no_trace_of_the_person_in_the_counters_file(world):
    lock = world.services.login_lock
    with lock.attempt(HOLDER):
        pass                                         # refused for another reason
    stored = json.loads(counters_of(world.store).path.read_text("utf-8"))
    text = json.dumps(stored, ensure_ascii=False)
    assert HOLDER not in text
