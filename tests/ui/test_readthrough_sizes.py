"""Issue 15's read-through at 100×30 and 60×20, in both languages: what lost a newcomer
there, each at the size where it was seen.

- 100×30: 儲存 (F5) on the application form with the mailing address unfinished, or with
  更換照片 on a card without a photo, did nothing visible: the error was under the fold of
  the scrolling form and the focus stayed on 製卡對象 (the field is the address picker or a
  choice row, not a ``#f-`` input).
- 100×30: after F2 the form's choice rows (本人／眷屬, 郵寄／現場領卡 ...) kept the old
  language, and the receipt's 「得於…前」 date kept the old language's format.
- 100×30: 現場領卡 left eight blank rows between its note and 申請種類.
- 100×30: 注意事項 and 繳費提醒 showed no key at all (no key bar over a dialog).
- 100×30: a mail's code, once confirmed, said 「認證碼已使用過」 on the next Enter, as if it
  had failed; the same in the demo app's 裝置碼認證.
- 60×20 (below the 80×24 minimum): "please enlarge" was said in the kiosk's language only,
  while the idle screen it covers speaks both.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from kiosk.domain.i18n import LANGS, Catalog
from screens.binding.devices import DeviceCodeScreen
from screens.phone_app import AppPanelScreen
from screens.registration.mail_code import CodeScreen
from screens.replacement.applications import ActionsModal, ApplicationsScreen
from screens.replacement.apply_form import ApplyFormScreen, SavedModal
from screens.replacement.payment import AtmScreen, EbillScreen, ReceiptScreen
from screens.services import ServicesScreen
from screens.too_small import TooSmallScreen
from screens.widgets.address_picker import AddressPicker
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import (
    account_step,
    choose,
    confirm_and_send,
    focused_id,
    follow_newest_mail,
    national_identity,
    on,
    registering,
    shows,
    type_into,
)
from tests.ui.test_card_replacement import (
    act,
    applications,
    applied,
    apply_form,
    ebill_screen,
    logged_in_as,
    pay_by_ebill,
)

LARGE = (100, 30)
SMALL = (60, 20)


def t(lang: str, key: str, **params: object) -> str:
    return Catalog(lang).t(key, **params)


def other(lang: str) -> str:
    return next(x for x in LANGS if x != lang)


# -- the form's errors are brought to the person ----------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_saving_without_the_mailing_address_shows_why_and_goes_to_the_address(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await pilot.press("f5")                       # 儲存, the address not chosen
        await shows(pilot, t(lang, "err.address_incomplete"), what="the address error seen")
        picker = app.screen.query_one(AddressPicker)
        assert app.focused is not None and picker in app.focused.ancestors, focused_id(app)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_new_photo_on_a_card_without_one_shows_why_at_the_card_kind(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await choose(pilot, "reason", "photo")         # 更換照片, the card kind left 無照片
        await pilot.press("f5")
        await shows(pilot, t(lang, "err.apply.photo_reason"), what="the card kind's error")
        assert focused_id(app) == "c-kind"


# -- F2 on the form and on the receipt ---------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_f2_changes_the_forms_choice_rows_too(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await pilot.press("f2")
        await shows(pilot, t(other(lang), "apply.by_mail"), what="郵寄 in the new language")
        text = screen_text(app)
        for key in ("apply.self", "apply.dependant", "apply.lost", "apply.damaged"):
            assert t(other(lang), key) in text, key
            assert t(lang, key) not in text, key


@pytest.mark.parametrize("lang", LANGS)
async def test_f2_on_the_receipt_says_its_date_in_the_new_language(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        atm_no = await applied(pilot)
        await pay_by_ebill(pilot, atm_no)
        await wait_until(pilot, lambda: app.applications.get(app.session, atm_no)["payment"],
                         what="paid")
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplicationsScreen), what="the list")
        await act(pilot, atm_no, "receipt")
        await wait_until(pilot, on(app, ReceiptScreen), what="receipt")
        await wait_until(pilot, lambda: app.screen.saved is not None, what="receipt made")
        until = app.applications.get(app.session, atm_no)["payment"]["insured_until"]
        y, m, d = (int(x) for x in until[:10].split("-"))

        def day(lang: str) -> str:
            return t(lang, "date.day", roc=y - 1911, y=y, m=f"{m:02d}", d=f"{d:02d}")

        await shows(pilot, day(lang))
        await pilot.press("f2")
        await shows(pilot, day(other(lang)), what="the date in the new language")
        assert day(lang) not in screen_text(app)


# -- 現場領卡 leaves no hole -------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_pickup_at_an_office_leaves_no_blank_rows_before_the_card_kind(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await choose(pilot, "pickup", "onsite")
        note = app.screen.query_one("#onsite-fields Tr")   # its note, not its box
        kind = app.screen.query_one("#c-kind")
        assert kind.region.y - note.region.bottom <= 1, (note.region, kind.region)


# -- a dialog says its key ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_saved_notice_and_payment_reminder_say_which_key_closes_them(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await choose(pilot, "pickup", "onsite")
        await pilot.press("f5")
        await wait_until(pilot, on(app, SavedModal), what="注意事項")
        await shows(pilot, t(lang, "form.enter_ok"), what="注意事項's key")
        await pilot.press("enter")
        await shows(pilot, "ATM NO", what="繳費提醒")
        await shows(pilot, t(lang, "form.enter_ok"), what="繳費提醒's key")


# -- done is done: Enter again does not say it failed ----------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_enter_again_after_a_mail_code_is_confirmed_goes_back_without_an_error(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await registering(pilot)
        await national_identity(pilot)
        await account_step(pilot)
        await confirm_and_send(pilot)
        await pilot.press("enter")
        await follow_newest_mail(pilot)               # F6 opens the code screen, Enter sends
        await shows(pilot, t(lang, "code.confirmed"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, CodeScreen),
                         what="the code screen closed")
        assert t(lang, "err.code.used") not in screen_text(app)


@pytest.mark.parametrize("lang", LANGS)
async def test_enter_again_in_the_demo_app_after_binding_goes_back_without_an_error(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await logged_in_as(pilot)
        await pilot.press("1")                            # 行動裝置認證
        await wait_until(pilot, on(app, DeviceCodeScreen), what="device code")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "f9" in app.screen.active_bindings, what="a code")
        await pilot.press("f9")
        await wait_until(pilot, on(app, AppPanelScreen), what="the demo app")
        await pilot.press("enter")                        # 我的手機, as it is filled in
        await shows(pilot, t(lang, "dev.bound", name=t(lang, "dev.app_default")))
        await pilot.press("enter")
        await wait_until(pilot, on(app, DeviceCodeScreen), what="back at the code")
        assert t(lang, "err.code.used") not in screen_text(app)
        assert not isinstance(app.screen, ServicesScreen)


# -- 60×20: below the minimum, said in both languages, and back when enlarged -----------

@pytest.mark.parametrize("lang", LANGS)
async def test_below_the_minimum_the_enlarge_screen_speaks_both_languages(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, on(app, TooSmallScreen), what="enlarge screen")
        for each in LANGS:
            await shows(pilot, t(each, "small.title"), what=f"the title in {each}")
            await shows(pilot, t(each, "small.body", w=80, h=24, cw=60, ch=20),
                        what=f"the size in {each}")
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: not isinstance(app.screen, TooSmallScreen),
                         what="back when enlarged")
        assert t(lang, "small.title") not in screen_text(app)
        await shows(pilot, t(lang, "idle.primary"), what="the idle screen again")


# -- 網路ATM after the transfer: the bar names Esc as it is now --------------------------

def bar(app) -> str:
    return " ".join(screen_text(app).splitlines()[-1].split())


@pytest.mark.parametrize("lang", LANGS)
async def test_after_the_atm_transfer_the_key_bar_says_back_not_cancel_or_new_code(lang):
    from tests.ui.test_focus_and_size import GOOD_PIN, atm_with_chip_card, tray_insert

    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await atm_with_chip_card(pilot)
        assert f"F5 {t(lang, 'atm.key_new_code')}" in bar(app)     # while a code is asked
        await type_into(pilot, GOOD_PIN)
        await pilot.press("enter")
        await type_into(pilot, app.screen.transfer.code)
        await pilot.press("enter")
        await pilot.press("f8")                                      # pulled
        await shows(pilot, t(lang, "atm.reinsert", s=40))
        await tray_insert(pilot, "bank_card")
        await shows(pilot, t(lang, "atm.press_ok", s=40))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.transfer.receipt is not None, what="paid")
        await wait_until(pilot, lambda: f"ESC {t(lang, 'key.back')}" in bar(app),
                         what="Esc named 返回")
        assert t(lang, "atm.key_new_code") not in bar(app)
        assert f"ESC {t(lang, 'key.cancel')}" not in bar(app)
        await pilot.press("escape")                                  # back, as it says
        await wait_until(pilot, lambda: not isinstance(app.screen, AtmScreen), what="left")


# -- back on the list, Enter opens the application -------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_back_from_the_form_the_list_has_the_focus_even_after_reading_the_notes(lang):
    from tests.ui.test_card_replacement import new_application

    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        await pilot.press("shift+tab")                   # into 注意事項, to read them
        await wait_until(pilot, lambda: focused_id(app) == "apps-notes", what="notes")
        await new_application(pilot, pickup="onsite")
        await wait_until(pilot, lambda: focused_id(app) == "apps", what="the list focused")
        await pilot.press("enter")                       # as the heading says
        await wait_until(pilot, on(app, ActionsModal), what="the application's actions")


# -- Esc on the address list closes the list, not the form ------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_esc_on_the_open_address_list_closes_the_list_and_keeps_the_form(lang):
    from tests.ui.flows import fill, tab_to

    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await apply_form(pilot)
        await fill(pilot, "phone_area", "02")
        await tab_to(pilot, "#address Input")                # 縣市, its list open
        dropdown = app.screen.query_one("AddressPicker Dropdown")
        await wait_until(pilot, lambda: dropdown.display, what="the county list open")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not dropdown.display, what="the list closed")
        assert isinstance(app.screen, ApplyFormScreen), "Esc left the form"
        assert app.screen.value("phone_area") == "02"
        await type_into(pilot, "台北")                        # typing opens it again
        await wait_until(pilot, lambda: dropdown.display, what="the list open again")
        await pilot.press("enter")
        picker = app.screen.query_one(AddressPicker)
        await wait_until(pilot, lambda: picker._chosen["county"] is not None, what="chosen")
        await pilot.press("escape")                          # the district's list
        await wait_until(pilot, lambda: not dropdown.display, what="closed again")
        await pilot.press("escape")                          # no list open: Esc leaves
        await wait_until(pilot, lambda: not isinstance(app.screen, ApplyFormScreen),
                         what="the form left with the second Esc")


# -- e-Bill: the image code seen whole, the bank list's Esc in the kiosk's language ------

async def ebill_opened(pilot) -> None:
    """An application made, and its e-Bill payment form open."""
    await ebill_screen(pilot, await applied(pilot))


@pytest.mark.parametrize("lang", LANGS)
async def test_the_ebill_image_code_is_seen_whole_when_its_box_has_the_focus(lang):
    from textual.geometry import Region

    from tests.ui.flows import fill, pick, tab_to
    from tests.ui.test_layout import seen_part

    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await ebill_opened(pilot)
        await choose(pilot, "agree", "yes")
        await pick(pilot, "#f-bank", "004")
        await fill(pilot, "account", "012345678901")
        await tab_to(pilot, "#f-code")
        picture = app.screen.query_one("#code-picture")
        body = Region(0, 1, LARGE[0], LARGE[1] - 3)
        await wait_until(pilot, lambda: seen_part(app, picture).height
                         == picture.region.height == 5
                         and body.contains_region(seen_part(app, picture)),
                         what="the image code's five rows on screen")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_ebill_bank_lists_esc_is_named_in_the_kiosks_language(lang):
    from tests.ui.flows import tab_to

    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await ebill_opened(pilot)
        await tab_to(pilot, "#f-bank")
        await pilot.press("enter")                             # the list opens
        await wait_until(pilot, lambda: f"ESC {t(lang, 'key.dismiss_menu')}" in bar(app),
                         what="the list's Esc in the catalog's words")
        assert "Dismiss menu" not in bar(app)


@pytest.mark.parametrize("size", [LARGE, (80, 24)], ids=["100x30", "80x24"])
@pytest.mark.parametrize("lang", LANGS)
async def test_the_offices_dialog_says_which_key_closes_it(lang, size):
    from screens.replacement.applications import OfficesModal

    app = make_app(lang=lang)
    async with app.run_test(size=size) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        await pilot.press("f9")                                   # 查詢領卡地點
        await wait_until(pilot, on(app, OfficesModal), what="the offices")
        await shows(pilot, t(lang, "msg.dismiss"), what="the dialog's key")
        await shows(pilot, t(lang, "office.east"), what="the last office, not cut off")
        await pilot.press("enter")
        await wait_until(pilot, on(app, ApplicationsScreen), what="closed by Enter")


@pytest.mark.parametrize("lang", LANGS)
async def test_after_an_ebill_payment_the_key_bar_no_longer_offers_to_confirm(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        atm_no = await applied(pilot)
        await pay_by_ebill(pilot, atm_no)
        assert isinstance(app.screen, EbillScreen)
        await wait_until(pilot, lambda: app.screen.paid is not None, what="paid")
        await wait_until(pilot, lambda: f"F5 {t(lang, 'ebill.key_pay')}" not in bar(app),
                         what="F5 gone from the bar")
        assert f"ESC {t(lang, 'key.back')}" in bar(app)


# -- 設定領卡時間及地點: F2 and the notice's choice ----------------------------------------

async def pickup_form(pilot) -> None:
    from screens.replacement.payment import PickupScreen

    app = pilot.app
    atm_no = await applied(pilot, pickup="onsite")
    await pay_by_ebill(pilot, atm_no)
    await wait_until(pilot, lambda: app.applications.get(app.session, atm_no)["payment"],
                     what="paid")
    await pilot.press("escape")
    await wait_until(pilot, on(app, ApplicationsScreen), what="the list")
    await act(pilot, atm_no, "pickup")
    await wait_until(pilot, on(app, PickupScreen), what="pickup")


@pytest.mark.parametrize("lang", LANGS)
async def test_f2_on_the_pickup_form_changes_its_prompts_and_offices(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await pickup_form(pilot)
        await shows(pilot, t(lang, "ebill.choose"))
        await pilot.press("f2")
        await shows(pilot, t(other(lang), "pickup.office"))
        assert t(lang, "ebill.choose") not in screen_text(app)
        await shows(pilot, t(other(lang), "ebill.choose"), what="請選擇 in the new language")
        offices = app.screen.query_one("#f-office")
        prompts = [str(getattr(p, "plain", p)) for p, _ in offices._options]
        assert any(t(other(lang), "office.taipei") in p for p in prompts), prompts


async def test_the_pickup_notices_label_does_not_run_into_its_choice():
    """「我已閱讀並清楚相關規定」 is 22 cells, the label column's width (English fits)."""
    lang = "zh-TW"
    app = make_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await pickup_form(pilot)
        label = next(w for w in app.screen.query(".form-label")
                     if getattr(w, "key", None) == "pickup.read")
        choice = app.screen.query_one("#c-read")
        assert label.region.x + cell_len(t(lang, "pickup.read")) < choice.region.x, (
            label.region, choice.region)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_counters_done_dialog_says_which_key_closes_it(lang):
    from screens.counter.desk import CounterRegisterScreen, DoneModal
    from screens.counter.home import StaffHomeScreen
    from tests.ui.test_staff_mode import signed_in, staff_item, staffed_app

    app = staffed_app(lang=lang)
    async with app.run_test(size=LARGE) as pilot:
        await signed_in(pilot)
        app.monitor.insert("national")
        await wait_until(pilot, lambda: "A12****789" in screen_text(app), what="card line")
        await staff_item(pilot, CounterRegisterScreen)
        await pilot.press("enter")                        # document: ID card
        for text in ("A123456789", "Nhi@2026x", "Nhi@2026x", "", ""):
            await type_into(pilot, text)
            await pilot.press("enter")
        await wait_until(pilot, on(app, DoneModal), what="done")
        await shows(pilot, t(lang, "form.enter_ok"), what="the dialog's key")
        await pilot.press("enter")
        await wait_until(pilot, on(app, StaffHomeScreen), what="closed by Enter")
