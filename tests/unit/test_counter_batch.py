"""整批註冊 from the staff screen: the staff session is checked when the import is asked
for, the import itself runs on a store of its own, and the audit log says who imported
what, with the counts the clerk was shown."""

from __future__ import annotations

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding.devices import Devices
from kiosk.domain.config import Config
from kiosk.domain.counter.audit import Audit
from kiosk.domain.counter.desk import Counter
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import MailKind
from kiosk.wiring import Domain
from tests.unit.domain_fixtures import STAFF_PASSWORD as PASSWORD
from tests.unit.domain_fixtures import refused

UNIT = "110121009"
ROWS = ("A123456789,wang@example.com,0911000111\n"    # new: imported
        "J128765432,chang@example.com,\n"             # registered already
        "B220123455,nana@example.com,\n"              # new: imported
        "A123456788,bad-id@example.com,\n"            # refused: not an ID number
        "E123456783,not-an-address,\n")               # refused: not an address


@pytest.fixture
def desk(world, staff):
    """The conftest's desk, but with batch imports run on a store of their own."""
    counter = Counter(world.services, staff, world.registration, Devices(world.services),
                      Domain.over(Config(), world.services).on_own_store)
    return counter, staff.sign_in("chen01", PASSWORD)


def test_a_batch_import_registers_the_new_rows_and_is_audited_with_its_counts(
        world, desk, tmp_path):
    counter, session = desk
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.write_text(ROWS, encoding="utf-8")
    seen: list[tuple[int, int]] = []
    report = counter.batch_importer(session)(path, tmp_path / "reports", Catalog("en"),
                                             lambda done, total: seen.append((done, total)))
    assert (report.unit, report.imported, report.already_registered, report.rejected) == (
        UNIT, 2, 1, 2)
    assert seen == [(3, 3)]                          # three good rows, all done
    assert report.report is not None and report.report.parent == tmp_path / "reports"
    assert "the ID or ARC/UI number is not valid" in report.report.read_text("utf-8-sig")
    wang = world.services.accounts.get_by_id("A123456789")
    assert (wang["state"], wang["email"], wang["phone"], wang["registered_via"]) == (
        State.ACTIVE, "wang@example.com", "0911000111", f"batch:{UNIT}")
    welcome = sorted(m["to"] for m in world.services.mails()
                     if m["kind"] == MailKind.BATCH_WELCOME)
    assert welcome == ["nana@example.com", "wang@example.com"]
    entry = Audit(world.store, world.clock).entries()[0]
    assert (entry["staff_id"], entry["action"], entry["person"], entry["detail"]) == (
        "chen01", "batch_import", None,
        {"unit": UNIT, "imported": 2, "already": 1, "rejected": 2})
    assert entry["at"] == "2026-11-23T10:00:00+08:00"


def test_a_batch_import_is_refused_to_an_idle_staff_session(world, desk):
    counter, session = desk
    world.clock.advance(minutes=11)
    with refused("err.staff.expired"):
        counter.batch_importer(session)
    with refused("err.staff.signed_out"):
        counter.batch_importer(None)   # type: ignore[arg-type]
