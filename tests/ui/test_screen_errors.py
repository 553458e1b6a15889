"""The one error path (screens/base.py ``attempt``, screens/errors.py): whatever a domain
call raises — a refusal, a store that cannot be written or is busy — is a message on the
screen it was asked from, in the person's language, and the screen stays. Driven by keys,
at 80×24."""

from __future__ import annotations

import errno
from pathlib import Path

from kiosk.domain.counter.staff import Staff
from screens.binding.devices import ConfirmUnbind, DeviceCodeScreen, DevicesScreen
from screens.binding.qr_login import QrLoginScreen
from screens.counter.audit import AuditScreen
from screens.counter.batch import BatchScreen
from screens.counter.desk import PersonScreen, StaffCodeScreen
from screens.counter.home import StaffHomeScreen
from screens.replacement.payment import AtmScreen
from screens.services import ServicesScreen
from store.errors import StoreLockedError
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import logged_in, on, shows
from tests.ui.test_card_replacement import (
    act,
    applied,
    atm_until_pull,
    ebill_form,
    logged_in_as,
)
from tests.ui.test_phone_and_qr_login import qr_login_screen
from tests.ui.test_staff_mode import (
    SIZE,
    import_first_file,
    person_form,
    signed_in,
    staff_item,
    staffed_app,
)

DISK_FULL_EN = "could not be saved (the disk is full)"


def disk_full(monkeypatch) -> None:
    """From now on every store commit fails as on a full disk (the journal gets no half
    record: store/journal.py)."""
    from store import journal

    def full(path, *args):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(journal, "append", full)


# -- staff ---------------------------------------------------------------------------

async def test_a_new_device_code_that_cannot_be_saved_says_so_on_the_code_screen(monkeypatch):
    """F5 on the staff's device-code screen used to report a failure on the person screen
    under it, where nobody saw it; now it is said on the code screen, which stays."""
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await person_form(pilot)
        await pilot.press("f6")
        await wait_until(pilot, on(app, StaffCodeScreen), what="device code")
        first = app.screen.shown_code
        disk_full(monkeypatch)
        await pilot.press("f5")
        await wait_until(pilot, lambda: "This could not be saved (the disk is" in
                         screen_text(app), what="the disk-full message on the code screen")
        assert on(app, StaffCodeScreen)() and app.screen.shown_code == first
        assert app.staff_session is not None and "kiosk.json" not in screen_text(app)
        monkeypatch.undo()
        await pilot.press("f5")                            # space again: a new code
        await wait_until(pilot, lambda: app.screen.shown_code != first, what="a new code")
        assert "could not be saved" not in screen_text(app)


async def test_a_busy_store_when_the_audit_log_opens_is_a_message_not_a_crash(monkeypatch):
    """A counter operation outside a form (``staff_call`` before) let a store error through:
    the kiosk crashed. Now it says so, and staff mode goes on."""
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)

        def locked(self, session):
            raise StoreLockedError("held by another process")

        monkeypatch.setattr(Staff, "require", locked)
        await pilot.press("4")
        await wait_until(pilot, lambda: on(app, AuditScreen)() and "The system is busy"
                         in screen_text(app), what="the busy message")
        assert app.is_running and app.staff_session is not None
        assert "StoreLockedError" not in screen_text(app)
        monkeypatch.undo()
        await pilot.press("escape")
        await wait_until(pilot, on(app, StaffHomeScreen), what="back to the menu")


async def test_a_batch_import_that_cannot_be_saved_says_why(tmp_path: Path, monkeypatch):
    """The import's worker posts its outcome to the screen; a full disk there is the
    save-failed message with its reason (it was "could not be done" before), the screen
    is free again and nothing was imported."""
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "11000000120260801.csv").write_text("A123456789,a@example.com\n")
    app = staffed_app(lang="zh-TW", batch_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, BatchScreen)
        disk_full(monkeypatch)
        await import_first_file(pilot)
        await wait_until(pilot, lambda: "無法儲存（磁碟空間已滿）" in screen_text(app),
                         timeout=15, what="the disk-full message")
        assert on(app, BatchScreen)() and not app.screen.busy
        assert not app.screen.query_one("#batch-progress").display
        monkeypatch.undo()
        assert app.services.accounts.get_by_id("A123456789") is None
        await pilot.press("escape")                        # not busy: it can be left
        await wait_until(pilot, on(app, StaffHomeScreen), what="back to the menu")


async def test_an_invalid_id_at_the_counter_lands_at_its_field():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await person_form(pilot, id_no="A12345678", submit=False)   # nine characters
        await pilot.press("enter")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query_one("#e-id_no").display,
                         what="the ID's own error line")
        assert not screen.query_one("#form-error").display
        assert app.focused is screen.query_one("#f-id_no")
        assert on(app, PersonScreen)() and screen.person is None


# -- the citizen's payment -------------------------------------------------------------

async def test_a_wrong_account_on_the_e_bill_form_lands_at_its_field():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await ebill_form(pilot, atm_no, account="12")
        await pilot.press("f5")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query_one("#e-account").display,
                         what="the account's own error line")
        assert app.focused is screen.query_one("#f-account")
        assert not screen.query_one("#form-error").display
        assert app.applications.get(app.session, atm_no)["payment"] is None


async def test_an_application_paid_meanwhile_is_refused_on_the_atm_screen():
    """The slip was paid at a store while the ATM screen waited for the chip card: the
    refusal is shown under the ATM form, and no transfer starts."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen), what="ATM")
        app.payments.pay_at_store(atm_no, app.services.clock.now())
        app.monitor.insert("bank_card")
        await shows(pilot, "This application has already been paid.")
        assert on(app, AtmScreen)() and app.screen.transfer is None


async def test_a_transfer_that_cannot_be_saved_says_so_under_the_atm_form(monkeypatch):
    """Enter at the last step on a full disk: the save-failed message under the form (a
    toast before), and the application stays unpaid."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await atm_until_pull(pilot, atm_no)
        app.monitor.remove()
        await pilot.pause()
        app.monitor.insert("bank_card")
        await shows(pilot, "The chip card is back")
        disk_full(monkeypatch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#form-error").display,
                         what="the message under the form")
        assert DISK_FULL_EN in screen_text(app) and on(app, AtmScreen)()
        monkeypatch.undo()
        assert app.applications.get(app.session, atm_no)["payment"] is None


# -- QR login --------------------------------------------------------------------------

async def test_an_approved_qr_login_for_an_account_suspended_meanwhile_says_why():
    """Approved on the phone, but the account was suspended before the kiosk logged in:
    it says so under the code (it said nothing before, and the QR stayed up)."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        app.services.modify_account("J128765432", lambda _a: {"state": "suspended"})
        app.qr_login.approve(app.screen.request.code, "Pixel 8")
        await wait_until(pilot, lambda: app.screen.query_one("#qr-error").display,
                         what="the refusal under the code")
        assert on(app, QrLoginScreen)() and app.session is None
        assert not on(app, ServicesScreen)()


# -- the citizen's devices -------------------------------------------------------------

async def test_a_device_code_that_cannot_be_saved_says_so_instead_of_crashing(monkeypatch):
    """A full disk when the code is made (F5, 【產生裝置認證碼】) ended the kiosk; now the
    screen says why."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        disk_full(monkeypatch)
        await pilot.press("1")                            # [1] Mobile device verification
        await wait_until(pilot, on(app, DeviceCodeScreen), what="the code screen")
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.screen.query_one("#qr-error").display,
                         what="the message")
        assert "This could not be saved (the disk is" in screen_text(app)
        assert app.is_running and app.screen.code is None


async def test_an_unbind_that_cannot_be_saved_says_so_and_keeps_the_device(monkeypatch):
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        app.devices.bind("J128765432", "Pixel 8")
        await pilot.press("2")                            # [2] Mobile device management
        await wait_until(pilot, on(app, DevicesScreen), what="devices")
        await pilot.press("delete")
        await wait_until(pilot, on(app, ConfirmUnbind), what="the confirmation")
        disk_full(monkeypatch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: on(app, DevicesScreen)() and DISK_FULL_EN
                         in screen_text(app), what="the disk-full message")
        monkeypatch.undo()
        assert len(app.devices.of(app.session)) == 1 and app.is_running
        await pilot.press("escape")
        await logged_in(pilot)
