"""Every screen of every workflow at 80×24, in both languages, with Textual's own geometry:
each field a person can reach with Tab, and each error line a screen can show, is on screen
once focused (or scrolled to) — inside the window, and never under the title bar or under
the status and key bars at the bottom. A field typed into blind, or an error under the
status bar, leaves a citizen stuck with F5 "doing nothing".

The screens are the snapshot tests' own walks (test_workflow_snapshots, test_staff_snapshots),
so a screen added there is checked here too."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widget import Widget

from kiosk.domain.counter.staff import Staff
from screens.widgets.text import Notice
from tests.ui import test_staff_snapshots as staff_walks
from tests.ui import test_workflow_snapshots as citizen_walks
from tests.ui.conftest import make_app, make_services
from tests.ui.test_staff_mode import STAFF_PASSWORD

WIDTH, HEIGHT = 80, 24
BODY = Region(0, 1, WIDTH, HEIGHT - 3)   # below the title bar, above the two bottom bars
LANGS = ["zh-TW", "en"]
WALKS = ([(f"citizen:{s.__name__}", s) for s in citizen_walks.STEPS]
         + [(f"staff:{s.__name__}", s) for s in staff_walks.STEPS])


def seen_part(app, widget: Widget) -> Region:
    """The part of ``widget`` the compositor draws (clipped by every scrolling parent)."""
    placed = app.screen._compositor.visible_widgets.get(widget)   # no public API for this
    if placed is None:
        return Region()
    region, clip = placed
    return region.intersection(clip)


def misplaced(app, widget: Widget) -> str | None:
    """Why ``widget`` is not where a person can see it, or None when it is."""
    seen = seen_part(app, widget)
    if not seen:
        return "not drawn at all (scrolled away or cut off)"
    if not BODY.contains_region(seen):
        return f"drawn at {seen}, outside the body {BODY} (under a bar or off screen)"
    if seen.y != widget.region.y:
        return f"its first row is cut off ({seen} of {widget.region})"
    return None


async def open_walk(tmp_path, monkeypatch, lang: str, walk):
    monkeypatch.setenv("HOME", str(tmp_path))
    units = tmp_path / "units"
    units.mkdir()
    (units / staff_walks.UNIT_FILE).write_text(
        "身分證號,電子郵件\nA123456789,wang@example.com\nX1,bad\n", "utf-8")
    (tmp_path / "store").mkdir()
    services = make_services(tmp_path / "store")
    Staff(services.store, services.clock).add("chen01", "陳櫃員", STAFF_PASSWORD)
    return make_app(lang=lang, services=services, batch_dir=units)


async def problems_on_screen(app, pilot) -> list[str]:
    """Each field focused (and scrolled to) and each error line shown, where it is drawn."""
    problems: list[str] = []
    screen = app.screen
    for widget in list(screen.focus_chain):
        screen.set_focus(widget)
        widget.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        why = misplaced(app, widget)
        if why:
            problems.append(f"field {widget!r}: {why}")
    for notice in screen.query(".field-error, .form-error").results(Notice):
        if not all(node.display for node in notice.ancestors_with_self[1:-1]):
            continue   # in a group not shown now (the dependant's fields for oneself)
        notice.say("err.required")                 # one short line in either language
        await pilot.pause()
        notice.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        why = misplaced(app, notice)
        if why:
            problems.append(f"error line #{notice.id}: {why}")
        notice.say(None)
    return problems


@pytest.mark.parametrize(("name", "walk"), WALKS, ids=[name for name, _ in WALKS])
async def test_every_field_and_error_line_is_seen_when_reached(tmp_path, monkeypatch, name,
                                                                 walk):
    """In Chinese, then — toggled on the same screen, as a person would — in English."""
    app = await open_walk(tmp_path, monkeypatch, LANGS[0], walk)
    problems: list[str] = []
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await walk(pilot)
        await pilot.pause()
        for lang in LANGS:
            if app.catalog.lang != lang:
                app.toggle_language()
                await pilot.pause()
            problems += [f"[{lang}] {p}" for p in await problems_on_screen(app, pilot)]
    assert not problems, f"{name} at {WIDTH}×{HEIGHT}:\n" + "\n".join(problems)
