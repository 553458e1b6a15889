"""What the kiosk looks like at 80×24 in both languages (pytest-textual-snapshot).

Update after an intended change with ``pytest tests/ui --snapshot-update`` and review the
SVGs in tests/ui/__snapshots__ like any other diff.
"""

from __future__ import annotations

import pytest

from screens.card import CardScreen
from screens.message import MessageScreen
from tests.ui.conftest import make_app, wait_until

LANGS = ["zh-TW", "en"]


def _ready(app):
    async def run_before(pilot):
        await wait_until(pilot, lambda: app.status.readers, what="reader attached")

    return run_before


def _with_card(app, key, screen_type):
    async def run_before(pilot):
        await wait_until(pilot, lambda: app.status.readers, what="reader attached")
        app.monitor.insert(key)
        await wait_until(pilot, lambda: isinstance(app.screen, screen_type), what=key)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("lang", LANGS)
def test_idle(snap_compare, lang):
    app = make_app(lang=lang)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready(app))


@pytest.mark.parametrize("lang", LANGS)
def test_card(snap_compare, lang):
    app = make_app(lang=lang)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=_with_card(app, "long_name", CardScreen))


@pytest.mark.parametrize("lang", LANGS)
def test_resident_card(snap_compare, lang):
    app = make_app(lang=lang)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=_with_card(app, "resident_arc", CardScreen))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["specimen", "bank_card"])
def test_problem(snap_compare, lang, key):
    app = make_app(lang=lang)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=_with_card(app, key, MessageScreen))


@pytest.mark.parametrize("lang", LANGS)
def test_tray(snap_compare, lang):
    app = make_app(lang=lang)

    async def run_before(pilot):
        await wait_until(pilot, lambda: app.status.readers, what="reader attached")
        await pilot.press("f7")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_store_away(snap_compare, lang):
    """Over a card's screen, as a PostgreSQL store's listener says its database is gone."""
    from kiosk.app import StoreReachable
    from screens.store_away import StoreAwayScreen

    app = make_app(lang=lang)

    async def run_before(pilot):
        await _with_card(app, "long_name", CardScreen)(pilot)
        app.post_message(StoreReachable(False))
        await wait_until(pilot, lambda: isinstance(app.screen, StoreAwayScreen), what="away")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
