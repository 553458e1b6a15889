"""Issue 15, layout and focus, at 80×24 in both languages: after a refused 網路ATM attempt the
focus is where the person types next; the first Enter after the chip card is back pays; the
"please enlarge" screen follows every resize at once; the applications list keeps its full
columns after a payment screen; every key a screen offers is on its key bar; the staff
outbox shows each mail's delivery status without scrolling."""

from __future__ import annotations

import pytest

from kiosk.domain.counter.staff import Staff
from kiosk.domain.i18n import LANGS, Catalog
from screens.binding.devices import DeviceCodeScreen
from screens.counter.outbox import StaffOutboxScreen
from screens.replacement.applications import ApplicationsScreen
from screens.replacement.payment import AtmScreen, SlipScreen
from screens.too_small import TooSmallScreen
from screens.tray import TrayScreen
from tests.ui.conftest import make_app, make_services, screen_text, wait_until
from tests.ui.flows import focused_id, on, shows, type_into
from tests.ui.test_card_replacement import (
    act,
    applications,
    applied,
    logged_in_as,
    pay_by_ebill,
)
from tests.ui.test_staff_mode import STAFF_PASSWORD, person_form, signed_in, staff_item

SIZE = (80, 24)
GOOD_PIN = "123456"          # the demo chip card's (kiosk/domain/replacement/banks.py)


def t(lang: str, key: str, **params: object) -> str:
    return Catalog(lang).t(key, **params)


def value(app, selector: str) -> str:
    return app.screen.query_one(selector).value


# -- 1. 網路ATM: the focus after a refusal, and the Enter after the re-insert --------------

async def atm_with_chip_card(pilot) -> None:
    """張志明 applies and opens 網路ATM; the chip card is in, the PIN box has the focus."""
    app = pilot.app
    atm_no = await applied(pilot)
    await act(pilot, atm_no, "atm")
    await wait_until(pilot, on(app, AtmScreen), what="ATM")
    app.monitor.insert("bank_card")
    await wait_until(pilot, lambda: app.screen.transfer is not None, what="transfer")
    await wait_until(pilot, lambda: focused_id(app) == "f-pin", what="focus in the PIN box")


@pytest.mark.parametrize("lang", LANGS)
async def test_atm_after_a_wrong_pin_the_next_digits_go_into_the_pin_box(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await atm_with_chip_card(pilot)
        await type_into(pilot, "111111")                   # not the card's PIN
        await pilot.press("enter")                         # on to the code box
        code = app.screen.transfer.code
        await type_into(pilot, code)
        await pilot.press("enter")
        await shows(pilot, t(lang, "err.atm.pin", tries_left=2), what="wrong PIN said")
        assert focused_id(app) == "f-pin"                  # not left in 交易驗證碼
        assert value(app, "#f-pin") == ""                  # the wrong PIN is gone
        assert value(app, "#f-code") == code               # the right code stays
        await type_into(pilot, GOOD_PIN)
        assert value(app, "#f-pin") == GOOD_PIN
        assert value(app, "#f-code") == code
        await pilot.press("enter")                         # the code is typed: this confirms
        await shows(pilot, t(lang, "atm.pull", s=40), what="asked to pull the card")


@pytest.mark.parametrize("lang", LANGS)
async def test_atm_after_a_wrong_code_the_focus_is_in_the_code_box_and_shift_tab_reaches_the_pin(
        lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await atm_with_chip_card(pilot)
        await type_into(pilot, GOOD_PIN)
        await pilot.press("enter")
        wrong = "0000" if app.screen.transfer.code != "0000" else "1111"
        await type_into(pilot, wrong)
        await pilot.press("enter")
        await shows(pilot, t(lang, "err.atm.code"), what="wrong code said")
        assert focused_id(app) == "f-code"                 # the field in error, emptied
        assert value(app, "#f-code") == ""
        await pilot.press("shift+tab")                     # one key back to the PIN,
        assert focused_id(app) == "f-pin"                  # not 12 past the keypad
        await pilot.press("tab")
        assert focused_id(app) == "f-code"
        await type_into(pilot, app.screen.transfer.code)   # the new code
        await pilot.press("enter")
        await shows(pilot, t(lang, "atm.pull", s=40), what="asked to pull the card")


async def tray_insert(pilot, key: str) -> None:
    """As the demo's user does it: F7, the card's number; the tray closes."""
    app = pilot.app
    await pilot.press("f7")
    await wait_until(pilot, on(app, TrayScreen), what="tray")
    number = [card.key for card in app.demo_cards()].index(key) + 1
    await pilot.press(str(number % 10))
    await wait_until(pilot, on(app, AtmScreen), what="back at the ATM")


@pytest.mark.parametrize("lang", LANGS)
async def test_atm_the_first_enter_after_the_chip_card_is_back_makes_the_transfer(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await atm_with_chip_card(pilot)
        await type_into(pilot, GOOD_PIN)
        await pilot.press("enter")
        await type_into(pilot, app.screen.transfer.code)
        await pilot.press("enter")
        await shows(pilot, t(lang, "atm.pull", s=40), what="asked to pull the card")
        await pilot.press("f8")                            # pulled
        await shows(pilot, t(lang, "atm.reinsert", s=40), what="asked to insert it again")
        await tray_insert(pilot, "bank_card")              # and back, through the tray
        await shows(pilot, t(lang, "atm.press_ok", s=40), what="press OK")
        await pilot.press("enter")                         # the first Enter pays
        await wait_until(pilot, lambda: app.screen.transfer.receipt is not None,
                         timeout=2, what="the transfer made by the first Enter")
        await shows(pilot, t(lang, "atm.done", amount=200, fee=0, at="115/11/23 09:30"))


# -- 2. the "please enlarge" screen follows each resize at once ---------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_enlarge_screen_follows_every_resize_at_once(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        steps = [((70, 22), True), ((100, 30), False), ((80, 24), False), ((79, 24), True),
                 ((80, 24), False), ((80, 23), True), ((79, 23), True), ((120, 40), False)]
        for (w, h), small in steps:
            await pilot.resize_terminal(w, h)
            await wait_until(pilot, lambda small=small: isinstance(app.screen, TooSmallScreen)
                             is small, timeout=2,
                             what=f"{w}×{h}: {'enlarge' if small else 'the normal'} screen")
            if small:
                body = t(lang, "small.body", w=80, h=24, cw=w, ch=h)
                await shows(pilot, body, what=f"{w}×{h} said")
            else:
                assert t(lang, "small.title") not in screen_text(app)


# -- 3. the applications list after a payment screen -------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_applications_list_keeps_its_full_columns_after_a_payment_screen(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        atm_no = await applied(pilot)
        applied_at = "115/11/23 09:30"
        await shows(pilot, atm_no, what="the full ATM NO")
        await shows(pilot, applied_at, what="the full date")
        await act(pilot, atm_no, "slip")
        await wait_until(pilot, on(app, SlipScreen), what="slip")
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplicationsScreen), what="the list again")
        await shows(pilot, atm_no, what="the full ATM NO after the slip")
        await shows(pilot, applied_at, what="the full date after the slip")
        await pay_by_ebill(pilot, atm_no)                  # paid, and back to the list
        await wait_until(pilot, lambda: app.applications.get(app.session, atm_no)["payment"],
                         what="paid")
        await pilot.press("escape")
        await wait_until(pilot, on(app, ApplicationsScreen), what="the list after paying")
        await shows(pilot, atm_no, what="the full ATM NO after paying")
        await shows(pilot, applied_at, what="the full date after paying")
        await shows(pilot, t(lang, "apps.paid"))


# -- 4. the key bar holds every key the screen offers -------------------------------------

def offered(app) -> list[tuple[str, str]]:
    """The keys the screen offers now (those its bar is to show): key and label."""
    out: list[tuple[str, str]] = []
    for _node, binding, enabled, _tip in app.screen.active_bindings.values():
        if binding.show and enabled:
            key = (binding.key_display or app.get_key_display(binding)).upper()
            label = app.catalog.t(binding.description)
            if (key, label) not in out and label not in [lbl for _k, lbl in out]:
                out.append((key, label))
    return out


def assert_bar_holds_every_key(app, what: str, *, but: tuple[str, ...] = ()) -> None:
    """Every key offered is on the bar, key and label, but the kiosk-wide ones in ``but``,
    which the bar leaves out saying so with "…" at its end."""
    bar = " ".join(screen_text(app).splitlines()[-1].split())
    keys = offered(app)
    assert len(keys) >= 6, f"{what}: {keys}"
    for key, label in keys:
        if key in but:
            assert key not in bar.split(), f"{what}: {key} is on {bar!r}"
        else:
            assert f"{key} {label}" in bar, f"{what}: {key} {label!r} not in {bar!r}"
    assert bar.endswith("…") is bool(but), f"{what}: {bar!r}"


@pytest.mark.parametrize("lang", LANGS)
async def test_the_key_bar_holds_every_key_of_the_device_code_and_applications_screens(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in_as(pilot)
        await pilot.press("1")                             # [1] 行動裝置認證
        await wait_until(pilot, on(app, DeviceCodeScreen), what="device code")
        await pilot.press("f5")                            # 【產生裝置認證碼】: F9 too now
        await pilot.pause()
        assert_bar_holds_every_key(app, "device code")
        await pilot.press("escape")
        await applications(pilot)
        assert_bar_holds_every_key(app, "applications")
        await pilot.press("f2")                            # the other language's labels too
        await pilot.pause()
        assert_bar_holds_every_key(app, "applications, language toggled")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_key_bar_holds_every_key_of_the_staff_person_screen(lang):
    services = make_services()
    Staff(services.store, services.clock).add("chen01", "陳櫃員", STAFF_PASSWORD)
    app = make_app(lang=lang, services=services)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        app.monitor.insert("national")                     # F8 (remove card) is offered too
        await wait_until(pilot, lambda: app.current_card() is not None, what="card in")
        await person_form(pilot, app.current_card().id_no)    # the ID is the card's
        # eight keys do not fit 78 cells even tight: the demo tray's F8 goes (the tray, F7,
        # says F8 takes the card out), "…" says a key is left out, and F8 still works
        assert_bar_holds_every_key(app, "person, a card in the reader", but=("F8",))
        await pilot.press("f8")
        await wait_until(pilot, lambda: app.current_card() is None, what="F8 took the card")
        assert_bar_holds_every_key(app, "person, no card")


# -- 5. the staff outbox shows the delivery status at 80 columns --------------------------

UNIT_FILE = "11000000120260801.csv"


@pytest.mark.parametrize("lang", LANGS)
async def test_the_staff_outbox_shows_each_mails_status_without_scrolling(lang, tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    (units / UNIT_FILE).write_text(
        "身分證號,電子郵件\nA123456789,wang@example.com\nB220123455,ouyang@example.com\n",
        "utf-8")
    services = make_services()
    Staff(services.store, services.clock).add("chen01", "陳櫃員", STAFF_PASSWORD)
    app = make_app(lang=lang, services=services, batch_dir=units)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        app.counter.batch_importer(app.staff_session)(
            units / UNIT_FILE, tmp_path / "reports", app.catalog)
        await staff_item(pilot, StaffOutboxScreen)
        table = app.screen.query_one("#outbox")
        await wait_until(pilot, lambda: table.row_count == 2, what="two mails")
        text = screen_text(app)
        for key in ("mail.outbox.created", "mail.outbox.to", "mail.outbox.status",
                    "mail.outbox.attempts", "mail.outbox.subject"):
            assert t(lang, key) in text, f"{key} not seen:\n{text}"
        queued = t(lang, "mail.outbox.status_queued")
        rows = [line for line in text.splitlines() if "@example.com" in line]
        assert len(rows) == 2 and all(queued in row for row in rows), text
        subject = app.services.mails(limit=1)[0]["subject"]
        await shows(pilot, subject, what="the highlighted mail's whole subject")


def test_a_bar_too_narrow_even_tight_drops_the_kiosk_wide_keys_last_first_and_says_so():
    from screens.widgets.bars import KeyCap, key_line

    keys = [KeyCap("ESC", "Back", True), KeyCap("F5", "New code", True),
            KeyCap("F2", "中文", False), KeyCap("F7", "Card tray", False),
            KeyCap("F8", "Remove card", False)]
    roomy = key_line(keys, 78).plain
    assert roomy == " ESC  Back   F5  New code   F2  中文   F7  Card tray   F8  Remove card"
    tight = "ESC Back F5 New code F2 中文 F7 Card tray F8 Remove card"
    assert key_line(keys, 56).plain == tight              # the tightest layout holds all
    assert key_line(keys, 50).plain == "ESC Back  F5 New code  F2 中文  F7 Card tray  …"
    assert key_line(keys, 43).plain == "ESC Back F5 New code F2 中文 F7 Card tray …"
    assert key_line(keys, 40).plain == " ESC  Back   F5  New code   F2  中文  …"
    assert key_line(keys, 24).plain == "ESC Back  F5 New code  …"   # the screen's own stay
