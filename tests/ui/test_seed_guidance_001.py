"""Issue 15: the guidance of seeds 000/001 shown where the NHIA's pages show it — the
household number's hint, where the card number is, the helplines, no text message, the
device code only after 【產生裝置認證碼】, resend/cancel from the login screen, and the
demo tray's eleventh card. At 80×24, in both languages, as a person sees the screen."""

from __future__ import annotations

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.demo_people import DEMO_PASSWORD
from reader.demo import DEMO_BY_KEY, DEMO_CARDS
from screens.binding.devices import DeviceCodeScreen
from screens.binding.phone_auth import PhoneAuthScreen
from screens.registration.pending import PendingScreen
from screens.registration.register import IdentityScreen
from screens.registration.sign_in import LoginScreen
from screens.tray import TrayScreen
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import (
    card_screen,
    logged_in,
    login,
    menu,
    on,
    registering,
    shows,
    tab_to,
    type_into,
)
from tests.ui.test_phone_and_qr_login import phone_form
from tests.unit.domain_fixtures import NATIONAL_PROOF

LANGS = ["zh-TW", "en"]
SIZE = (80, 24)
PASSWORD = "Nhi@2026x"

HOUSEHOLD = {   # 001 Q1 step 3, Q13: the seed's words, and its own English
    "zh-TW": ["請參考戶口名簿封面左上角的號碼",
              "為避免健保卡遭他人冒用，保護您的個人資料安全，請務必輸入"],
    "en": ["Please refer to the number on the top left side of the cover of Household "
           "Certificate.", "please be sure to enter the Household ID number."],
}
CARD_NO = {   # 001 Q14
    "zh-TW": "在健保卡正面左下角 12 碼數字",
    "en": "the 12 digits at the bottom left of the front of",
}
HELPLINES = {   # 001 Q4/Q8
    "zh-TW": ["0800-030-598", "4128-678(免加區域碼)", "手機請撥打(02)4128-678"],
    "en": ["0800-030-598", "4128-678 (no area code needed)", "call (02)4128-678"],
}
NO_SMS = {   # 001 Q11
    "zh-TW": "認證過程中不會寄送任何認證碼或簡訊",
    "en": "No verification code or text message is sent during authentication",
}
PRESS = {"zh-TW": "請點選【產生裝置認證碼】", "en": "Press [Generate code] (F5)"}


async def phone_screen(pilot) -> None:
    await menu(pilot, "menu.phone_auth")
    await wait_until(pilot, on(pilot.app, PhoneAuthScreen), what="phone auth")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_household_field_says_where_the_number_is_and_why(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot)
        await wait_until(pilot, on(app, IdentityScreen), what="identity step")
        await tab_to(pilot, "#f-household")
        for phrase in HOUSEHOLD[lang]:
            assert phrase in screen_text(app), phrase


@pytest.mark.parametrize("lang", LANGS)
async def test_phone_auth_says_where_the_card_number_is(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await phone_screen(pilot)
        await tab_to(pilot, "#f-last4")                    # the field asking for it
        assert CARD_NO[lang] in screen_text(app)


@pytest.mark.parametrize("lang", LANGS)
async def test_too_few_card_digits_say_where_the_card_number_is(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await phone_form(pilot, "0912345678", "J128765432", "12")
        await wait_until(pilot, lambda: app.screen.query_one("#e-last4").display,
                         what="the card digits refused")
        assert app.focused is app.screen.query_one("#f-last4")
        error = str(app.screen.query_one("#e-last4").render())
        assert CARD_NO[lang] in error and CARD_NO[lang] in screen_text(app)


@pytest.mark.parametrize("lang", LANGS)
async def test_phone_auth_says_no_text_message_is_sent(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await phone_screen(pilot)
        assert NO_SMS[lang] in screen_text(app)           # seen on opening


@pytest.mark.parametrize("lang", LANGS)
async def test_phone_auth_gives_the_helplines(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await phone_screen(pilot)
        app.screen.query_one("#helpline").scroll_visible(animate=False)   # the form scrolls
        await pilot.pause()
        text = screen_text(app)
        for number in HELPLINES[lang]:
            assert number in text, number


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_phone_auth_says_whom_to_call(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await phone_form(pilot, "0966000666", "E123456783", "6666")   # a prepaid number
        refusal = app.catalog.t("err.phone.prepaid")
        await shows(pilot, refusal[:20], "the refusal")
        await shows(pilot, HELPLINES[lang][0], "the helpline under the refusal")
        text = screen_text(app)
        for number in HELPLINES[lang]:
            assert number in text, number
        assert text.count("0800-030-598") == 1            # said once, not twice


@pytest.mark.parametrize("lang", LANGS)
async def test_the_device_code_comes_only_after_the_button(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await login(pilot, DEMO_PASSWORD)
        await logged_in(pilot)
        await pilot.press("1")                             # [1] 行動裝置認證
        await wait_until(pilot, on(app, DeviceCodeScreen), what="device code screen")
        await shows(pilot, PRESS[lang], "the button to press")
        assert app.screen.code is None and app.screen.shown_code == ""
        await pilot.press("f5")                            # 【產生裝置認證碼】
        await wait_until(pilot, lambda: app.screen.code is not None, what="a code")
        await shows(pilot, app.screen.code.code, "the code")
        assert PRESS[lang] not in screen_text(app)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key, what", [("f3", "resend"), ("f4", "cancel")])
async def test_the_login_screen_reaches_resend_and_cancel(lang, key, what):
    app = make_app(lang=lang)
    card = DEMO_BY_KEY["national"].card
    app.registration.register(card, NATIONAL_PROOF, PASSWORD, PASSWORD, "wang@example.com", "")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "national")
        await menu(pilot, "menu.login")
        await wait_until(pilot, on(app, LoginScreen), what="login")
        await shows(pilot, app.catalog.t("login.pending_hint")[:12], "the keys said")
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, PendingScreen)
                         and app.screen.what == what, what=f"{what} screen")
        await shows(pilot, app.catalog.t(f"card.action_{what}"), "its title")
        await type_into(pilot, PASSWORD)
        await pilot.press("enter")
        if what == "resend":
            said = app.catalog.t("pending.resent", email="\0").split("\0")[0]
            await shows(pilot, said, "resent")
        else:
            await wait_until(pilot, lambda: not isinstance(app.screen, PendingScreen),
                             what="the question")
            await pilot.press("enter")
            await shows(pilot, app.catalog.t("pending.cancelled"))
            assert app.registration.state_of(card) is not State.PENDING


@pytest.mark.parametrize("lang", LANGS)
async def test_the_tray_reaches_the_eleventh_card(lang):
    assert len(DEMO_CARDS) == 12 and DEMO_CARDS[10].key == "new_card"
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.status.readers, what="reader")
        await pilot.press("f7")
        await wait_until(pilot, on(app, TrayScreen), what="tray")
        new_card = app.catalog.t("demo.new_card")
        assert new_card not in screen_text(app)
        await pilot.press("pagedown")
        await shows(pilot, new_card, "the eleventh card")
        assert app.catalog.t("demo.national") not in screen_text(app)
        await pilot.press("1")
        await wait_until(pilot, lambda: app.demo_present() == "new_card", what="inserted")
