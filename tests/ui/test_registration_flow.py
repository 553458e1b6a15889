"""Registration, login and recovery as a citizen does them at 80×24, keyboard only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kiosk.domain.demo_people import DEMO_PASSWORD
from reader.demo import DEMO_BY_KEY, DEMO_CARDS, DemoCard
from reader.simulated import SimulatedMonitor
from screens.card import CardScreen
from screens.idle import IdleScreen
from screens.registration.forgot_password import (
    ForgotIdentityScreen,
    ForgotScreen,
    ResetPasswordScreen,
)
from screens.registration.my_account import ChangePasswordScreen, UpdateInfoScreen
from screens.registration.register import AccountScreen, AlreadyScreen, IdentityScreen, TermsScreen
from screens.registration.sign_in import LoginScreen
from screens.services import ServicesScreen
from store.api import DEMO
from tests.ui.conftest import NOW, make_app, screen_text, wait_until
from tests.ui.flows import (
    PASSWORD,
    account_step,
    card_screen,
    confirm_and_send,
    fill,
    follow_newest_mail,
    logged_in,
    login,
    menu,
    national_identity,
    on,
    pick_address,
    registering,
    shows,
    through_terms_and_read,
    type_into,
)
from tests.unit.domain_fixtures import NATIONAL_PROOF

SIZE = (80, 24)


async def test_national_registers_confirms_from_the_outbox_and_logs_in():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "national")
        await shows(pilot, "not registered")
        await pilot.press("1")                            # [1] Register
        await wait_until(pilot, on(app, TermsScreen))
        await pilot.press("f5")                           # not ticked yet
        await shows(pilot, "Tick")
        await through_terms_and_read(pilot)
        await national_identity(pilot)
        await account_step(pilot)
        await confirm_and_send(pilot)
        await shows(pilot, "w***@example.com")
        assert app.registration.state_of(DEMO_BY_KEY["national"].card).value == "pending"
        await follow_newest_mail(pilot)
        await shows(pilot, "Registration complete")
        await pilot.press("escape")
        await login(pilot)
        await logged_in(pilot)
        await shows(pilot, "王○明")
        app.monitor.remove()                              # pulling the card logs out
        await wait_until(pilot, on(app, IdleScreen), what="idle after removal")
        assert app.session is None and len(app.screen_stack) == 1


async def test_resident_registers_with_the_permit():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot, "resident_arc")
        await wait_until(pilot, on(app, IdentityScreen))
        for value in ("113/03/01", "2027-02-28", "ye00012345"):
            await type_into(pilot, value)
            await pilot.press("enter")
        await account_step(pilot, email="lan@example.com", phone="")
        await confirm_and_send(pilot)
        await shows(pilot, "l***@example.com")
        await follow_newest_mail(pilot)
        await shows(pilot, "註冊完成")
        assert app.registration.state_of(DEMO_BY_KEY["resident_arc"].card).value == "active"


async def test_already_registered_is_told_with_the_ways_on():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await shows(pilot, "Online services: registered")
        await pilot.press("escape")
        await menu(pilot, "menu.register")
        await through_terms_and_read(pilot)
        await wait_until(pilot, on(app, AlreadyScreen), what="already applied")
        await shows(pilot, "You have already applied")
        await pilot.press("1")
        await wait_until(pilot, on(app, LoginScreen), what="login offered")


async def test_wrong_identity_five_times_locks_registration():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot)
        await national_identity(pilot, household="ZZ000000")
        for left in (4, 3, 2, 1):
            await shows(pilot, f"{left} tries left")
            assert "household number or registered address" in screen_text(app)
            await pilot.press("enter")                    # submit again from the last field
        await shows(pilot, "try again after 09:45")
        assert isinstance(app.screen, IdentityScreen)


async def test_wrong_password_five_times_locks_login():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("1")                            # [1] Log in
        await wait_until(pilot, on(app, LoginScreen))
        for left in (4, 3, 2, 1):
            await type_into(pilot, "Wrong@123")
            await pilot.press("enter")
            await shows(pilot, f"{left} tries left")
            assert app.screen.query_one("#f-password").value == ""
        await type_into(pilot, "Wrong@123")
        await pilot.press("enter")
        await shows(pilot, "locked until")


async def test_card_pulled_mid_registration_wipes_the_wizard():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot)
        await national_identity(pilot)
        await wait_until(pilot, on(app, AccountScreen))
        await type_into(pilot, PASSWORD)
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen), what="idle")
        assert len(app.screen_stack) == 1
        assert app.registration.state_of(DEMO_BY_KEY["national"].card) is None


async def test_a_new_card_logs_in_and_the_old_one_is_refused():
    old = DEMO_BY_KEY["registered"]
    assert old.card is not None
    new = DemoCard("registered_new", replace(old.card, card_no="000077779999",
                                             issue_date=date(2026, 11, 1)))
    monitor = SimulatedMonitor(clock=lambda: NOW, cards=(*DEMO_CARDS, new))
    app = make_app(lang="en", monitor=monitor)
    async with app.run_test(size=SIZE) as pilot:
        monitor.insert(new)
        await wait_until(pilot, on(app, CardScreen))
        await pilot.press("escape")
        await login(pilot, DEMO_PASSWORD)
        await logged_in(pilot)
        monitor.insert("registered")                      # the old card
        await wait_until(pilot, on(app, CardScreen))
        await pilot.press("escape")
        await login(pilot, DEMO_PASSWORD)
        await shows(pilot, "replaced by a newer one")


async def test_change_password_and_email_after_login():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("escape")
        await login(pilot, DEMO_PASSWORD)
        await logged_in(pilot)
        await pilot.press("3")                            # [3] Change password
        await wait_until(pilot, on(app, ChangePasswordScreen))
        for value in (DEMO_PASSWORD, PASSWORD, PASSWORD):
            await type_into(pilot, value)
            await pilot.press("enter")
        await wait_until(pilot, on(app, ServicesScreen))
        await shows(pilot, "Your password was changed")
        await pilot.press("4")                            # [4] Update basic information
        await wait_until(pilot, on(app, UpdateInfoScreen))
        await fill(pilot, "email", "chang.new@example.com")
        await pilot.press("enter", "enter")
        await shows(pilot, "c***@example.com")
        account = app.sign_in.account(app.session)
        assert account["email"] == "chang.demo@example.com"   # until confirmed
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen))
        await pilot.press("escape")
        await follow_newest_mail(pilot)
        await shows(pilot, "c***@example.com")
        assert app.services.accounts.get_by_id("J128765432")["email"] == "chang.new@example.com"


async def test_forgot_password_by_mail_then_reset_from_the_outbox():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("2")                            # [2] Forgot password
        await wait_until(pilot, on(app, ForgotScreen))
        await pilot.press("enter")
        await shows(pilot, "c***@example.com")
        await pilot.press("escape", "escape")
        await follow_newest_mail(pilot)
        await wait_until(pilot, on(app, ResetPasswordScreen), what="reset form")
        for value in (PASSWORD, PASSWORD):
            await type_into(pilot, value)
            await pilot.press("enter")
        await shows(pilot, "Your password was reset")
        await pilot.press("escape")
        await login(pilot, PASSWORD)
        await logged_in(pilot)


async def test_forgot_password_without_mail_proves_the_address():
    app = make_app(lang="en")
    app.services.accounts.modify("J128765432", lambda _a: {"email": ""})
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("2")
        await wait_until(pilot, on(app, ForgotScreen))
        await pilot.press("enter")
        await wait_until(pilot, on(app, ForgotIdentityScreen), what="identity form")
        await pick_address(pilot, "新北", "板橋", "留侯", "7")
        await pilot.press("enter")
        await type_into(pilot, "chang.back@example.com")
        await pilot.press("enter")
        await shows(pilot, "c***@example.com")
        assert app.services.mails()[0]["to"] == "chang.back@example.com"


async def test_a_busy_store_is_a_message_not_a_crash():
    """Another kiosk process holds the store lock: the login says so and nothing is lost."""
    from store import Store

    app = make_app(lang="en")
    app.services.store._lock_timeout = 0.2
    other = Store.open(app.services.store.path, purpose=DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("1")
        await wait_until(pilot, on(app, LoginScreen))
        with other.transaction():
            await type_into(pilot, DEMO_PASSWORD)
            await pilot.press("enter")
            await shows(pilot, "The system is busy")
        assert app.is_running and DEMO_PASSWORD not in screen_text(app)
        await type_into(pilot, DEMO_PASSWORD)
        await pilot.press("enter")
        await logged_in(pilot)


async def test_the_password_leaves_the_draft_when_the_card_is_pulled():
    from screens.registration.register import ConfirmScreen

    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot)
        await national_identity(pilot)
        await account_step(pilot)
        await wait_until(pilot, on(app, ConfirmScreen))
        draft = app.screen.draft
        assert draft.answers["password"] == PASSWORD
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen))
        assert "password" not in draft.answers


async def test_the_card_screen_follows_a_cancelled_application():
    from screens.registration.pending import PendingScreen

    app = make_app(lang="en")
    app.registration.register(DEMO_BY_KEY["national"].card, NATIONAL_PROOF, PASSWORD,
                              PASSWORD, "wang@example.com", "")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "national")
        await shows(pilot, "awaiting confirmation")
        await pilot.press("2")                            # [2] Cancel application
        await wait_until(pilot, on(app, PendingScreen))
        await type_into(pilot, PASSWORD)
        await pilot.press("enter")                        # asked once more: Enter cancels
        await shows(pilot, "Cancel this card's registration application?")
        await pilot.press("enter")
        await shows(pilot, "cancelled")
        await pilot.press("escape")
        await wait_until(pilot, on(app, CardScreen))
        await shows(pilot, "not registered")
        await pilot.press("1")
        await wait_until(pilot, on(app, TermsScreen), what="register offered again")


async def test_forgot_sends_one_mail_per_visit():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("2")
        await wait_until(pilot, on(app, ForgotScreen))
        await pilot.press("enter")
        await shows(pilot, "c***@example.com")
        await pilot.press("enter")                        # again: closes, sends nothing
        await wait_until(pilot, on(app, CardScreen))
        assert [m["kind"] for m in app.services.mails()] == ["reset"]


async def test_a_form_that_cannot_save_says_why_in_the_persons_language(monkeypatch):
    """A citizen's form on a full disk: the reason in their language, the form kept. The
    reason is translated when shown: toggled to Chinese, the whole message is Chinese, not a
    Chinese frame around an English reason."""
    import errno as errnos

    from kiosk.domain.registration.sign_in import SignIn

    def full(*_args, **_kwargs):
        raise OSError(errnos.ENOSPC, "No space left on device", "/data/kiosk.json")

    monkeypatch.setattr(SignIn, "login", full)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("escape")
        await login(pilot)
        await wait_until(pilot, lambda: "could not be saved (the disk is full)"
                         in screen_text(app), what="the disk-full message")
        assert on(app, LoginScreen)() and "kiosk.json" not in screen_text(app)
        await pilot.press("f2")
        await wait_until(pilot, lambda: "無法儲存（磁碟空間已滿）" in screen_text(app),
                         what="the message and its reason in Chinese")
        assert "disk is full" not in screen_text(app)
