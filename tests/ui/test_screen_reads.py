"""What a screen *shows* is read from the store while it is drawn (screens/base.py
``read``): a store that is busy then is the busy message on that screen, in the person's
language, and the screen still opens with what it can show — never a crash, and never a
claim the kiosk could not check. Driven by keys, at 80×24."""

from __future__ import annotations

from kiosk.domain.accounts import Services
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.qr_login import QrLogin
from kiosk.domain.counter.audit import Audit
from kiosk.domain.counter.staff import Staff
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.registration.register import Registration
from kiosk.domain.registration.sign_in import SignIn
from screens.binding.devices import DevicesScreen
from screens.binding.qr_login import LoginApprovalPanel
from screens.card import CardScreen
from screens.counter.audit import AuditScreen
from screens.counter.sign_in import StaffSignInScreen
from screens.outbox import OutboxScreen
from screens.registration.my_account import UpdateInfoScreen
from store.errors import StoreLockedError
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import card_screen, logged_in, login, menu, on
from tests.ui.test_phone_and_qr_login import qr_login_screen
from tests.ui.test_staff_mode import SIZE, signed_in, staff_item, staffed_app

BUSY_EN = "The system is busy"
BUSY_ZH = "系統忙碌中"


def busy(monkeypatch, cls: type, name: str) -> None:
    """From now on ``cls.name`` finds the store held by another process."""
    def locked(*_args, **_kwargs):
        raise StoreLockedError("held by another process")

    monkeypatch.setattr(cls, name, locked)


def says(app, *texts: str):
    return lambda: all(text in screen_text(app) for text in texts)


async def test_a_card_whose_registration_cannot_be_read_offers_nothing_and_says_why(
        monkeypatch):
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        busy(monkeypatch, Registration, "state_of")
        await card_screen(pilot, "registered")
        await wait_until(pilot, says(app, BUSY_EN, "not known"), what="busy, state unknown")
        assert on(app, CardScreen)() and app.screen.actions() == []
        assert "Register" not in screen_text(app) and "Log in" not in screen_text(app)
        assert "StoreLockedError" not in screen_text(app)


async def test_an_audit_log_that_cannot_be_read_is_not_called_intact(monkeypatch):
    app = staffed_app(lang="zh-TW")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        busy(monkeypatch, Audit, "verify")
        await staff_item(pilot, AuditScreen)
        await wait_until(pilot, says(app, "未檢查", BUSY_ZH), what="not checked, busy")
        assert "完整" not in screen_text(app) and app.staff_session is not None


async def test_the_staff_sign_in_opens_when_the_staff_list_cannot_be_read(monkeypatch):
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        busy(monkeypatch, Staff, "any_active")
        await pilot.press("f10")
        await wait_until(pilot, on(app, StaffSignInScreen), what="staff sign-in")
        await wait_until(pilot, says(app, BUSY_EN), what="the busy message")
        assert not app.screen.query("#no-staff")          # no claim that nobody is staff


async def test_the_outbox_opens_empty_and_says_the_store_is_busy(monkeypatch):
    app = make_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        busy(monkeypatch, Services, "mails")
        await menu(pilot, "menu.outbox")
        await wait_until(pilot, on(app, OutboxScreen), what="outbox")
        await wait_until(pilot, says(app, BUSY_ZH), what="the busy message")


async def _services_as_holder(pilot) -> None:
    await card_screen(pilot, "registered")
    await pilot.press("escape")
    await login(pilot, DEMO_PASSWORD)
    await logged_in(pilot)


async def test_the_devices_list_says_the_store_is_busy(monkeypatch):
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _services_as_holder(pilot)
        busy(monkeypatch, Devices, "of")
        await pilot.press("2")                            # [2] Mobile device management
        await wait_until(pilot, on(app, DevicesScreen), what="devices")
        await wait_until(pilot, says(app, BUSY_EN), what="the busy message")
        assert app.session is not None


async def test_the_contact_form_opens_empty_and_says_why_when_the_account_is_unread(
        monkeypatch):
    """It used to open empty and say nothing: the holder could not tell a blank form from
    an account without contact details."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _services_as_holder(pilot)
        busy(monkeypatch, SignIn, "account")
        await pilot.press("4")                            # [4] Update contact details
        await wait_until(pilot, on(app, UpdateInfoScreen), what="contact form")
        await wait_until(pilot, says(app, BUSY_EN), what="the busy message")
        assert app.screen.value("email") == "" and app.screen.value("phone") == ""


async def test_the_demo_apps_approval_panel_opens_when_the_phones_cannot_be_read(
        monkeypatch):
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        busy(monkeypatch, QrLogin, "device_names")
        await pilot.press("f9")
        await wait_until(pilot, on(app, LoginApprovalPanel), what="demo app")
        await wait_until(pilot, says(app, BUSY_EN), what="the busy message")
        assert app.screen.value("device") == ""
