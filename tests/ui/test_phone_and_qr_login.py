"""行動電話認證 and QR login as a citizen does them at the kiosk, at 80×24."""

from __future__ import annotations

from kiosk.domain.binding.qr_login import PAYLOAD_PREFIX
from kiosk.domain.session import Session
from screens.binding.phone_auth import PhoneAuthScreen
from screens.binding.qr_login import LoginApprovalPanel, QrLoginFormScreen, QrLoginScreen
from screens.services import ServicesScreen
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import card_screen, login, menu, on, shows, type_into
from tests.ui.test_qr_widget import decode_screen

NEW = "Phone@2026"


async def phone_form(pilot, number: str, id_no: str, last4: str, device: str = "") -> None:
    await menu(pilot, "menu.phone_auth")
    await wait_until(pilot, on(pilot.app, PhoneAuthScreen), what="phone auth")
    for value in (number, id_no, last4, NEW, NEW, device):
        await type_into(pilot, value)
        await pilot.press("enter")


async def test_phone_auth_registers_binds_and_the_card_then_logs_in():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await phone_form(pilot, "0911000111", "A123456789", "2222")
        await shows(pilot, 'Registered, and "0911-***-111" is bound')
        assert app.screen.value("password") == ""          # nothing personal lingers
        assert app.screen.value("id") == app.screen.value("last4") == ""
        await card_screen(pilot, "national")
        await pilot.press("escape")
        await login(pilot, NEW)
        await wait_until(pilot, on(app, ServicesScreen), what="services")


async def test_a_refused_number_says_why_in_chinese_and_keeps_what_was_typed():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await phone_form(pilot, "0966000666", "E123456783", "6666")
        await shows(pilot, "預付卡門號無法認證")
        assert app.screen.value("phone") == "0966000666"
        assert app.screen.value("id") == "E123456783"
        assert app.services.accounts.get_by_id("E123456783") is None


async def test_wrong_card_digits_point_at_the_tries_left():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await phone_form(pilot, "0912345678", "J128765432", "0000")
        await shows(pilot, "4 tries left")


async def qr_login_screen(pilot, birth: str = "047/02/28") -> None:
    app = pilot.app
    app.devices.bind("J128765432", "Pixel 8")
    await menu(pilot, "menu.qr_login")
    await wait_until(pilot, on(app, QrLoginFormScreen), what="QR login form")
    for value in ("J128765432", birth):
        await type_into(pilot, value)
        await pilot.press("enter")
    await wait_until(pilot, on(app, QrLoginScreen), what="login QR")


async def test_qr_login_approved_in_the_demo_app_logs_in_without_a_card():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        request = app.screen.request
        assert decode_screen(app) == [PAYLOAD_PREFIX + request.code]   # what the phone scans
        assert request.display in screen_text(app)
        await pilot.press("f9")
        await wait_until(pilot, on(app, LoginApprovalPanel), what="demo app")
        assert app.screen.value("device") == "Pixel 8"        # the holder's bound phone
        await pilot.press("enter")
        await wait_until(pilot, on(app, ServicesScreen), what="services")
        await shows(pilot, "logged in through the app")
        assert app.session.via == "qr" and len(app.screen_stack) == 2
        await pilot.press("escape")                            # log out
        await wait_until(pilot, lambda: app.session is None, what="logged out")


async def test_a_card_inserted_during_a_qr_session_ends_it():
    """Whoever inserts a card is not the person who approved on the phone."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        app.qr_login.approve(app.screen.request.code, "Pixel 8")
        await wait_until(pilot, on(app, ServicesScreen), what="services", timeout=10)
        await pilot.press("f7", "1")
        await wait_until(pilot, lambda: app.session is None, what="session ended")
        assert not on(app, ServicesScreen)()


async def test_f5_after_the_phone_was_unbound_explains_instead_of_crashing():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        holder = Session("J128765432", "", "", app.clock.now())
        for device in app.devices.of(holder):                 # unbound from another kiosk
            app.devices.unbind(holder, device["device_id"])
        await pilot.press("f5")
        await shows(pilot, "No phone is bound to you yet")
        assert on(app, QrLoginScreen)()


async def test_qr_login_approved_elsewhere_is_noticed_by_the_waiting_kiosk():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot, birth="1958-02-28")
        app.qr_login.approve(app.screen.request.payload, "Pixel 8")   # the app on the phone
        await wait_until(pilot, on(app, ServicesScreen), what="services", timeout=10)


async def test_a_denied_or_expired_qr_says_so_and_f5_makes_a_new_one():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        first = app.screen.request
        app.qr_login.deny(first.code, "Pixel 8")
        await shows(pilot, "已在手機上拒絕登入")
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.screen.request.code != first.code, what="new QR")
        app.services.clock.advance(minutes=3)
        await shows(pilot, "QR Code 已過期")
        assert app.session is None


async def test_qr_login_without_a_bound_phone_explains_how_to_bind_one():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await menu(pilot, "menu.qr_login")
        await wait_until(pilot, on(app, QrLoginFormScreen))
        for value in ("J128765432", "1958-02-28"):
            await type_into(pilot, value)
            await pilot.press("enter")
        await shows(pilot, "No phone is bound to you yet")


async def test_leaving_the_qr_screen_voids_its_code():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        code = app.screen.request.code
        await pilot.press("f7", "1")                      # a card arrives: the kiosk follows it
        await wait_until(pilot, lambda: not on(app, QrLoginScreen)(), what="card screen")
        assert app.qr_login.state(code).value == "cancelled"
