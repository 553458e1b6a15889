"""Seed 002 (個人網路申辦健保卡服務操作手冊): its guidance shown where the manual shows it,
at 80×24 in both languages — step 8's notices on the list, steps 9/13 beside 申請種類 and
the mailing address, 查詢領卡地點 from the form, step 18's 貼心提醒, step 22's result,
step 23's e-Bill notice and its 確認頁, step 27's registered mail."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll

from kiosk.domain.i18n import LANGS, Catalog
from kiosk.domain.replacement.pickup import OFFICES
from screens.replacement.applications import OfficesModal
from screens.replacement.apply_form import ApplyFormScreen
from screens.replacement.payment import AtmScreen, EbillScreen
from screens.replacement.payment.ebill import EbillConfirmModal
from tests.ui.conftest import ScreenText, make_app, screen_text, wait_until
from tests.ui.flows import choose, fill, focused_id, on, pick, shows, tab_to
from tests.ui.test_card_replacement import (
    act,
    applications,
    applied,
    apply_form,
    ebill_form,
    ebill_screen,
    logged_in_as,
)

SIZE = (80, 24)
GOOD_PIN = "123456"          # the demo chip card's (kiosk/domain/replacement/banks.py)

# what a person reads, in each language (zh-TW: the seed's own words)
SEEN = {
    "zh-TW": {
        "military": "軍警證",
        "week": "現場領卡者，超過預約領卡時間一星期仍未領取",
        "year": "保存逾一年仍未領回之健保卡，考量資訊安全，本署將主動銷毀",
        "no_photo": "申辦無照片健保卡，就醫時應攜帶身分證明文件",
        "two_weeks": "若申請後超過2星期仍未收到卡片，請撥打本署免費諮詢服務電話0800-030598洽詢。",
        "offices": "F9 查詢領卡地點",
        "tip": "貼心提醒：您現在登入的是網路 ATM，僅提供跨行手續費優惠 10 元",
        "result": ("交易類別 繳款", "轉出存摺備註欄 健保費", "手續費 0.00元", "回應訊息：交易成功"),
        "limit": "每一轉出帳戶每日不得超過新臺幣(下同)10萬元，每月不得超過20萬元",
        "dispute": "四、交易糾紛",
        "confirm": "流程進度：輸入繳費資訊 > 確認頁 > 繳費交易結果",
        "paid": "交易成功",
        "mail": "約3-5天可收到掛號寄發的健保卡",
    },
    "en": {
        "military": "military or police ID",
        "week": "A card not collected within a week after the booked pickup time",
        "year": "A card not collected within a year is destroyed",
        "no_photo": "With a card without a photo, bring an identity document",
        "two_weeks": "If the card has not arrived 2 weeks after applying, call the NHIA's free "
                     "helpline 0800-030598.",
        "offices": "F9: where to pick up a card",
        "tip": "A tip: you are logged in to Web ATM, which only gives a NT$10 discount",
        "result": ("Type: payment", "Passbook note: NHI premium", "Fee NT$0.00",
                   "Result: successful"),
        "limit": "at most NT$100,000 a day and NT$200,000 a month",
        "dispute": "4. Disputes",
        "confirm": "Steps: payment details > confirm > result",
        "paid": "Payment successful",
        "mail": "registered mail in about 3-5 days",
    },
}


SCROLLBAR = str.maketrans("", "", "▁▂▃▄▅▆▇█▔▕▏▌▐")


def t(lang: str, key: str, **params: object) -> str:
    return Catalog(lang).t(key, **params)


async def seen_after_scrolling(pilot, phrase: str, what: str) -> None:
    """The phrase on the screen, scrolling the form down (as a person does) until it is."""
    app = pilot.app
    scrollers = app.screen.query(VerticalScroll)
    scroller = scrollers.first() if scrollers else None
    for _ in range(40):
        # a scroll box's bar sits at the end of its rows: read past it, as a person does
        if phrase in ScreenText(screen_text(app).translate(SCROLLBAR)):
            return
        if scroller is None:
            break
        scroller.scroll_down(animate=False)
        await pilot.pause()
    raise AssertionError(f"{what}: {phrase!r} not seen in\n{screen_text(app)}")


# -- 1. step 8: the notices of the list -------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_step8_the_list_names_the_military_id_and_the_week_and_year_rule(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in_as(pilot)
        await applications(pilot)
        seen = SEEN[lang]
        for key in ("military", "week", "year"):
            await seen_after_scrolling(pilot, seen[key], key)


# -- 2. steps 9/13: beside 申請種類, with the mailing address; 3. 查詢領卡地點 --------------

@pytest.mark.parametrize("lang", LANGS)
async def test_steps9_13_the_form_says_the_no_photo_and_two_week_notes(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await apply_form(pilot)
        await tab_to(pilot, "#f-street")          # the mailing address, as a person goes
        await shows(pilot, SEEN[lang]["two_weeks"], "the two-week note by the address")
        await tab_to(pilot, "#c-kind")             # 申請種類
        await shows(pilot, SEEN[lang]["no_photo"], "the no-photo note by 申請種類")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_offices_are_listed_from_the_form_when_pickup_is_at_an_office(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await apply_form(pilot)
        await choose(pilot, "pickup", "onsite")
        await shows(pilot, SEEN[lang]["offices"], "the hint beside 現場領卡")
        await pilot.press("f9")
        await wait_until(pilot, on(app, OfficesModal), what="查詢領卡地點")
        await shows(pilot, OFFICES[0].phone, "an office's phone")
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplyFormScreen), what="back on the form")
        assert app.screen.query_one("#c-pickup").value == "onsite"   # nothing lost


# -- 4. step 18: 貼心提醒; 5. step 22: the result; 7. step 27 ------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_web_atm_tip_is_dismissed_then_the_result_shows_in_full(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        atm_no = await applied(pilot)              # by mail
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen), what="ATM")
        app.monitor.insert("bank_card")
        await wait_until(pilot, lambda: app.screen.transfer is not None, what="transfer")
        await wait_until(pilot, lambda: focused_id(app) == "f-pin", what="the PIN box")
        await shows(pilot, SEEN[lang]["tip"], "貼心提醒")
        await pilot.press("enter")                 # 取消: go on paying
        await shows(pilot, t(lang, "atm.authorize"), "the PIN asked for")
        assert SEEN[lang]["tip"] not in screen_text(app)
        assert focused_id(app) == "f-pin"
        await fill(pilot, "pin", GOOD_PIN)
        await fill(pilot, "code", app.screen.transfer.code)
        await pilot.press("enter")
        await shows(pilot, t(lang, "atm.pull", s=40))
        app.monitor.remove()
        await pilot.pause()
        app.monitor.insert("bank_card")
        await shows(pilot, t(lang, "atm.press_ok", s=40))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.transfer.receipt is not None,
                         what="paid")
        for phrase in (*SEEN[lang]["result"], atm_no, SEEN[lang]["mail"]):
            await shows(pilot, phrase, "the payment result")


# -- 6. step 23: the e-Bill notice in full and 確認頁; 7. step 27 --------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_ebill_notice_in_full_then_a_confirmation_page_before_paying(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        atm_no = await applied(pilot)              # by mail
        await ebill_screen(pilot, atm_no)
        await seen_after_scrolling(pilot, SEEN[lang]["limit"], "the limits")
        await seen_after_scrolling(pilot, SEEN[lang]["dispute"], "交易糾紛")
        await choose(pilot, "agree", "yes")
        await pick(pilot, "#f-bank", "004")
        await fill(pilot, "account", "012345678901")
        await fill(pilot, "code", app.screen.code)
        await pilot.press("f5")
        await wait_until(pilot, on(app, EbillConfirmModal), what="確認頁")
        await shows(pilot, SEEN[lang]["confirm"], "確認頁")
        await shows(pilot, "203", "the total")
        assert app.applications.get(app.session, atm_no)["payment"] is None   # not yet
        await pilot.press("enter")
        await wait_until(pilot, on(app, EbillScreen), what="the result")
        await shows(pilot, SEEN[lang]["paid"])
        await shows(pilot, SEEN[lang]["mail"], "registered mail in 3-5 days")
        assert app.applications.get(app.session, atm_no)["payment"]["method"] == "ebill"


@pytest.mark.parametrize("lang", LANGS)
async def test_ebill_confirmation_page_goes_back_without_paying(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        atm_no = await applied(pilot)
        await ebill_form(pilot, atm_no)
        await pilot.press("f5")
        await wait_until(pilot, on(app, EbillConfirmModal), what="確認頁")
        await pilot.press("escape")
        await wait_until(pilot, on(app, EbillScreen), what="back to the form")
        assert app.applications.get(app.session, atm_no)["payment"] is None
        assert app.screen.value("account") == "012345678901"
