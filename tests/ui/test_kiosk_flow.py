"""The kiosk as a citizen and a technician meet it, driven by Textual's Pilot."""

from __future__ import annotations

from reader.card import CardData
from reader.demo import DEMO_BY_KEY
from reader.events import EventKind, ReadFailure
from screens.card import CardScreen
from screens.counter.sign_in import StaffSignInScreen
from screens.idle import IdleScreen
from screens.message import MessageScreen, Problem
from screens.too_small import TooSmallScreen
from screens.tray import TrayScreen
from tests.ui.conftest import ScriptedMonitor, make_app, screen_text, wait_until

SIZE = (80, 24)


def on(app, cls):
    return lambda: isinstance(app.screen, cls)


def menu_key(app, item: str) -> str:
    """The number key of an idle menu item, as the screen shows it."""
    return str((app.screen.menu_items().index(item) + 1) % 10)


async def test_insert_shows_masked_card_and_removal_wipes_it():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.status.readers, what="reader attached")
        app.monitor.insert("national")
        await wait_until(pilot, on(app, CardScreen), what="card screen")
        text = screen_text(app)
        assert "王○明" in text and "A12****789" in text and "****2222" in text
        assert "王大明" not in text and "A123456789" not in text
        assert "1980-05-12 (ROC 69/05/12)" in text
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen), what="idle after removal")
        assert len(app.screen_stack) == 1
        assert not any(isinstance(s, CardScreen) for s in app.screen_stack)
        assert "王" not in screen_text(app)


async def test_tray_inserts_and_f8_removes_a_demo_card():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(menu_key(app, "menu.tray"))
        await wait_until(pilot, on(app, TrayScreen), what="tray")
        await pilot.press("5")                 # cp950_ext card (陳碁峰, refuses SELECT)
        await wait_until(pilot, on(app, CardScreen), what="card screen")
        assert "陳○峰" in screen_text(app)
        await pilot.press("f8")
        await wait_until(pilot, on(app, IdleScreen), what="idle")


async def test_specimen_card_is_not_valid_and_bank_card_is_not_an_nhi_card():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.insert("specimen")
        await wait_until(pilot, on(app, MessageScreen), what="message")
        assert app.screen.problem is Problem.INVALID
        assert "check digit" in screen_text(app)
        assert "甄" not in screen_text(app)
        app.monitor.insert("bank_card")
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None) is Problem.NOT_NHI)
        assert "not an NHI card" in screen_text(app)
        app.monitor.remove()
        await wait_until(pilot, on(app, IdleScreen), what="idle")


async def test_show_card_menu_item_needs_a_card():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(menu_key(app, "menu.show_card"))
        await pilot.pause()
        assert isinstance(app.screen, IdleScreen)
        assert any("insert your NHI card first" in str(n.message) for n in app._notifications)
        app.monitor.insert("national")
        await wait_until(pilot, on(app, CardScreen))
        await pilot.press("escape")            # back to idle, card still in the reader
        await wait_until(pilot, on(app, IdleScreen))
        await pilot.press(menu_key(app, "menu.show_card"))
        await wait_until(pilot, on(app, CardScreen), what="card shown again from the menu")


async def test_inactivity_wipes_back_to_idle():
    app = make_app(inactivity=30)
    app.idle_check_s = 0.02
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.insert("national")
        await wait_until(pilot, on(app, CardScreen))
        app.services.clock.advance(seconds=20)
        await pilot.press("f2")                # any key restarts the countdown
        app.services.clock.advance(seconds=20)
        app.check_inactivity()
        assert isinstance(app.screen, CardScreen)
        app.services.clock.advance(seconds=10)
        await wait_until(pilot, on(app, IdleScreen), timeout=5, what="inactivity timeout")
        assert not any(isinstance(s, CardScreen) for s in app.screen_stack)


async def test_small_terminal_asks_to_enlarge_then_recovers():
    app = make_app(lang="en")
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, on(app, TooSmallScreen), what="enlarge screen")
        assert "Please enlarge the terminal" in screen_text(app)
        assert "60×20" in screen_text(app)
        app.monitor.insert("national")          # events keep flowing underneath
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, on(app, CardScreen), what="card screen after enlarging")


async def test_language_toggle_changes_every_text_in_place():
    app = make_app(lang="zh-TW")
    async with app.run_test(size=SIZE) as pilot:
        app.monitor.insert("national")
        await wait_until(pilot, on(app, CardScreen))
        assert "健保卡資料" in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "NHI card" in text and "Date of birth" in text and "健保卡資料" not in text
        assert "王○明" in text


async def test_quit_keys_do_nothing_in_public_mode():
    app = make_app(demo=False, monitor=ScriptedMonitor())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        await pilot.press("f10")
        await wait_until(pilot, on(app, StaffSignInScreen))
        assert "nhi-kiosk staff add" in screen_text(app)   # no staff yet: says how to add
        await pilot.press("f10", "enter")
        await pilot.pause()
        assert app.is_running     # F10 leaves only the demo


async def test_service_lost_and_back_and_no_reader():
    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R0")
        monitor.push(EventKind.INSERTED, "R0", card=DEMO_BY_KEY["national"].card)
        await wait_until(pilot, on(app, CardScreen))
        monitor.push(EventKind.SERVICE_LOST, detail="pcscd gone")
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None)
                         is Problem.NO_SERVICE, what="no service screen")
        assert "pcscd" in screen_text(app) and "王" not in screen_text(app)
        monitor.push(EventKind.SERVICE_BACK)
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None)
                         is Problem.NO_READER, what="no reader screen")
        monitor.push(EventKind.READER_ATTACHED, "R0")
        await wait_until(pilot, on(app, IdleScreen), what="idle once a reader is back")


async def test_a_bound_reader_unplugged_is_named_on_the_whole_screen_in_both_languages():
    """A kiosk bound to one reader (--reader-name): its going says which reader it waits
    for; the status bar names it too (the real PC/SC binding: tests/integration/
    test_reader_name.py)."""
    monitor = ScriptedMonitor()
    monitor.bound = "Virtual PCD 00 01"
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "Virtual PCD 00 01")
        await wait_until(pilot, lambda: "Bound reader: Virtual PCD 00 01" in screen_text(app),
                         what="the bound reader named")
        monitor.push(EventKind.READER_DETACHED, "Virtual PCD 00 01")
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None)
                         is Problem.NO_READER, what="no reader screen")
        assert 'reads only the reader "Virtual PCD 00 01"' in screen_text(app)
        assert "Waiting for reader Virtual PCD 00 01" in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        assert "只讀取讀卡機「Virtual PCD 00 01」" in screen_text(app)


async def test_removed_during_read_message_outlives_the_removal():
    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R0")
        monitor.push(EventKind.INSERTED, "R0", failure=ReadFailure.REMOVED)
        monitor.push(EventKind.REMOVED, "R0")
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None) is Problem.REMOVED)
        await pilot.pause(0.1)
        assert app.screen.problem is Problem.REMOVED
        assert "insert your card again" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, on(app, IdleScreen))


async def test_first_reader_holding_a_card_is_used():
    monitor = ScriptedMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    second: CardData = DEMO_BY_KEY["resident_ui"].card
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R0")
        monitor.push(EventKind.READER_ATTACHED, "R1")
        monitor.push(EventKind.INSERTED, "R1", card=second)
        await wait_until(pilot, on(app, CardScreen))
        assert app.screen.reader == "R1"
        monitor.push(EventKind.INSERTED, "R0", card=DEMO_BY_KEY["national"].card)
        await wait_until(pilot, lambda: getattr(app.screen, "reader", None) == "R0")
        monitor.push(EventKind.REMOVED, "R0")
        await wait_until(pilot, lambda: getattr(app.screen, "reader", None) == "R1"
                         and "S**** J***" in screen_text(app), what="the remaining card")


class CrashingMonitor(ScriptedMonitor):
    """Fails once, as a driver or library fault would, then works."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    def events(self):
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("driver fault")
        yield from super().events()


async def test_a_failing_monitor_shows_service_down_and_restarts():
    monitor = CrashingMonitor()
    app = make_app(lang="en", demo=False, monitor=monitor)
    app.monitor_restart_s = 0.05
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "problem", None)
                         is Problem.NO_SERVICE, what="service down")
        await wait_until(pilot, lambda: monitor.runs == 2, what="restart")
        monitor.push(EventKind.READER_ATTACHED, "R0")
        await wait_until(pilot, on(app, IdleScreen), what="idle after the restart")
        monitor.push(EventKind.INSERTED, "R0", card=DEMO_BY_KEY["national"].card)
        await wait_until(pilot, on(app, CardScreen))
