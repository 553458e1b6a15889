"""Every staff screen at 80×24 in both languages (update: ``scripts/test tests/ui
--snapshot-update``, then review the SVGs like any other diff)."""

from __future__ import annotations

import pytest

from kiosk.domain.counter.staff import Staff
from kiosk.domain.i18n import LANGS
from screens.counter.audit import AuditScreen
from screens.counter.batch import BatchScreen
from screens.counter.desk import CounterRegisterScreen, ReasonModal
from screens.counter.home import StaffHomeScreen
from screens.counter.outbox import StaffOutboxScreen
from screens.counter.sign_in import StaffSignInScreen
from tests.ui.conftest import make_app, make_services, wait_until
from tests.ui.flows import on, type_into
from tests.ui.test_staff_mode import (
    STAFF_PASSWORD,
    import_first_file,
    person_form,
    signed_in,
    staff_item,
)

UNIT_FILE = "11000000120260801.csv"


async def sign_in_form(pilot):
    await pilot.press("f10")
    await wait_until(pilot, on(pilot.app, StaffSignInScreen))
    await type_into(pilot, "chen01")


async def home(pilot):
    await signed_in(pilot)
    pilot.app.monitor.insert("national")
    await wait_until(pilot, lambda: pilot.app.current_card() is not None)


async def counter_register(pilot):
    await home(pilot)
    await staff_item(pilot, CounterRegisterScreen)


async def person(pilot):
    await signed_in(pilot)
    await person_form(pilot)


async def suspend_reason(pilot):
    await person(pilot)
    await pilot.press("f3")
    await wait_until(pilot, on(pilot.app, ReasonModal))
    await type_into(pilot, "lost wallet")


async def audit(pilot):
    await person(pilot)
    await pilot.press("escape")
    await wait_until(pilot, on(pilot.app, StaffHomeScreen))
    await staff_item(pilot, AuditScreen)


async def batch(pilot):
    await signed_in(pilot)
    await staff_item(pilot, BatchScreen)
    await import_first_file(pilot)
    await wait_until(pilot, lambda: not pilot.app.screen.busy and pilot.app.screen.query_one(
        "#batch-result").display, timeout=15, what="import done")


async def outbox(pilot):
    await signed_in(pilot)
    app = pilot.app
    app.counter.batch_importer(app.staff_session)(
        app.batch_root / UNIT_FILE, app.services.store.path.parent / "reports", app.catalog)
    await staff_item(pilot, StaffOutboxScreen)


STEPS = [sign_in_form, home, counter_register, person, suspend_reason, audit, batch, outbox]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("step", STEPS, ids=[s.__name__ for s in STEPS])
def test_staff_screen(snap_compare, monkeypatch, tmp_path, step, lang):
    # the screens show paths under home as ~/…: the same on every run, in the test's own folder
    monkeypatch.setenv("HOME", str(tmp_path))
    units = tmp_path / "units"
    units.mkdir()
    (units / UNIT_FILE).write_text(
        "身分證號,電子郵件\nA123456789,wang@example.com\nB220123455,ouyang@example.com\n"
        "X1,bad\n", "utf-8")
    (tmp_path / "store").mkdir()
    services = make_services(tmp_path / "store")
    Staff(services.store, services.clock).add("chen01", "陳櫃員", STAFF_PASSWORD)
    app = make_app(lang=lang, services=services, batch_dir=units)

    async def run_before(pilot):
        await step(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
