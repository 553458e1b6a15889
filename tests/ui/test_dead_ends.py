"""Issue 15's dead ends, as a person meets them at 80×24 in both languages: the pickup form
within the last hour (why, and whom to call) and reopened on its booking; the device-code
screen once a device is bound with its code; two devices of one name; a batch unit's
progress with rejected rows; a new card's first sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.domain.dates import roc_short
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.replacement.payments import Method
from kiosk.domain.replacement.pickup import slots
from screens.binding.devices import DeviceCodeScreen, DevicesScreen
from screens.counter.batch import BatchScreen
from screens.phone_app import AppPanelScreen
from screens.replacement.payment import PickupScreen
from screens.services import ServicesScreen
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import card_screen, logged_in, login, on, shows, type_into
from tests.ui.test_staff_mode import SIZE, import_first_file, signed_in, staff_item, staffed_app
from tests.unit.test_applications import form

LANGS = ["zh-TW", "en"]
FIXED = {"zh-TW": "約定時間前一小時已進行製卡，無法再更改時間地點",
         "en": "the time and place can no longer change"}
HELPLINE = {"zh-TW": "倘超過預約時間無法指定，請洽0800-030598專線", "en": "0800-030598 helpline"}
USED = {"zh-TW": "此認證碼已使用", "en": "This code was used"}   # the QR is beside it
CENTRAL = {"zh-TW": "中區業務組", "en": "Central Division"}


async def _chang(pilot, key: str = "registered") -> None:
    await card_screen(pilot, key)
    await pilot.press("escape")
    await login(pilot, DEMO_PASSWORD)
    await logged_in(pilot)


def _booked(app):
    """張志明's paid 現場領卡 application, booked at central for the third time offered."""
    session = app.session
    atm_no = app.applications.apply(session, form(pickup="onsite", mail_address=None,
                                                  email="chang.demo@example.com"))["atm_no"]
    app.payments.pay(session, atm_no, Method.ATM, 0, {})
    at = slots(app.clock.now())[2]
    app.pickup.book(session, atm_no, "central", at)
    return atm_no, at


# -- 1 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_pickup_form_reopens_on_the_booked_place_and_time(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        atm_no, at = _booked(app)
        app.push_screen(PickupScreen(atm_no))
        await wait_until(pilot, on(app, PickupScreen), what="pickup form")
        screen = app.screen
        assert screen.query_one("#f-office").value == "central"
        assert screen.query_one("#f-slot").value == at.isoformat()
        text = screen_text(app)
        assert CENTRAL[lang] in text and roc_short(at) in text
        assert HELPLINE[lang] in text and FIXED[lang] not in text   # still changeable


@pytest.mark.parametrize("lang", LANGS)
async def test_within_the_last_hour_the_pickup_form_says_why_and_whom_to_call(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        atm_no, at = _booked(app)
        app.services.clock.set(at - timedelta(minutes=30))
        app.push_screen(PickupScreen(atm_no))
        await wait_until(pilot, on(app, PickupScreen), what="pickup form")
        text = screen_text(app)
        assert FIXED[lang] in text and HELPLINE[lang] in text
        assert CENTRAL[lang] in text and roc_short(at) in text      # the booking, as it is
        assert app.screen.query_one("#f-office").disabled
        await pilot.press("f5")
        await pilot.pause()
        assert on(app, PickupScreen)()                               # nothing saved, no dialog
        assert app.applications.get(app.session, atm_no)["slot"]["office"] == "central"


# -- 2 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_after_the_demo_app_binds_the_code_screen_names_the_device(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        await pilot.press("1")
        await wait_until(pilot, on(app, DeviceCodeScreen))
        await pilot.press("f5")                           # 【產生裝置認證碼】
        await pilot.press("f9")
        await wait_until(pilot, on(app, AppPanelScreen))
        await pilot.press("ctrl+a")
        await type_into(pilot, "Pixel8")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, on(app, DeviceCodeScreen))
        await wait_until(pilot, lambda: USED[lang] in screen_text(app), what="code used")
        assert "Pixel8" in screen_text(app)
        assert {"zh-TW": "只能使用一次", "en": "it works once"}[lang] not in screen_text(app)


async def test_a_code_used_elsewhere_shows_on_the_code_screen_within_a_second():
    """The CLI (``nhi-kiosk app redeem``) or a real phone binds: the screen learns it."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        await pilot.press("1")
        await wait_until(pilot, on(app, DeviceCodeScreen))
        await pilot.press("f5")                           # 【產生裝置認證碼】
        app.devices.redeem(app.screen.code.code.lower(), "Galaxy S24")   # either case
        await wait_until(pilot, lambda: USED["en"] in screen_text(app), timeout=3,
                         what="the code said used")
        assert '"Galaxy S24"' in screen_text(app)
        await pilot.press("f5")                             # a code for another device
        await shows(pilot, "it works once")


# -- 3 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_two_devices_of_one_name_say_when_each_was_bound(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        app.devices.bind("J128765432", "Pixel 8")
        app.clock.advance(seconds=20)
        app.devices.bind("J128765432", "Pixel 8")
        app.devices.bind("J128765432", "iPad")
        await pilot.press("2")
        await wait_until(pilot, on(app, DevicesScreen))
        listing = app.screen.query_one("#devices")
        rows = [str(listing.get_option_at_index(i).prompt) for i in range(3)]
        pixels = [r for r in rows if "Pixel 8" in r]
        assert len(pixels) == 2 and pixels[0] != pixels[1]
        assert any("09:30:20" in r for r in pixels) and any("09:30:00" in r for r in pixels)
        assert "09:30:20" in screen_text(app)
        ipad = next(r for r in rows if "iPad" in r)
        assert "09:30:20" not in ipad                       # a name of its own: to the minute


# -- 5 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_batch_progress_counts_the_rejected_rows(lang, tmp_path):
    folder = tmp_path / "units"
    folder.mkdir()
    rows = ["A123456789,wang@example.com", "B220123455,nana@example.com",
            "E123456783,chen@example.com", "F229876540,lin@example.com",
            "AC01234567,", "A800000014,bad-address", "A12345678X,x@example.com",
            "Q000000000,q@example.com", "C100000008,c@example.com,12",
            ",d@example.com", "A1234,e@example.com", "Z999999999,f@example.com"]
    (folder / "11000000120260801.csv").write_text("\n".join(rows) + "\n")
    app = staffed_app(lang=lang, batch_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, BatchScreen)
        await import_first_file(pilot)
        await wait_until(pilot, lambda: not app.screen.busy, timeout=15, what="the import")
        await wait_until(pilot, lambda: "4/12 33%" in screen_text(app), what="4 of 12")
        assert "100%" not in screen_text(app)


# -- 8 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_a_new_cards_first_sign_in_says_the_card_number_was_updated(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot, "new_card")
        updated = {"zh-TW": "已更新卡號", "en": "the card number was updated"}[lang]
        await shows(pilot, updated)
        assert "****9999" in screen_text(app)
        assert on(app, ServicesScreen)()
        app.monitor.remove()
        await wait_until(pilot, lambda: app.session is None, what="signed out")
        await _chang(pilot, "new_card")                      # the second time: nothing new
        assert updated not in screen_text(app)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_stored_booking_that_is_not_one_is_said_and_the_form_still_opens(lang):
    """An office no longer listed or a time that is not one (an old or edited store) used
    to stop the form from being drawn at all."""
    from kiosk.domain.i18n import Catalog
    from screens.widgets.choice import KioskSelect

    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chang(pilot)
        atm_no, _at = _booked(app)
        app.services.store.keyed("card_applications", "atm_no").modify(
            atm_no, lambda doc: {**doc, "slot": {"office": "closed-office", "at": "soon"}})
        app.push_screen(PickupScreen(atm_no))
        await wait_until(pilot, on(app, PickupScreen), what="pickup form")
        broken = Catalog(lang).t("err.record.broken", field="slot")
        await wait_until(pilot, lambda: broken in screen_text(app)
                         or any(broken in str(n.message) for n in app._notifications),
                         what="the broken booking said")
        assert app.screen.query_one("#f-office").value is KioskSelect.NULL   # nothing picked
