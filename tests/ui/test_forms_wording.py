"""Issue 15, forms and wording: what a form shows before anything is typed (placeholders
that are formats, not answers), what it says when a field is left empty or a wrong password
is typed at the staff door, what the idle screen asks with a card already in, a pasted text
of several lines, an untranslated key of a drop-down, and a cancellation asked once more."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from kiosk.domain.accounts import State
from kiosk.domain.demo_people import DEMO_ACCOUNTS, DEMO_FACTS, DEMO_LINES
from kiosk.domain.i18n import Catalog, load_catalog
from reader.demo import DEMO_BY_KEY, DEMO_CARDS
from screens.card import CardScreen
from screens.forms import FormScreen, ProofForm
from screens.idle import IdleScreen
from screens.registration.mail_code import CodeScreen
from screens.registration.my_account import UpdateInfoScreen
from screens.registration.pending import ConfirmCancel, PendingScreen
from screens.registration.sign_in import LoginScreen
from screens.widgets.choice import KioskSelect
from tests.ui.conftest import make_app, make_services, screen_text, wait_until
from tests.ui.flows import (
    PASSWORD,
    account_step,
    card_screen,
    logged_in,
    login,
    national_identity,
    on,
    registering,
    shows,
    staff_sign_in,
    type_into,
)
from tests.unit.domain_fixtures import NATIONAL_PROOF

SIZE = (80, 24)
LANGS = ["zh-TW", "en"]
SCREENS = Path(__file__).parents[2] / "screens"


def demo_answers() -> set[str]:
    """Everything a demo person types into a form: dates (ISO and ROC), numbers, phones."""
    answers: set[str] = set()
    for demo in DEMO_CARDS:
        if demo.card is not None:
            born = demo.card.birth_date
            answers |= {born.isoformat(), demo.card.id_no, demo.card.card_no,
                        f"{born.year - 1911:03d}/{born.month:02d}/{born.day:02d}"}
    for facts in DEMO_FACTS.values():
        answers.add(facts.get("household_no", ""))
        for name, value in facts.get("permit", {}).items():
            answers.add(value)
            if name.endswith("_date"):
                day = date.fromisoformat(value)
                answers.add(f"{day.year - 1911:03d}/{day.month:02d}/{day.day:02d}")
    answers |= {line[0] for line in DEMO_LINES}
    for account in DEMO_ACCOUNTS.values():
        answers |= {account["email"], account["phone"]}
    return answers - {""}


# -- 1. placeholders ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_no_placeholder_in_the_catalog_is_a_demo_persons_answer(lang):
    catalog = Catalog(lang)
    placeholders = {key: catalog.t(key) for key in load_catalog(lang)
                    if key.startswith("form.ph_") or key.endswith("_placeholder")}
    assert placeholders, "the catalog names no placeholders"
    answers = demo_answers()
    for key, text in placeholders.items():
        assert text not in answers and not any(a in text for a in answers if len(a) > 3), (
            key, text)


def test_no_screen_gives_an_input_an_untranslated_placeholder():
    found = [(path.relative_to(SCREENS).as_posix(), text) for path in SCREENS.rglob("*.py")
             for text in re.findall(r'placeholder="([^"]+)"', path.read_text("utf-8"))]
    assert found == []


async def resident_identity(pilot) -> ProofForm:
    app = pilot.app
    await registering(pilot, "resident_arc")
    await wait_until(pilot, lambda: isinstance(app.screen, ProofForm), what="identity step")
    return app.screen


def styles_of(box: Input, text: str) -> set[object]:
    """The styles the input draws ``text`` (what it shows) with."""
    return {segment.style for segment in box.render_line(0) if segment.text.strip()
            and segment.text.strip() in text}


@pytest.mark.parametrize("lang", LANGS)
async def test_the_permit_dates_show_a_format_in_a_hint_style_never_a_demo_answer(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        form = await resident_identity(pilot)
        issue = form.query_one("#f-issue", Input)
        expected = app.catalog.t("form.ph_date")
        assert issue.placeholder == expected and "YYYY" in expected
        assert issue.placeholder not in demo_answers()
        assert expected[:12] in screen_text(app)
        hint = styles_of(issue, issue.placeholder)
        assert hint and all(style.italic for style in hint)
        issue.focus()
        await type_into(pilot, "2024-03-01")
        typed = styles_of(issue, issue.value)
        assert typed and not any(style.italic for style in typed)
        await pilot.press("f2")                          # the language toggle follows
        await wait_until(pilot, lambda: form.query_one("#f-expiry", Input).placeholder
                         == app.catalog.t("form.ph_date") != expected, what="toggled hint")


# -- 2. the account's phone where its e-mail is ---------------------------------------

async def test_the_contact_form_opens_with_the_accounts_email_and_phone():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("escape")
        from kiosk.domain.demo_people import DEMO_PASSWORD

        await login(pilot, DEMO_PASSWORD)
        await logged_in(pilot)
        await pilot.press("4")                           # [4] Update basic information
        await wait_until(pilot, on(app, UpdateInfoScreen))
        account = DEMO_ACCOUNTS["registered"]
        assert app.screen.query_one("#f-email", Input).value == account["email"]
        assert app.screen.query_one("#f-phone", Input).value == account["phone"]
        await shows(pilot, account["phone"])


# -- 3. an empty e-mail is required, not malformed -------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_an_empty_email_is_said_to_be_required(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await registering(pilot)
        await national_identity(pilot)
        await account_step(pilot, email="")
        await shows(pilot, app.catalog.t("err.required"))
        assert app.catalog.t("err.contact.email") not in screen_text(app)
        assert app.focused is app.screen.query_one("#f-email")


# -- 4. the staff door names the staff password ----------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_a_wrong_staff_password_is_said_to_be_the_staff_password(lang):
    from kiosk.domain.counter.staff import Staff

    services = make_services()
    Staff(services.store, services.clock).add("chen01", "陳櫃員", "Counter@2026x")
    app = make_app(lang=lang, services=services)
    async with app.run_test(size=SIZE) as pilot:
        await staff_sign_in(pilot, "chen01", "Wrong@2026x")
        said = app.catalog.t("err.staff.wrong_password", tries_left=4)
        await shows(pilot, said)
        assert ("櫃員密碼" if lang == "zh-TW" else "staff password") in said
        assert app.catalog.t("err.login.password", tries_left=4) not in screen_text(app)
        assert "註冊密碼" not in screen_text(app) and "registration" not in screen_text(app)


# -- 5. a dialog's title is a title -----------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_pickup_saved_dialog_has_a_real_title(lang):
    from screens.replacement.apply_form import SavedModal

    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, on(app, IdleScreen))
        app.push_screen(SavedModal("pickup.saved_title", "pickup.saved"))
        await wait_until(pilot, on(app, SavedModal))
        title = app.catalog.t("pickup.saved_title")
        await shows(pilot, title)
        assert "網頁訊息" not in screen_text(app)
        assert ("領卡" if lang == "zh-TW" else "Pickup") in title
    for language in LANGS:
        assert "網頁訊息" not in {Catalog(language).t(k) for k in load_catalog(language)}


# -- 6. the idle screen with a card in ---------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_the_idle_screen_asks_for_a_choice_not_a_card_while_one_is_in(lang):
    app = make_app(lang=lang)
    insert = app.catalog.t("idle.primary")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "national")
        await pilot.press("escape")                      # back to the menu, card left in
        await wait_until(pilot, on(app, IdleScreen))
        await shows(pilot, app.catalog.t("idle.card_in"))
        assert insert not in screen_text(app).replace(app.catalog.t("idle.card_in"), "")
        app.monitor.remove()
        await wait_until(pilot, lambda: insert in screen_text(app)
                         and app.catalog.t("idle.card_in") not in screen_text(app),
                         what="insert prompt after removal")


# -- 7. a drop-down's Escape in the person's language -----------------------------------

class PickScreen(FormScreen):
    BINDINGS = [Binding("escape", "back", "key.back")]
    title_key = "pickup.title"

    def fields(self) -> ComposeResult:
        yield KioskSelect([("A", "a"), ("B", "b")], id="f-office", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-office").focus()


@pytest.mark.parametrize("lang", LANGS)
async def test_an_open_drop_down_names_its_escape_key_in_the_persons_language(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, on(app, IdleScreen))
        app.push_screen(PickScreen())
        await wait_until(pilot, on(app, PickScreen))
        select = app.screen.query_one(KioskSelect)
        await pilot.press("enter")
        await wait_until(pilot, lambda: select.expanded, what="list open")
        await shows(pilot, app.catalog.t("key.dismiss_menu"))
        assert "Dismiss" not in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not select.expanded, what="list closed")
        assert on(app, PickScreen)()


# -- 8. a paste of several lines ----------------------------------------------------------

async def paste(pilot, text: str) -> None:
    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_code_pasted_in_two_lines_is_joined_and_said(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, on(app, IdleScreen))
        await pilot.press(str(app.screen.menu_items().index("menu.code") + 1))
        await wait_until(pilot, on(app, CodeScreen))
        await paste(pilot, "AB12\nCD34\n")
        assert app.screen.query_one("#f-code", Input).value == "AB12CD34"
        await shows(pilot, app.catalog.t("form.paste_joined"))


@pytest.mark.parametrize("lang", LANGS)
async def test_a_paste_too_long_for_its_field_is_said_not_taken(lang):
    """The code field takes 80 characters: two lines of 50 are refused whole by the Input,
    and the form must not claim they were joined."""
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, on(app, IdleScreen))
        await pilot.press(str(app.screen.menu_items().index("menu.code") + 1))
        await wait_until(pilot, on(app, CodeScreen))
        await paste(pilot, "A" * 50 + "\n" + "B" * 50)
        assert app.screen.query_one("#f-code", Input).value == ""
        await shows(pilot, app.catalog.t("form.paste_too_long"))
        assert app.catalog.t("form.paste_joined") not in str(screen_text(app))

@pytest.mark.parametrize("lang", LANGS)
async def test_a_password_pasted_in_two_lines_is_refused_and_said(lang):
    app = make_app(lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "registered")
        await pilot.press("escape")
        await pilot.press(str(app.screen.menu_items().index("menu.login") + 1))
        await wait_until(pilot, on(app, LoginScreen))
        await paste(pilot, "Demo@\n2026")
        assert app.screen.query_one("#f-password", Input).value == ""
        await shows(pilot, app.catalog.t("form.paste_refused"))
        await paste(pilot, "Demo@2026\n")                 # one line: pasted as it is
        assert app.screen.query_one("#f-password", Input).value == "Demo@2026"


# -- 10. cancelling a pending registration is asked first ---------------------------------

@pytest.mark.parametrize("lang", LANGS)
async def test_cancelling_a_pending_registration_is_asked_and_escape_keeps_it(lang):
    app = make_app(lang=lang)
    card = DEMO_BY_KEY["national"].card
    app.registration.register(card, NATIONAL_PROOF, PASSWORD, PASSWORD, "wang@example.com", "")
    async with app.run_test(size=SIZE) as pilot:
        await card_screen(pilot, "national")
        await pilot.press("2")                           # [2] Cancel application
        await wait_until(pilot, on(app, PendingScreen))
        await type_into(pilot, PASSWORD)
        await pilot.press("enter")
        await wait_until(pilot, on(app, ConfirmCancel), what="the question")
        await shows(pilot, app.catalog.t("pending.confirm_title"))
        await pilot.press("escape")                      # keep it
        await wait_until(pilot, on(app, PendingScreen))
        await shows(pilot, app.catalog.t("pending.kept"))
        assert app.registration.state_of(card) is State.PENDING
        await pilot.press("enter")                       # asked again; Enter cancels
        await wait_until(pilot, on(app, ConfirmCancel))
        await pilot.press("enter")
        await wait_until(pilot, on(app, PendingScreen))
        await shows(pilot, app.catalog.t("pending.cancelled"))
        assert app.registration.state_of(card) is not State.PENDING
        await pilot.press("escape")
        await wait_until(pilot, on(app, CardScreen))

