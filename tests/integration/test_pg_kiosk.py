"""The kiosk (Textual Pilot) on a PostgreSQL store: what the shell puts in the database is
what the counter's screen works with. Against the suite's private server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.domain.accounts import Services
from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.audit import Audit
from kiosk.domain.mail import Mailer
from kiosk.domain.store_address import PostgresAddress
from kiosk.wiring import pg_files
from screens.counter.home import StaffHomeScreen
from screens.counter.sign_in import StaffSignInScreen
from store.api import DEMO
from tests.integration.helpers import in_ci
from tests.ui.conftest import NOW, make_app, screen_text, wait_until
from tests.ui.flows import on, type_into

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.pg import PgStore  # noqa: E402  (needs psycopg)

pytestmark = pytest.mark.xdist_group("postgres")


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


async def test_a_staff_account_added_from_the_shell_signs_in_at_the_kiosk(pg_dsn, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
    assert main(["staff", "add", "chen01", "--name", "陳櫃員", "--password-stdin", "--demo",
                 "--db", pg_dsn, "--lang", "en"]) == 0
    store = PgStore.open(pg_dsn, files=pg_files(PostgresAddress(pg_dsn)), purpose=DEMO)
    clock = FixedClock(NOW)
    app = make_app(services=Services(store, clock, Mailer(store.outbox(), clock)))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f10")
            await wait_until(pilot, on(app, StaffSignInScreen), what="staff sign-in")
            await type_into(pilot, "chen01")
            await pilot.press("enter")
            await type_into(pilot, "Counter#2026")
            await pilot.press("enter")
            await wait_until(pilot, on(app, StaffHomeScreen), what="staff menu")
            assert "陳" in screen_text(app)                # signed in by name
        entries = Audit(store, clock).entries()            # newest first, in the database
        assert [(e["staff_id"], e["action"]) for e in entries] == [
            ("chen01", "sign_in"), ("shell", "staff_add")]
    finally:
        store.close()
