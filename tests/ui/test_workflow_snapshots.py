"""Every registration, login and recovery screen at 80×24 in both languages.

Update after an intended change with ``scripts/test tests/ui --snapshot-update`` and review
the SVGs in tests/ui/__snapshots__ like any other diff.
"""

from __future__ import annotations

import itertools

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.replacement.payments import Method
from screens.outbox import MailScreen, OutboxScreen
from screens.registration.forgot_password import ForgotIdentityScreen, ForgotScreen
from screens.registration.mail_code import CodeScreen
from screens.registration.my_account import ChangePasswordScreen, UpdateInfoScreen
from screens.registration.register import (
    AccountScreen,
    AlreadyScreen,
    ConfirmScreen,
    DoneScreen,
    IdentityScreen,
    ReadCardScreen,
    TermsScreen,
)
from screens.registration.sign_in import LoginScreen
from tests.ui.conftest import make_app, make_services, wait_until
from tests.ui.flows import (
    account_step,
    card_screen,
    confirm_and_send,
    logged_in,
    login,
    menu,
    national_identity,
    on,
    registering,
    through_terms_and_read,
    type_into,
)

LANGS = ["zh-TW", "en"]


async def terms(pilot):
    await card_screen(pilot, "national")
    await pilot.press("1")
    await wait_until(pilot, on(pilot.app, TermsScreen))


async def read_card(pilot):
    await terms(pilot)
    await pilot.press("space", "f5")
    await wait_until(pilot, on(pilot.app, ReadCardScreen))


async def identity_national(pilot):
    await terms(pilot)
    await through_terms_and_read(pilot)
    await wait_until(pilot, on(pilot.app, IdentityScreen))
    await type_into(pilot, "AB123456")
    await pilot.press("enter")
    await type_into(pilot, "台北")


async def identity_resident(pilot):
    await registering(pilot, "resident_ui")
    await wait_until(pilot, on(pilot.app, IdentityScreen))
    await type_into(pilot, "2025/13/01")
    await pilot.press("enter")


async def account(pilot):
    await terms(pilot)
    await through_terms_and_read(pilot)
    await national_identity(pilot)
    await wait_until(pilot, on(pilot.app, AccountScreen))
    await type_into(pilot, "Nhi@2026x")


async def confirm(pilot):
    await terms(pilot)
    await through_terms_and_read(pilot)
    await national_identity(pilot)
    await account_step(pilot)
    await wait_until(pilot, on(pilot.app, ConfirmScreen))


async def done(pilot):
    await confirm(pilot)
    await confirm_and_send(pilot)
    await wait_until(pilot, on(pilot.app, DoneScreen))


async def already(pilot):
    await card_screen(pilot, "registered")
    await menu(pilot, "menu.register")
    await through_terms_and_read(pilot)
    await wait_until(pilot, on(pilot.app, AlreadyScreen))


async def login_wrong(pilot):
    await card_screen(pilot, "registered")
    await pilot.press("1")
    await wait_until(pilot, on(pilot.app, LoginScreen))
    await type_into(pilot, "Wrong@123")
    await pilot.press("enter")
    await pilot.pause()


async def services(pilot):
    await card_screen(pilot, "registered")
    await login(pilot, DEMO_PASSWORD)
    await logged_in(pilot)


async def change_password(pilot):
    await services(pilot)
    await pilot.press("3")
    await wait_until(pilot, on(pilot.app, ChangePasswordScreen))


async def update_info(pilot):
    await services(pilot)
    await pilot.press("4")
    await wait_until(pilot, on(pilot.app, UpdateInfoScreen))


async def forgot(pilot):
    await card_screen(pilot, "registered")
    await pilot.press("2")
    await wait_until(pilot, on(pilot.app, ForgotScreen))
    await pilot.press("enter")
    await pilot.pause()


async def forgot_identity(pilot):
    pilot.app.services.accounts.modify("J128765432", lambda _a: {"email": ""})
    await card_screen(pilot, "registered")
    await pilot.press("2")
    await wait_until(pilot, on(pilot.app, ForgotScreen))
    await pilot.press("enter")
    await wait_until(pilot, on(pilot.app, ForgotIdentityScreen))


async def code(pilot):
    await menu(pilot, "menu.code")
    await wait_until(pilot, on(pilot.app, CodeScreen))
    await type_into(pilot, "ABCDE-FGHJK")
    await pilot.press("enter")
    await pilot.pause()


async def outbox(pilot):
    await done(pilot)
    await menu(pilot, "menu.outbox")
    await wait_until(pilot, on(pilot.app, OutboxScreen))


async def mail(pilot):
    await outbox(pilot)
    await pilot.press("enter")
    await wait_until(pilot, on(pilot.app, MailScreen))


async def device_code(pilot):
    from screens.binding.devices import DeviceCodeScreen

    await services(pilot)
    await pilot.press("1")
    await wait_until(pilot, on(pilot.app, DeviceCodeScreen))


async def devices(pilot):
    from screens.binding.devices import DevicesScreen

    await services(pilot)
    session = pilot.app.session
    for name in ("Pixel 8", "iPhone 15"):
        pilot.app.devices.redeem(pilot.app.devices.new_code(session).code, name)
    await pilot.press("2")
    await wait_until(pilot, on(pilot.app, DevicesScreen))


async def phone_refused(pilot):
    from tests.ui.test_phone_and_qr_login import phone_form

    await phone_form(pilot, "0955000555", "F229876540", "5555")   # 親子卡
    await pilot.pause()


async def phone_done(pilot):
    from tests.ui.test_phone_and_qr_login import phone_form

    await phone_form(pilot, "0912345678", "J128765432", "8888", "Pixel 8")
    await wait_until(pilot, lambda: pilot.app.screen.query_one("#done").display)


async def qr_login_form(pilot):
    from screens.binding.qr_login import QrLoginFormScreen

    await menu(pilot, "menu.qr_login")
    await wait_until(pilot, on(pilot.app, QrLoginFormScreen))
    await type_into(pilot, "J128765432")


async def qr_login(pilot):
    from tests.ui.test_phone_and_qr_login import qr_login_screen

    await qr_login_screen(pilot)


async def qr_approve_panel(pilot):
    from screens.binding.qr_login import LoginApprovalPanel

    await qr_login(pilot)
    await pilot.press("f9")
    await wait_until(pilot, on(pilot.app, LoginApprovalPanel))


async def apply_list(pilot):
    from tests.ui import test_card_replacement as cr

    await cr.logged_in_as(pilot)
    await cr.applications(pilot)
    await cr.new_application(pilot)
    await cr.new_application(pilot, pickup="onsite")
    await wait_until(pilot, lambda: pilot.app.screen.query_one("#apps").row_count == 2)


async def apply_form(pilot):
    from tests.ui import test_card_replacement as cr

    await cr.apply_form(pilot)


async def _paying(pilot, action: str):
    from tests.ui import test_card_replacement as cr

    await cr.logged_in_as(pilot)
    await cr.applications(pilot)
    atm_no = await cr.new_application(pilot)
    await cr.act(pilot, atm_no, action)
    return atm_no


async def pay_atm(pilot):
    from screens.replacement.payment import AtmScreen

    await _paying(pilot, "atm")
    await wait_until(pilot, on(pilot.app, AtmScreen))
    pilot.app.monitor.insert("bank_card")
    await wait_until(pilot, lambda: pilot.app.screen.transfer is not None)


async def pay_ebill(pilot):
    from screens.replacement.payment import EbillScreen

    await _paying(pilot, "ebill")
    await wait_until(pilot, on(pilot.app, EbillScreen))


async def pay_slip(pilot):
    from screens.replacement.payment import SlipScreen

    await _paying(pilot, "slip")
    await wait_until(pilot, on(pilot.app, SlipScreen))


async def pickup(pilot):
    from screens.replacement.payment import PickupScreen
    from tests.ui import test_card_replacement as cr

    await cr.logged_in_as(pilot)
    await cr.applications(pilot)
    atm_no = await cr.new_application(pilot, pickup="onsite")
    pilot.app.payments.pay(pilot.app.session, atm_no, Method.ATM, 0, {})
    pilot.app.screen.reload()
    await cr.act(pilot, atm_no, "pickup")
    await wait_until(pilot, on(pilot.app, PickupScreen))


STEPS = [apply_list, apply_form, pay_atm, pay_ebill, pay_slip, pickup,
         phone_refused, phone_done, qr_login_form, qr_login, qr_approve_panel,
         device_code, devices, terms, read_card, identity_national, identity_resident, account,
         confirm, done, already, login_wrong, services, change_password, update_info, forgot,
         forgot_identity, code, outbox, mail]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("step", STEPS, ids=[s.__name__ for s in STEPS])
def test_workflow_screen(snap_compare, monkeypatch, tmp_path, step, lang):
    letters = itertools.cycle("ABCDEFGHJK")   # codes come from secrets: pin them here
    digits = itertools.cycle("3141592653")    # ATM NOs, receipt numbers, verification codes
    pick = lambda alphabet: next(letters) if "A" in alphabet else next(digits)  # noqa: E731
    monkeypatch.setattr("kiosk.domain.codes.secrets.choice", pick)
    derived: dict[str, str] = {}   # a code is derived from its seed: the same seed, the same code

    def derive(_keyring, seed, alphabet, length):
        return derived.setdefault(seed, "".join(pick(alphabet) for _ in range(length)))

    monkeypatch.setattr("kiosk.domain.keyring.Keyring.derive", derive)
    # the screens show paths under home as ~/…: the same on every run, in the test's own folder
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "store").mkdir()
    app = make_app(lang=lang, services=make_services(tmp_path / "store"))

    async def run_before(pilot):
        await step(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()   # tables size their columns late
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
