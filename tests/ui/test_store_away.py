"""The kiosk paused while its store's database is out of reach (screens/store_away.py,
KioskApp.on_store_reachable), told as a PostgreSQL store's listener tells it: the rules
of the cover, on the embedded store. The real database going and coming is in
tests/integration/pg/test_pg_kiosk.py."""

from __future__ import annotations

from kiosk.app import StoreReachable
from screens.card import CardScreen
from screens.idle import IdleScreen
from screens.store_away import StoreAwayScreen
from screens.too_small import TooSmallScreen
from tests.ui.conftest import make_app, screen_text, wait_until
from tests.ui.flows import card_screen, on


async def _away(pilot, up: bool = False) -> None:
    pilot.app.post_message(StoreReachable(up))
    await pilot.pause()


async def test_the_cover_goes_over_a_session_and_a_card_pulled_under_it_ends_the_session():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await card_screen(pilot, "registered")
        await _away(pilot)
        assert isinstance(app.screen, StoreAwayScreen)
        assert "Service paused" in screen_text(app) and "暫停服務" in screen_text(app)
        await pilot.press("escape", "enter")                 # no way out but the store
        assert isinstance(app.screen, StoreAwayScreen)
        app.monitor.remove()
        await wait_until(pilot, lambda: not any(isinstance(s, CardScreen)
                                                for s in app.screen_stack),
                         what="the card's screen gone with the card")
        assert isinstance(app.screen, StoreAwayScreen)       # still covered
        await _away(pilot, up=True)
        assert on(app, IdleScreen)()


async def test_the_size_notice_stays_on_top_of_the_cover_and_after_it():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.resize_terminal(60, 20)
        await wait_until(pilot, on(app, TooSmallScreen), what="too small")
        await _away(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert any(isinstance(s, StoreAwayScreen) for s in app.screen_stack)
        await _away(pilot, up=True)
        assert isinstance(app.screen, TooSmallScreen)
        assert not any(isinstance(s, StoreAwayScreen) for s in app.screen_stack)
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, on(app, IdleScreen), what="idle at full size")


async def test_back_twice_or_away_twice_changes_nothing_more():
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _away(pilot, up=True)                           # a store back from nothing
        assert on(app, IdleScreen)()
        await _away(pilot)
        await _away(pilot)
        assert [type(s) for s in app.screen_stack] == [IdleScreen, StoreAwayScreen]


async def test_a_screen_that_lets_the_card_go_keeps_its_session_under_the_cover():
    """網路ATM: the NHI card out and a bank card in, while covered, are the ATM screen's to
    handle (it is told), not a card leaving the session: the cover changes no card rule."""
    from screens.replacement.payment import AtmScreen
    from tests.ui.test_card_replacement import act, applied

    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        atm_no = await applied(pilot)
        await act(pilot, atm_no, "atm")
        await wait_until(pilot, on(app, AtmScreen), what="the ATM")
        atm = app.screen
        await _away(pilot)
        app.monitor.insert("bank_card")
        await wait_until(pilot, lambda: atm.transfer is not None, what="the ATM told")
        assert app.session is not None and isinstance(app.screen, StoreAwayScreen)
        await _away(pilot, up=True)
        assert app.screen is atm


async def test_a_login_completed_while_covered_opens_the_menu_under_the_cover():
    """A QR login approved as the database goes: the menu it opens waits under the cover."""
    from kiosk.domain.session import Session
    from screens.services import ServicesScreen
    from tests.ui.conftest import NOW

    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _away(pilot)
        app.open_session(Session("J128765432", "", "王小明", NOW, via="qr"))
        await pilot.pause()
        assert isinstance(app.screen, StoreAwayScreen)
        assert isinstance(app.screen_stack[-2], ServicesScreen)
        await _away(pilot, up=True)
        assert isinstance(app.screen, ServicesScreen)
