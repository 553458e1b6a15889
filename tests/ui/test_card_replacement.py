"""健保卡申請作業 at 80×24, as a citizen does it: apply, pay each way, set the pickup time,
get the receipt; and what goes wrong: a non-JPEG photo, the 40-second re-insert, a card
pulled in the middle of paying."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.mail import MailKind
from screens.replacement.applications import ActionsModal, ApplicationsScreen
from screens.replacement.apply_form import ApplyFormScreen, SavedModal
from screens.replacement.payment import (
    AtmScreen,
    EbillScreen,
    PickupScreen,
    ReceiptScreen,
    ReinsertScreen,
    SlipScreen,
)
from screens.replacement.photo_picker import PhotoPickerScreen, PreviewScreen
from screens.services import ServicesScreen
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import (
    card_screen,
    choose,
    fill,
    logged_in,
    login,
    on,
    pick,
    pick_address,
    pick_file,
    shows,
    tab_to,
    to_row,
)

NEW = "Phone@2026"


async def logged_in_as(pilot, key: str = "registered", password: str = DEMO_PASSWORD):
    await card_screen(pilot, key)
    await pilot.press("escape")
    await login(pilot, password)
    await logged_in(pilot)


async def applications(pilot) -> None:
    await pilot.press("5")                                   # [5] 健保卡申請作業
    await wait_until(pilot, on(pilot.app, ApplicationsScreen), what="applications")


async def apply_form(pilot) -> None:
    """Signed in with the demo card, the list open, F5: a new application's form."""
    await logged_in_as(pilot)
    await applications(pilot)
    await pilot.press("f5")
    await wait_until(pilot, on(pilot.app, ApplyFormScreen), what="form")


async def new_application(pilot, *, pickup: str = "mail", dependant=None, photo=None) -> str:
    """Fill the form and save it through 注意事項 and 繳費提醒; returns the ATM NO."""
    app = pilot.app
    await pilot.press("f5")
    await wait_until(pilot, on(app, ApplyFormScreen), what="form")
    if dependant:
        await choose(pilot, "target", "dependant")
        for field, value in zip(("dep_id", "dep_name", "dep_birth"), dependant, strict=True):
            await fill(pilot, field, value)
    await choose(pilot, "reason", "damaged")
    if not app.screen.value("email"):                    # registered by phone: no mail yet
        await fill(pilot, "email", "wang@example.com")
    await fill(pilot, "phone_area", "02")
    await fill(pilot, "phone_number", "23456789")
    await choose(pilot, "pickup", pickup)
    if pickup == "mail":
        await tab_to(pilot, "#address Input")
        await pick_address(pilot, "台北", "中正", "水源", "12")
        await fill(pilot, "street", "汀州路一段1號")
    if photo:
        await choose_photo(pilot, photo)
        await wait_until(pilot, on(app, PreviewScreen), what="preview")
        await pilot.press("enter")                           # use this photo
        await wait_until(pilot, on(app, ApplyFormScreen), what="form again")
    before = {a["atm_no"] for a in app.applications.mine(app.session)}
    await pilot.press("f5")                                  # 儲存
    await wait_until(pilot, on(app, SavedModal), what="注意事項")
    await pilot.press("enter")
    await wait_until(pilot, lambda: "ATM NO" in screen_text(app), what="繳費提醒")
    await pilot.press("enter")
    await wait_until(pilot, on(app, ApplicationsScreen), what="list")
    (atm_no,) = {a["atm_no"] for a in app.applications.mine(app.session)} - before
    return atm_no


async def applied(pilot, **form) -> str:
    """張志明 logs in, opens the list and applies; returns the ATM NO."""
    await logged_in_as(pilot)
    await applications(pilot)
    return await new_application(pilot, **form)


async def choose_photo(pilot, path: Path) -> None:
    app = pilot.app
    await choose(pilot, "kind", "photo")
    await pilot.press("f4")
    await wait_until(pilot, on(app, PhotoPickerScreen), what="picker")
    await fill(pilot, "folder", str(path.parent))
    await pilot.press("enter")
    tree = app.screen.query_one("#tree")
    await wait_until(pilot, lambda: any(n.data and n.data.path == path
                                        for n in tree.root.children), what="listing")
    await pick_file(pilot, "#tree", path)
    await pilot.pause()


async def act(pilot, atm_no: str, action_label: str) -> None:
    app = pilot.app
    await to_row(pilot, "#apps", [a["atm_no"] for a in app.screen.rows].index(atm_no), atm_no)
    await pilot.press("enter")
    await wait_until(pilot, on(app, ActionsModal), what="actions")
    number = next(n for n, line in enumerate(app.screen.actions, start=1) if line == action_label)
    await pilot.press(str(number))


def jpeg_file(folder: Path) -> Path:
    path = folder / "me.jpg"
    Image.effect_noise((300, 400), 40).convert("RGB").save(path, "JPEG")
    return path


async def ebill_screen(pilot, atm_no: str) -> None:
    """From the applications list: ``atm_no``'s e-Bill payment form open."""
    await act(pilot, atm_no, "ebill")
    await wait_until(pilot, on(pilot.app, EbillScreen), what="e-Bill")


async def ebill_form(pilot, atm_no: str, bank: str = "004",
                     account: str = "012345678901") -> None:
    """The e-Bill form of ``atm_no`` filled in as its holder would (not sent yet)."""
    app = pilot.app
    await ebill_screen(pilot, atm_no)
    await choose(pilot, "agree", "yes")
    await pick(pilot, "#f-bank", bank)
    await fill(pilot, "account", account)
    await fill(pilot, "code", app.screen.code)


async def pay_by_ebill(pilot, atm_no: str, **form: str) -> None:
    """The e-Bill form filled in, sent (F5) and confirmed on its 確認頁 (Enter)."""
    from screens.replacement.payment.ebill import EbillConfirmModal

    await ebill_form(pilot, atm_no, **form)
    await pilot.press("f5")
    await wait_until(pilot, on(pilot.app, EbillConfirmModal), what="確認頁")
    await pilot.press("enter")


async def test_apply_for_myself_by_mail_and_pay_with_e_bill(tmp_path):
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        await shows(pilot, "No applications")
        atm_no = await new_application(pilot)
        assert app.screen.query_one("#apps").row_count == 1
        await pay_by_ebill(pilot, atm_no)
        await shows(pilot, "Payment successful: NT$203")
        to, mail = app.services.mails()[0]["to"], app.services.mails()[0]
        assert to == "chang.demo@example.com" and mail["kind"] == MailKind.CARD_RECEIPT
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplicationsScreen))
        assert app.applications.get(app.session, atm_no)["payment"]["fee"] == 3
        await act(pilot, atm_no, "receipt")
        await wait_until(pilot, on(app, ReceiptScreen))
        await shows(pilot, "receipt-" + atm_no)


async def test_a_slip_is_saved_for_printing():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await act(pilot, atm_no, "slip")
        await wait_until(pilot, on(app, SlipScreen))
        await shows(pilot, "超商手續費 4 元")
        assert (app.papers_dir / f"slip-{atm_no}.pdf").exists()


async def test_web_atm_pays_after_the_chip_card_is_reinserted_then_the_nhi_card_returns():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen), what="ATM")
        await shows(pilot, "insert your chip bank card")
        app.monitor.insert("bank_card")                    # the NHI card makes way
        await wait_until(pilot, lambda: app.screen.transfer is not None, what="transfer")
        assert app.session is not None                     # the swap kept the session
        await fill(pilot, "pin", "123456")
        await fill(pilot, "code", app.screen.transfer.code)
        await pilot.press("enter")
        await shows(pilot, "Pull the chip card out")
        app.monitor.remove()
        await pilot.pause()
        app.monitor.insert("bank_card")
        await shows(pilot, "The chip card is back")
        await pilot.press("enter")
        await shows(pilot, "Transfer successful")
        assert app.applications.get(app.session, atm_no)["payment"]["method"] == "atm"
        await pilot.press("enter")                         # Enter again: back, not paid twice
        await wait_until(pilot, on(app, ReinsertScreen), what="reinsert NHI card")
        app.monitor.insert("registered")
        await wait_until(pilot, on(app, ApplicationsScreen), what="back to the list")
        assert app.session is not None


async def registered_wang(pilot) -> None:
    """王大明 registers by phone, then logs in with his card (he has a dependant)."""
    pilot.app.phone_auth.authenticate("0911000111", "A123456789", "2222", NEW, NEW)
    await logged_in_as(pilot, "national", NEW)


async def test_dependant_with_photo_on_site_pickup_set_changed_and_fixed(tmp_path):
    app = make_app(lang="en", photo_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await registered_wang(pilot)
        await applications(pilot)
        photo = jpeg_file(tmp_path)
        atm_no = await new_application(pilot, pickup="onsite", photo=photo,
                                       dependant=("F229876540", "林小美", "107/03/03"))
        application = app.applications.get(app.session, atm_no)
        assert (application["holder_name"], application["with_photo"]) == ("林小美", True)
        assert app.applications.photos.path(atm_no).read_bytes() == photo.read_bytes()
        await pay_by_ebill(pilot, atm_no, bank="822",     # 王大明's own CTBC account
                           account="901234567890")
        await shows(pilot, "Payment successful")
        await pilot.press("escape")
        for office in ("taipei", "central"):              # set, then change
            await wait_until(pilot, on(app, ApplicationsScreen))
            await act(pilot, atm_no, "pickup")
            await wait_until(pilot, on(app, PickupScreen), what="pickup")
            await pick(pilot, "#f-office", office)
            slot = app.screen.query_one("#f-slot")
            await pick(pilot, "#f-slot", slot._options[2][1])   # the second time offered
            await choose(pilot, "read", "yes")
            await pilot.press("f5")
            await shows(pilot, "An hour before the appointment")
            await pilot.press("enter")
        await wait_until(pilot, on(app, ApplicationsScreen))
        booked = app.applications.get(app.session, atm_no)["slot"]
        assert booked["office"] == "central"
        await shows(pilot, "Central Division")
        from datetime import datetime, timedelta
        app.services.clock.set(datetime.fromisoformat(booked["at"]) - timedelta(minutes=30))
        await to_row(pilot, "#apps", [a["atm_no"] for a in app.screen.rows].index(atm_no),
                     atm_no)
        await pilot.press("enter")
        await wait_until(pilot, on(app, ActionsModal), what="actions")
        assert app.screen.actions == ["pickup", "receipt"]  # within the hour: it says why
        await pilot.press("1")
        await wait_until(pilot, on(app, PickupScreen), what="the fixed booking")
        await shows(pilot, "0800-030598")
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplicationsScreen))
        await pilot.press("enter")
        await wait_until(pilot, on(app, ActionsModal), what="actions")
        await pilot.press("2")
        await wait_until(pilot, on(app, ReceiptScreen))
        await shows(pilot, "receipt-" + atm_no)


async def test_a_file_that_is_not_a_jpeg_is_refused_with_its_reason(tmp_path):
    png = tmp_path / "me.jpg"                             # named .jpg, holds a PNG
    Image.new("RGB", (300, 400)).save(png, "PNG")
    app = make_app(lang="zh-TW", photo_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        await pilot.press("f5")
        await wait_until(pilot, on(app, ApplyFormScreen))
        await choose_photo(pilot, png)
        await shows(pilot, "此檔案不是 JPEG 照片")
        assert on(app, PhotoPickerScreen)()


async def test_the_photo_is_previewed_before_it_is_used(tmp_path):
    app = make_app(lang="en", photo_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        await pilot.press("f5")
        await wait_until(pilot, on(app, ApplyFormScreen))
        await choose_photo(pilot, jpeg_file(tmp_path))
        await wait_until(pilot, on(app, PreviewScreen), what="preview")
        await shows(pilot, "300×400 pixels")
        await pilot.press("enter")
        await wait_until(pilot, on(app, ApplyFormScreen))
        await shows(pilot, "Photo chosen (300×400)")


async def atm_until_pull(pilot, atm_no: str) -> None:
    app = pilot.app
    await act(pilot, atm_no, "atm")
    await wait_until(pilot, on(app, AtmScreen), what="ATM")
    app.monitor.insert("bank_card")
    await wait_until(pilot, lambda: app.screen.transfer is not None, what="transfer")
    await fill(pilot, "pin", "123456")
    await fill(pilot, "code", app.screen.transfer.code)
    await pilot.press("enter")
    await shows(pilot, "Pull the chip card out")


async def test_the_40_second_reinsert_timeout_cancels_and_pays_nothing():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await atm_until_pull(pilot, atm_no)
        app.monitor.remove()
        app.services.clock.advance(seconds=41)
        await shows(pilot, "The 40 seconds passed", what="timeout")
        first = app.screen.transfer
        app.monitor.insert("bank_card")                    # too late: a new transfer starts
        await wait_until(pilot, lambda: app.screen.transfer is not first, what="new transfer")
        assert app.screen.transfer.stage.value == "authorize"
        await pilot.press("escape")
        await wait_until(pilot, on(app, ReinsertScreen), what="asked for the NHI card")
        assert app.applications.get(app.session, atm_no)["payment"] is None


async def test_a_card_pulled_before_the_transfer_leaves_nothing_half_paid():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen))
        app.monitor.insert("bank_card")
        await wait_until(pilot, lambda: app.screen.transfer is not None)
        await fill(pilot, "pin", "123")
        app.monitor.remove()                              # pulled while typing the PIN
        await shows(pilot, "The transfer was cancelled")
        await pilot.press("enter")
        assert app.applications.get(app.session, atm_no)["payment"] is None
        await wait_until(pilot, on(app, ReinsertScreen))
        app.monitor.insert("national")                    # someone else's NHI card
        await shows(pilot, "not the NHI card you logged in with")
        app.services.clock.advance(seconds=61)            # nobody comes back: logged out
        await wait_until(pilot, lambda: app.session is None, what="session ended")


async def test_an_nhi_card_arriving_at_the_atm_of_a_qr_session_ends_the_session():
    """Whoever inserts an NHI card is not the person who approved the login on a phone."""
    from tests.ui.test_phone_and_qr_login import qr_login_screen

    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await qr_login_screen(pilot)
        app.qr_login.approve(app.screen.request.code, "Pixel 8")
        await wait_until(pilot, on(app, ServicesScreen), what="services", timeout=10)
        await applications(pilot)
        atm_no = await new_application(pilot)
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen))
        app.monitor.insert("national")                     # 王大明's card, not a chip card
        await wait_until(pilot, lambda: app.session is None, what="session ended")
        assert app.applications.get(
            __import__("kiosk.domain.session", fromlist=["Session"]).Session(
                "J128765432", "", "", app.clock.now()), atm_no)["payment"] is None


@pytest.mark.parametrize(("lang", "said"), [("en", "inside its own data folder"),
                                            ("zh-TW", "位於其資料夾內")])
async def test_a_photo_folder_inside_the_kiosks_own_folder_says_why_it_shows_nothing(
        tmp_path, lang, said):
    """Other applicants' photos are never listed; a kiosk set up to choose photos from its
    own folder used to show an empty tree and no reason."""
    from tests.ui.conftest import make_services

    store = tmp_path / "store"
    store.mkdir()
    (store / "photos").mkdir()
    app = make_app(lang=lang, services=make_services(store), photo_dir=store / "photos")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot)
        app.push_screen(PhotoPickerScreen(app.photo_root))
        await wait_until(pilot, on(app, PhotoPickerScreen), what="the photo picker")
        await shows(pilot, said)
