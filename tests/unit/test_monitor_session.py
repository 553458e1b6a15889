"""One card, one session, at the kiosk's side of the monitor (KioskApp.on_reader_changed).

A monitor may report a new read of a reader that, as far as the kiosk knows, still holds a
card: no removal came between. If that read is another card (another card number or ID),
the session the old card began ends exactly as a removal would end it, and the new card
is shown as any inserted card is. The same card read again changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from reader.demo import DEMO_BY_KEY
from reader.events import EventKind
from screens.card import CardScreen
from screens.services import ServicesScreen
from tests.ui.conftest import ScriptedMonitor, make_app, wait_until

REGISTERED = DEMO_BY_KEY["registered"].card
NATIONAL = DEMO_BY_KEY["national"].card


async def _logged_in(pilot, monitor: ScriptedMonitor) -> None:
    from kiosk.domain.demo_people import DEMO_PASSWORD
    from tests.ui.flows import login

    app = pilot.app
    monitor.push(EventKind.READER_ATTACHED, "R0")
    monitor.push(EventKind.INSERTED, "R0", card=REGISTERED)
    await wait_until(pilot, lambda: isinstance(app.screen, CardScreen), what="card screen")
    await pilot.press("escape")
    await login(pilot, DEMO_PASSWORD)
    await wait_until(pilot, lambda: isinstance(app.screen, ServicesScreen), what="logged in")
    assert app.session is not None and app.session.card_no == REGISTERED.card_no


async def _reread_ends_the_session(card) -> None:
    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=(80, 24)) as pilot:
        await _logged_in(pilot, monitor)
        monitor.push(EventKind.INSERTED, "R0", card=card)      # no REMOVED before it
        await wait_until(pilot, lambda: app.session is None, what="the session ended")
        await wait_until(pilot, lambda: isinstance(app.screen, CardScreen)
                         and app.screen.card == card, what="the new card shown")
        assert not any(isinstance(s, ServicesScreen) for s in app.screen_stack)


async def test_a_reread_with_another_id_ends_the_session() -> None:
    await _reread_ends_the_session(NATIONAL)


async def test_a_reread_with_the_same_id_but_another_card_number_ends_the_session() -> None:
    """The holder's other card (an old one, or one reported lost) is not the session's."""
    await _reread_ends_the_session(replace(REGISTERED, card_no="000077779999"))


async def test_the_same_card_read_again_keeps_the_session() -> None:
    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=(80, 24)) as pilot:
        await _logged_in(pilot, monitor)
        session = app.session
        monitor.push(EventKind.INSERTED, "R0", card=REGISTERED)
        monitor.push(EventKind.READER_ATTACHED, "R1")             # a marker: both handled
        await wait_until(pilot, lambda: "R1" in app.status.readers, what="events handled")
        assert app.session is session
        assert isinstance(app.screen, ServicesScreen)


async def test_after_the_atm_only_the_sessions_own_card_number_lets_the_session_go_on() -> None:
    """網路ATM lets the NHI card go (``CardPolicy.SWAPS``). When it closes, the card in the
    reader must be the one the session began with: the same ID on another card number is
    not, and the kiosk asks for the session's card instead of carrying on."""
    from screens.replacement.payment import AtmScreen, ReinsertScreen

    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=(80, 24)) as pilot:
        await _logged_in(pilot, monitor)
        app.push_screen(AtmScreen("000000000000"))
        await wait_until(pilot, lambda: isinstance(app.screen, AtmScreen), what="ATM")
        monitor.push(EventKind.REMOVED, "R0")
        monitor.push(EventKind.INSERTED, "R0", card=replace(REGISTERED, card_no="000077779999"))
        await wait_until(pilot, lambda: app.current_card() is not None
                         and app.current_card().card_no == "000077779999", what="other card")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReinsertScreen),
                         what="asked for the session's own card")
