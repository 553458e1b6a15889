"""The kiosk's clock tells Taipei time, and a fixed clock moves only when told to."""

from datetime import UTC, datetime, timedelta

from kiosk.domain.clock import TAIPEI, FixedClock, SystemClock


def test_the_system_clock_tells_taipei_time_utc_plus_8():
    now = SystemClock().now()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(TAIPEI)) < timedelta(minutes=1)


def test_a_fixed_clock_without_a_zone_is_in_taipei_and_moves_only_when_told():
    clock = FixedClock(datetime(2026, 11, 23, 10, 0))
    assert clock.now() == datetime(2026, 11, 23, 10, 0, tzinfo=TAIPEI)
    clock.advance(minutes=90)
    assert clock.now() == datetime(2026, 11, 23, 11, 30, tzinfo=TAIPEI)
    clock.set(datetime(2027, 1, 1, 0, 0, tzinfo=TAIPEI))
    assert clock.now() == datetime(2027, 1, 1, 0, 0, tzinfo=TAIPEI)


def test_a_fixed_clock_given_another_zone_keeps_it():
    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now() == datetime(2026, 11, 23, 10, 0, tzinfo=TAIPEI)
