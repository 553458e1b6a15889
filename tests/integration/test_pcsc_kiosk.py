"""The kiosk itself over the real PC/SC path: pcscd + vpcd + a virtual card."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reader.events import EventKind, ReaderEvent
from reader.monitor import PcscMonitor
from reader.virtual import VirtualCard
from screens.card import CardScreen
from screens.idle import IdleScreen
from screens.message import MessageScreen, Problem
from tests.integration.helpers import HOLD_TIMEOUT, READER_0, READER_1, Pcscd, wait_card_state
from tests.ui.conftest import make_app, screen_text, wait_until

pytestmark = pytest.mark.pcsc
TIMEOUT = 10.0


def _pcsc_app(lang: str = "en"):
    monitor = PcscMonitor(wait_ms=60_000)
    return make_app(lang=lang, demo=False, monitor=monitor)


async def test_insert_read_show_remove_over_pcsc(pcscd: Pcscd) -> None:
    app = _pcsc_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: set(app.status.readers) >= {READER_0, READER_1},
                         timeout=TIMEOUT, what="vpcd readers attached")
        with VirtualCard.from_demo("cp950_ext", slot=1):
            await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                             timeout=TIMEOUT, what="card screen")
            text = screen_text(app)
            assert "陳○峰" in text and "E12****783" in text and READER_1 in text
        await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                         timeout=TIMEOUT, what="idle after removal")
        assert "陳" not in screen_text(app)


class HeldMonitor:
    """A PcscMonitor the test can stop after an event (see MonitorRun.hold_after): the
    kiosk's reader thread then waits in ``events()`` and the monitor makes no status
    check until :meth:`resume`."""

    def __init__(self, inner: PcscMonitor) -> None:
        self.inner = inner
        self.name = inner.name
        self.hold: Callable[[ReaderEvent], bool] | None = None
        self.held = threading.Event()
        self._resume = threading.Event()

    def events(self) -> Iterator[ReaderEvent]:
        for event in self.inner.events():
            yield event
            if self.hold is not None and self.hold(event):
                self.hold = None
                self.held.set()
                self._resume.wait(HOLD_TIMEOUT)

    def resume(self) -> None:
        self._resume.set()

    def close(self) -> None:
        self._resume.set()
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_card_swapped_while_logged_in_ends_the_session(pcscd: Pcscd) -> None:
    """張志明 logs in; while the monitor is between two status checks his card goes and
    王大明's comes. The session must end and 王大明 see his own card, not 張志明's services."""
    from kiosk.domain.demo_people import DEMO_PASSWORD
    from screens.services import ServicesScreen
    from tests.ui.flows import login

    monitor = HeldMonitor(PcscMonitor(wait_ms=60_000))
    monitor.hold = lambda e: e.kind is EventKind.INSERTED and e.reader == READER_0
    app = make_app(lang="en", demo=False, monitor=monitor)
    first = VirtualCard.from_demo("registered", slot=0)
    second = VirtualCard.from_demo("national", slot=0)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: set(app.status.readers) >= {READER_0, READER_1},
                             timeout=TIMEOUT, what="vpcd readers attached")
            first.insert()
            await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                             timeout=TIMEOUT, what="card screen")
            assert monitor.held.is_set()
            await pilot.press("escape")
            await login(pilot, DEMO_PASSWORD)
            await wait_until(pilot, lambda: isinstance(app.screen, ServicesScreen),
                             timeout=TIMEOUT, what="logged in")
            assert app.session is not None and app.session.id_no == "J128765432"
            first.remove()
            await asyncio.to_thread(wait_card_state, READER_0, present=False)  # monitor held
            second.insert()
            await asyncio.to_thread(wait_card_state, READER_0, present=True)
            assert isinstance(app.screen, ServicesScreen)   # nobody has told the kiosk yet
            monitor.resume()
            await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                             timeout=TIMEOUT, what="the new card's screen")
            assert app.session is None
            assert app.screen.card.id_no == "A123456789"
            assert all(not isinstance(s, ServicesScreen) for s in app.screen_stack)
            second.remove()
            await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                             timeout=TIMEOUT, what="idle after removal")
    finally:
        first.remove()
        second.remove()


async def test_bank_card_over_pcsc_says_not_an_nhi_card(pcscd: Pcscd) -> None:
    app = _pcsc_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.status.readers, timeout=TIMEOUT, what="readers")
        with VirtualCard.from_demo("bank_card"):
            await wait_until(pilot, lambda: isinstance(app.screen, MessageScreen),
                             timeout=TIMEOUT, what="message")
            assert app.screen.problem is Problem.NOT_NHI
            assert "這不是健保卡" in screen_text(app)
        await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                         timeout=TIMEOUT, what="idle after removal")


async def test_register_confirm_login_and_logout_over_pcsc(pcscd: Pcscd) -> None:
    """The whole registration over the real stack: the card in vpcd, read through pcscd."""
    from screens.registration.mail_code import CodeScreen
    from screens.services import ServicesScreen
    from tests.ui.flows import (
        PASSWORD,
        account_step,
        confirm_and_send,
        login,
        menu,
        national_identity,
        shows,
        through_terms_and_read,
        type_into,
    )

    app = _pcsc_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.status.readers, timeout=TIMEOUT, what="readers")
        with VirtualCard.from_demo("national"):
            await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                             timeout=TIMEOUT, what="card screen")
            await pilot.press("1")
            await through_terms_and_read(pilot)
            await national_identity(pilot)
            await account_step(pilot)
            await confirm_and_send(pilot)
            await menu(pilot, "menu.code")
            await wait_until(pilot, lambda: isinstance(app.screen, CodeScreen))
            await type_into(pilot, app.services.mails()[0]["link"])
            await pilot.press("enter")
            await shows(pilot, "Registration complete")
            await login(pilot, PASSWORD)
            await wait_until(pilot, lambda: isinstance(app.screen, ServicesScreen),
                             timeout=TIMEOUT, what="logged in")
        await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                         timeout=TIMEOUT, what="idle after the card left")
        assert app.session is None


async def test_a_real_kiosk_without_pcscd_waits_for_it_and_never_becomes_the_demo(
        pcscd_restartable, tmp_path, monkeypatch) -> None:
    """``auto`` with pcscd down: the no-service screen, no demo data, no tray, no way out;
    then pcscd comes back and the card in its reader is read."""
    from kiosk.app import KioskApp
    from kiosk.domain.config import Config
    from kiosk.domain.counter.staff import Staff
    from kiosk.domain.i18n import Catalog
    from kiosk.domain.registry import Registry
    from kiosk.wiring import Domain, choose_monitor, open_store
    from screens.counter.sign_in import StaffSignInScreen
    from screens.tray import TrayScreen

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    config = Config(lang="en")                       # reader = auto, no demo
    pcscd_restartable.stop()
    monitor, demo = choose_monitor(config)
    store = open_store(config, Catalog("en"))
    assert store is not None and not demo and store.path.name == "kiosk.json"
    app = KioskApp(config, monitor, Domain(config, store, demo=demo))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, MessageScreen)
                             and app.screen.problem is Problem.NO_SERVICE,
                             timeout=TIMEOUT, what="the no-service screen")
            await pilot.press("f7")
            await pilot.pause()
            assert not isinstance(app.screen, TrayScreen)
            await pilot.press("f10")
            await wait_until(pilot, lambda: isinstance(app.screen, StaffSignInScreen),
                             what="staff sign-in")
            assert "Counter@2026" not in screen_text(app)
            await pilot.press("f10")                # the demo's way out: not here
            await pilot.pause()
            assert app.is_running
            await pilot.press("escape")
            assert Staff(store, app.clock).all() == [] and Registry(store).everyone() == {}
            pcscd_restartable.start()
            await wait_until(pilot, lambda: set(app.status.readers) >= {READER_0, READER_1},
                             timeout=TIMEOUT, what="readers once pcscd is back")
            assert isinstance(app.screen, IdleScreen)
            assert "menu.tray" not in app.screen.menu_items()
            assert "menu.outbox" not in app.screen.menu_items()
            with VirtualCard.from_demo("national"):
                await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                                 timeout=TIMEOUT, what="the card read")
    finally:
        store.close()
