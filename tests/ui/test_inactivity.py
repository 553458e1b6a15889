"""A kiosk left alone wipes itself, every time: after a card login, a card put in again, a
QR login, a half-typed phone authentication and a staff session, many times in a row.
The limit is read off the injectable clock; the app's timer only decides when to look."""

from __future__ import annotations

from datetime import timedelta

import pytest

from screens.binding.phone_auth import PhoneAuthScreen
from screens.binding.qr_login import QrLoginFormScreen, QrLoginScreen
from screens.card import CardScreen
from screens.counter.audit import AuditScreen
from screens.counter.home import StaffHomeScreen
from screens.idle import IdleScreen
from screens.registration.my_account import UpdateInfoScreen
from screens.services import ServicesScreen
from tests.ui.conftest import screen_text, wait_until
from tests.ui.flows import back_to_idle, logged_in, login, menu, on, type_into
from tests.ui.test_staff_mode import SIZE, actions, signed_in, staff_item, staffed_app

LIMIT = 120          # seconds, the public limit
STAFF_LIMIT = 600    # make_app's default staff_idle_minutes = 10


def kiosk(**kw):
    app = staffed_app(lang="en", inactivity=LIMIT, **kw)
    app.idle_check_s = 0.02   # the timer looks often; the clock says whether it is time
    return app


def wiped(app) -> bool:
    return (isinstance(app.screen, IdleScreen) and len(app.screen_stack) == 1
            and app.session is None and app.staff_session is None)


async def walk_away(pilot, seconds: float = LIMIT) -> None:
    app = pilot.app
    app.services.clock.advance(seconds=seconds)
    await wait_until(pilot, lambda: wiped(app), what=f"wiped after {seconds} s")


async def card_login_and_update_info(pilot) -> None:
    app = pilot.app
    app.monitor.remove()
    app.monitor.insert("registered")
    await wait_until(pilot, on(app, CardScreen), what="card screen")
    await login(pilot, "Demo@2026")
    await logged_in(pilot)
    await pilot.press("4")
    await wait_until(pilot, on(app, UpdateInfoScreen), what="基本資料異動")


async def qr_login(pilot) -> None:
    app = pilot.app
    await menu(pilot, "menu.qr_login")
    await wait_until(pilot, on(app, QrLoginFormScreen), what="QR login form")
    for value in ("J128765432", "047/02/28"):
        await type_into(pilot, value)
        await pilot.press("enter")
    await wait_until(pilot, on(app, QrLoginScreen), what="login QR")
    app.qr_login.approve(app.screen.request.code, "Pixel 8")
    await wait_until(pilot, on(app, ServicesScreen), what="services after QR", timeout=10)
    assert app.session is not None and not app.session.by_card


async def half_typed_phone_auth(pilot) -> None:
    app = pilot.app
    await menu(pilot, "menu.phone_auth")
    await wait_until(pilot, on(app, PhoneAuthScreen), what="phone auth")
    await type_into(pilot, "0912345678")


async def staff_reading_the_log(pilot) -> None:
    app = pilot.app
    await back_to_idle(pilot)
    await signed_in(pilot)
    await staff_item(pilot, AuditScreen)
    app.services.clock.advance(seconds=LIMIT + 5)   # past the public limit: not staff's
    app.check_inactivity()
    assert app.staff_session is not None and isinstance(app.screen, AuditScreen)


@pytest.mark.timeout(300)   # twenty logins (scrypt), QR approvals and staff sign-ins in a row
async def test_twenty_consecutive_sessions_each_end_when_left_alone():
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        app.devices.bind("J128765432", "Pixel 8")
        steps = [card_login_and_update_info, qr_login, half_typed_phone_auth,
                 staff_reading_the_log]
        for cycle in range(20):
            step = steps[cycle % len(steps)]
            await step(pilot)
            await walk_away(pilot, STAFF_LIMIT if step is staff_reading_the_log else LIMIT)
            text = screen_text(app)
            assert "0912" not in text and "zhang" not in text.lower(), step.__name__


async def test_the_limit_counts_from_the_last_key_and_fires_on_time():
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await half_typed_phone_auth(pilot)
        clock = app.services.clock
        clock.advance(seconds=LIMIT - 1)
        app.check_inactivity()
        assert isinstance(app.screen, PhoneAuthScreen)
        await pilot.press("0")                     # a key: the limit starts again
        clock.advance(seconds=LIMIT - 1)
        app.check_inactivity()
        assert isinstance(app.screen, PhoneAuthScreen)
        clock.advance(seconds=1)
        await wait_until(pilot, lambda: wiped(app), what="wiped at the limit")


async def test_a_staff_session_ends_at_its_own_limit_not_later():
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        clock = app.services.clock
        clock.advance(seconds=STAFF_LIMIT - 1)
        app.check_inactivity()
        assert isinstance(app.screen, StaffHomeScreen)
        clock.advance(seconds=1)
        await wait_until(pilot, lambda: wiped(app), what="signed out at the limit")
        assert actions(app)[0] == "sign_out_idle"


async def test_a_clock_stepped_back_does_not_keep_a_session_alive():
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await half_typed_phone_auth(pilot)
        clock = app.services.clock
        clock.advance(hours=-5)                    # NTP, or someone at the BIOS
        app.check_inactivity()
        clock.advance(seconds=LIMIT)
        await wait_until(pilot, lambda: wiped(app), what="wiped a limit after the step")


async def test_the_idle_kiosk_runs_no_timer():
    app = kiosk()
    async with app.run_test(size=SIZE) as pilot:
        await half_typed_phone_auth(pilot)
        await walk_away(pilot)
        assert app.inactivity_wait() is None            # nothing to wipe: nothing scheduled
        await pilot.press("f2")                   # a key on the idle screen: still nothing
        assert app.inactivity_wait() is None
        app.monitor.insert("national")            # a card: its screen will need wiping
        await wait_until(pilot, on(app, CardScreen), what="card screen")
        assert timedelta(0) < app.inactivity_wait() <= timedelta(seconds=LIMIT)
