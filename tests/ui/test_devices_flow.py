"""Binding the 健保快易通 app: the device code with its QR, the demo app panel, and
unbinding from device management."""

from __future__ import annotations

from kiosk.domain.demo_people import DEMO_PASSWORD
from screens.binding.devices import ConfirmUnbind, DeviceCodeScreen, DevicesScreen
from screens.phone_app import AppPanelScreen
from screens.widgets.qr import QrCode
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import card_screen, logged_in, login, on, shows, type_into
from tests.ui.test_qr_widget import decode_screen


async def _logged_in(pilot):
    await card_screen(pilot, "registered")
    await pilot.press("escape")
    await login(pilot, DEMO_PASSWORD)
    await logged_in(pilot)


async def test_device_code_binds_through_the_demo_app_and_unbinds():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _logged_in(pilot)
        await pilot.press("1")                            # [1] Mobile device verification
        await wait_until(pilot, on(app, DeviceCodeScreen))
        await pilot.press("f5")                           # 【產生裝置認證碼】
        code = app.screen.code.code
        assert code in screen_text(app) and app.screen.query_one(QrCode).fits
        assert decode_screen(app) == [code]            # what a phone would scan at 80×24
        app.theme = "textual-light"
        await pilot.pause()
        assert decode_screen(app) == [code]
        await shows(pilot, "Valid for 10:00 more")
        await pilot.press("f5")                           # a new code voids the old one
        await pilot.pause()
        assert app.screen.code.code != code
        await pilot.press("f9")                           # the demo app scans it
        await wait_until(pilot, on(app, AppPanelScreen))
        await pilot.press("ctrl+a")
        await type_into(pilot, "Pixel 8")
        await pilot.press("enter")
        await shows(pilot, "is now bound")
        await pilot.press("escape", "escape")
        await logged_in(pilot)
        await pilot.press("2")                            # [2] Mobile device management
        await wait_until(pilot, on(app, DevicesScreen))
        listing = app.screen.query_one("#devices")
        assert listing.option_count == 1
        assert "Pixel 8" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("delete")
        await wait_until(pilot, on(app, ConfirmUnbind))
        await pilot.press("enter")
        await wait_until(pilot, on(app, DevicesScreen))
        await shows(pilot, "No mobile device is bound")
        assert app.devices.of(app.session) == []


async def test_an_expired_code_says_so():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _logged_in(pilot)
        await pilot.press("1")
        await wait_until(pilot, on(app, DeviceCodeScreen))
        await pilot.press("f5")                           # 【產生裝置認證碼】
        app.clock.advance(minutes=10)
        await shows(pilot, "The code has expired")
