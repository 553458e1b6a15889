"""Staff forms answer whatever a clerk types: every document kind with every kind of
number gets a message on the form (or a result), never a crash; a suspension without a
reason keeps its dialog open."""

from __future__ import annotations

import pytest

from kiosk.domain.id_documents import DocKind
from screens.counter.desk import CounterRegisterScreen, PersonScreen, ReasonModal
from tests.ui.conftest import screen_text, wait_until
from tests.ui.flows import choose, fill, on, tab_to, type_into
from tests.ui.test_staff_mode import SIZE, signed_in, staff_item, staffed_app

KINDS = list(DocKind)
# The person's own ID, a resident's ARC/UI number, a household number, nine digits,
# nothing, and junk: every kind is tried with each.
NUMBERS = ["J128765432", "A800000014", "AB123456", "123456789", "", "[/x]??"]


async def choose_kind(pilot, kind: DocKind) -> None:
    await choose(pilot, "#f-doc_kind", kind.value)


def answered(app) -> bool:
    """Something on the form says what happened: an error or the looked-up person."""
    screen = app.screen
    shown = [n for n in screen.query("Notice") if n.display]
    return bool(shown) or getattr(screen, "person", None) is not None


async def set_number(pilot, number: str) -> None:
    await fill(pilot, "doc_number", number)


@pytest.mark.parametrize("id_no", ["J128765432", "A800000014"])
async def test_person_screen_answers_every_kind_and_number(id_no):
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, PersonScreen)
        await type_into(pilot, id_no)
        for kind in KINDS:
            for number in NUMBERS:
                await choose_kind(pilot, kind)
                await set_number(pilot, number)
                await pilot.press("enter")
                await wait_until(pilot, lambda: answered(app),
                                 what=f"an answer to {kind} {number!r}")
                assert app.is_running and isinstance(app.screen, PersonScreen)


async def test_counter_registration_with_the_wrong_document_says_so():
    """The SMITH card (a resident) with a national ID card typed in: a message on the
    document row, the form kept."""
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, CounterRegisterScreen)
        app.monitor.insert("resident_ui")
        await wait_until(pilot, lambda: app.current_card() is not None, what="card")
        await choose_kind(pilot, DocKind.ID_CARD)
        await set_number(pilot, "A800000014")
        for name in ("password", "password2"):
            await fill(pilot, name, "Nhi@2026x")
        await tab_to(pilot, "#f-phone")
        await pilot.press("enter")   # the last field: submits
        await wait_until(pilot, lambda: app.screen.query_one("#e-doc_kind").display,
                         what="the document kind refused")
        assert isinstance(app.screen, CounterRegisterScreen)
        assert app.focused is app.screen.query_one("#f-doc_kind")
        assert app.screen.query_one("#f-doc_number").value == "A800000014"


@pytest.mark.parametrize("typed", ["", "   ", "x"])
async def test_a_suspension_needs_a_reason(typed):
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, PersonScreen)
        await type_into(pilot, "J128765432")
        await pilot.press("enter", "enter")
        await type_into(pilot, "J128765432")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.person is not None, what="looked up")
        await pilot.press("f3")
        await wait_until(pilot, on(app, ReasonModal), what="reason dialog")
        await type_into(pilot, typed)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#e-reason").display,
                         what="a message")
        assert isinstance(app.screen, ReasonModal)
        assert "2 to 100 characters" in screen_text(app)
        await type_into(pilot, "lost card")
        await pilot.press("enter")
        await wait_until(pilot, on(app, PersonScreen), what="back on the person")
        assert app.screen.person.reason == " ".join(f"{typed}lost card".split())
