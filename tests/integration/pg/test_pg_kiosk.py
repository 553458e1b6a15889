"""The kiosk (Textual Pilot) on a PostgreSQL store: what the shell puts in the database is
what the counter's screen works with. Against the suite's private server."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.domain.accounts import Services
from kiosk.domain.clock import Clock, FixedClock, SystemClock
from kiosk.domain.counter.audit import Audit
from kiosk.domain.mail import Mailer
from kiosk.domain.store_address import PostgresAddress
from kiosk.wiring import pg_files
from store.api import DEMO
from tests.integration.helpers import in_ci
from tests.ui.conftest import NOW, make_app, screen_text, wait_until
from tests.ui.flows import on, staff_signed_in

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.pg import PgStore  # noqa: E402  (needs psycopg)


def kiosk_on(dsn: str, clock: Clock, *, lang: str = "en", people: bool = True
             ) -> tuple[PgStore, Any]:
    """A kiosk (the Pilot app) on the database ``dsn``, made for the demo; ``people``: with
    the demo's people in it."""
    from kiosk.domain.demo_people import seed_demo

    store = PgStore.open(dsn, files=pg_files(PostgresAddress(dsn)), purpose=DEMO)
    if people:
        seed_demo(store, NOW)
    return store, make_app(services=Services(store, clock, Mailer(store.outbox(), clock)),
                           lang=lang)


def _shell(*args: str) -> None:
    """``nhi-kiosk ARGS`` in a process of its own, as from another terminal."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "kiosk", *args, "--lang", "en"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_a_staff_account_added_from_the_shell_signs_in_at_the_kiosk(pg_dsn, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
    assert main(["staff", "add", "chen01", "--name", "陳櫃員", "--password-stdin", "--demo",
                 "--db", pg_dsn, "--lang", "en"]) == 0
    clock = FixedClock(NOW)
    store, app = kiosk_on(pg_dsn, clock, lang="zh-TW", people=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await staff_signed_in(pilot, "chen01", "Counter#2026")
            assert "陳" in screen_text(app)                # signed in by name
        entries = Audit(store, clock).entries()            # newest first, in the database
        assert [(e["staff_id"], e["action"]) for e in entries] == [
            ("chen01", "sign_in"), ("shell", "staff_add")]
    finally:
        store.close()


AWAY_TITLES = ("暫停服務：連不上資料庫", "the records database cannot be reached")


@pytest.mark.parametrize("lang, login", [("en", "Log in"), ("zh-TW", "登入")])
async def test_the_database_going_away_pauses_the_kiosk_until_it_is_back_losing_nothing(
        pg_dsn, postgres, lang, login):
    """The whole screen says so, in both languages, as soon as the database goes, and goes
    by itself when it is back: a half-typed form is still there; a card put in meanwhile
    has its menu then."""
    from screens.card import CardScreen
    from screens.counter.sign_in import StaffSignInScreen
    from screens.store_away import StoreAwayScreen
    from tests.ui.flows import type_into

    store, app = kiosk_on(pg_dsn, FixedClock(NOW), lang=lang)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.store_events, what="listening to the store")
            await pilot.press("f10")
            await wait_until(pilot, on(app, StaffSignInScreen), what="staff sign-in")
            await type_into(pilot, "chen01")
            postgres.halt()
            await wait_until(pilot, on(app, StoreAwayScreen), what="the kiosk paused")
            assert all(title in screen_text(app) for title in AWAY_TITLES)
            await pilot.press("f10")                           # the counter waits too
            assert isinstance(app.screen, StoreAwayScreen)
            postgres.start()
            await wait_until(pilot, on(app, StaffSignInScreen), timeout=30,
                             what="the form back by itself, once the database is")
            assert "chen01" in screen_text(app)                # as it was left

            postgres.halt()
            await wait_until(pilot, on(app, StoreAwayScreen), what="paused again")
            app.monitor.insert("registered")                    # taken, under the cover
            await wait_until(pilot, lambda: any(isinstance(screen, CardScreen)
                                                for screen in app.screen_stack),
                             what="the card's screen under the cover")
            assert isinstance(app.screen, StoreAwayScreen)
            postgres.start()
            await wait_until(pilot, lambda: login in screen_text(app), timeout=30,
                             what="the card's menu once the database is back")
            assert not any(title in screen_text(app) for title in AWAY_TITLES)
    finally:
        if postgres.proc is None:   # the other tests need their server
            postgres.start()
        store.close()


#: seconds a screen is given to hear the database's news (a wait on it, not a sleep)
NOTIFY_WAIT_S = 8


@pytest.fixture
def told_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code screens' own reads (every UNTOLD_READ_S seconds) put off past the test:
    only the database's NOTIFY can bring the answer to the screen."""
    monkeypatch.setattr("screens.code_qr.UNTOLD_READ_S", 10_000)


async def test_a_qr_login_approved_by_another_process_reaches_the_screen_through_notify(
        pg_dsn, told_only):
    """`nhi-kiosk app approve` in another process: the waiting kiosk logs in when the
    database says so, and only then (its own reads are put off)."""
    from screens.binding.qr_login import QrLoginScreen
    from screens.services import ServicesScreen
    from tests.ui.test_phone_and_qr_login import qr_login_screen

    # the other process's clock: the request must not have expired there
    store, app = kiosk_on(pg_dsn, SystemClock())
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.store_events, what="listening to the store")
            await qr_login_screen(pilot, birth="1958-02-28")
            assert isinstance(app.screen, QrLoginScreen)
            _shell("app", "approve", app.screen.request.payload, "--device", "Pixel 8",
                   "--demo", "--db", pg_dsn)
            await wait_until(pilot, on(app, ServicesScreen), what="logged in",
                             timeout=NOTIFY_WAIT_S)
            assert app.session is not None and app.session.via == "qr"
    finally:
        store.close()


async def test_a_device_bound_with_the_code_from_another_process_is_named_at_once(
        pg_dsn, told_only):
    """The app redeeming the shown code elsewhere: the screen names the device when the
    database says so, and only then (its own reads are put off)."""
    from kiosk.domain.demo_people import DEMO_PASSWORD
    from screens.binding.devices import DeviceCodeScreen
    from tests.ui.flows import card_screen, logged_in, login

    store, app = kiosk_on(pg_dsn, SystemClock())   # the other process's clock, as above
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.store_events, what="listening to the store")
            await card_screen(pilot, "registered")
            await pilot.press("escape")
            await login(pilot, DEMO_PASSWORD)
            await logged_in(pilot)
            await pilot.press("1")                            # Mobile device verification
            await wait_until(pilot, on(app, DeviceCodeScreen), what="the device code screen")
            await pilot.press("f5")
            await wait_until(pilot, lambda: app.screen.code is not None, what="a code")
            _shell("app", "redeem", app.screen.code.code, "--device", "Pixel 8", "--demo",
                   "--db", pg_dsn)
            await wait_until(pilot, lambda: "Pixel 8" in screen_text(app),
                             what="the device named", timeout=NOTIFY_WAIT_S)
    finally:
        store.close()


async def test_a_staff_account_disabled_from_the_shell_ends_its_staff_mode_at_once(
        pg_dsn, monkeypatch):
    from screens.idle import IdleScreen

    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
    assert main(["staff", "add", "chen01", "--name", "陳櫃員", "--password-stdin", "--demo",
                 "--db", pg_dsn, "--lang", "en"]) == 0
    clock = FixedClock(NOW)
    store, app = kiosk_on(pg_dsn, clock, people=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.store_events, what="listening to the store")
            await staff_signed_in(pilot, "chen01", "Counter#2026")
            _shell("staff", "disable", "chen01", "--demo", "--db", pg_dsn)
            await wait_until(pilot, lambda: app.staff_session is None, timeout=5,
                             what="staff mode ended without a key pressed")
            assert on(app, IdleScreen)()
            assert "disabled" in " ".join(str(n.message) for n in app._notifications)
        entries = Audit(store, clock).entries()            # newest first
        assert [(e["staff_id"], e["action"]) for e in entries][:2] == [
            ("chen01", "sign_out"), ("shell", "staff_disable")]
    finally:
        store.close()
