"""Kiosk apps for Pilot and snapshot tests: a fixed clock, the simulated reader or a
scripted monitor, and a helper that waits on conditions with a deadline."""

from __future__ import annotations

import atexit
import queue
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.app import KioskApp
from kiosk.domain.accounts import Services
from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.config import Config
from kiosk.domain.demo_people import seed_demo
from kiosk.domain.mail import Mailer
from reader.events import EventKind, ReaderEvent
from reader.simulated import SimulatedMonitor
from store import Store
from store.api import DEMO
from store.outbox import Outbox


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch):
    """An input's cursor blinks every 0.5 s; a snapshot taken on a loaded machine caught it
    on or off at random. In tests it stays on."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TAIPEI)


class ScriptedMonitor:
    """A PC/SC-like monitor whose events the test pushes."""

    name = "pcsc"
    bound: str | None = None   # a test binds it to one reader by setting this

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[ReaderEvent | None] = queue.SimpleQueue()

    def push(self, kind: EventKind, reader: str | None = None, **kw: object) -> None:
        self._queue.put(ReaderEvent(kind, NOW, reader, **kw))  # type: ignore[arg-type]

    def events(self):
        while (event := self._queue.get()) is not None:
            yield event

    def close(self) -> None:
        self._queue.put(None)


def make_services(folder: Path | None = None) -> Services:
    """A fresh store with the demo registry, a fixed clock and a real outbox."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="kiosk-ui-"))
        # removed when this test process ends: a run otherwise left ~600 stores behind
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    store = Store.open(folder / "kiosk.json", purpose=DEMO)
    clock = FixedClock(NOW)
    seed_demo(store, NOW)
    return Services(store, clock, Mailer(Outbox(store), clock))


def make_app(*, lang: str = "zh-TW", demo: bool = True, monitor=None,
             inactivity: float = 600,
             services: Services | None = None, deliver_mail=None,
             photo_dir: Path | None = None, batch_dir: Path | None = None,
             printer: str | None = None) -> KioskApp:
    config = Config(lang=lang, demo=demo, inactivity=inactivity,
                    photo_dir=photo_dir, batch_dir=batch_dir, printer=printer)
    monitor = monitor or SimulatedMonitor(clock=lambda: NOW)
    return KioskApp(config, monitor, services or make_services(), demo=demo,
                    deliver_mail=deliver_mail)


async def wait_until(pilot, predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()  # let the new screen finish mounting before the test reads it


class ScreenText(str):
    """The screen's rows; ``in`` also finds a phrase a person reads across a wrapped line
    (English wraps at a space, Chinese anywhere)."""

    def __contains__(self, phrase: object) -> bool:
        if not isinstance(phrase, str):
            return False
        rows = [row.strip() for row in self.splitlines()]
        return (str.__contains__(self, phrase) or phrase in " ".join(rows)
                or phrase in "".join(rows))


def screen_text(app: KioskApp) -> ScreenText:
    """What a person sees on the active screen: its rows as the terminal shows them, so a
    line scrolled away, cut off or under the status bar is not there. (Textual has no public
    API for the composed rows; the compositor's render_strips has no side effects.)"""
    return ScreenText("\n".join(strip.text for strip in app.screen._compositor.render_strips()))

