"""整批註冊, row by row: which first row is a header, what each good row stores (the phone as
typed without spaces, the unit it came from), the value each bad row names, and the
progress an import reports as it goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain.counter.batch import Batch, parse_rows
from kiosk.domain.i18n import Catalog
from kiosk.domain.validate import is_valid_id
from tests.unit.domain_fixtures import NOW

UNIT = "110121009"


@pytest.fixture
def batch(world):
    return Batch(world.services)


def unit_file(folder: Path, text: str) -> Path:
    path = folder / f"{UNIT}20160207.CSV"
    path.write_text(text, "utf-8")
    return path


def reasons(text: str) -> list[tuple[int, str, str]]:
    return [(p.row, p.value, p.reason) for p in parse_rows(text)[1]]


def test_a_first_row_that_is_not_an_id_and_an_address_is_a_header():
    good, problems, _ = parse_rows("ID,E-mail\nA123456789,wang@example.com\n")
    assert [g.id_no for g in good] == ["A123456789"] and problems == []
    good, problems, _ = parse_rows("\n\n身分證號\nA123456789,wang@example.com\n")
    assert [g.id_no for g in good] == ["A123456789"] and problems == []


def test_a_first_row_with_a_mistyped_id_is_reported_not_taken_for_a_header():
    assert reasons("A12345678,wang@example.com\n") == [
        (1, "A12345678", "batch.err.id")]          # not ID-shaped, but an address follows
    assert reasons("A123456788,not-an-address\n") == [
        (1, "A123456788", "batch.err.id")]          # ID-shaped: a row, whatever follows


def test_only_the_first_row_can_be_a_header():
    assert reasons("身分證號,電子郵件\n身分證號,電子郵件\nA123456789,wang@example.com\n") == [
        (2, "身分證號", "batch.err.id")]


def test_a_good_row_keeps_its_id_in_capitals_its_address_and_its_phone_without_spaces():
    (row,), problems, _ = parse_rows(" a123456789 , wang@example.com , (02) 2345 6789#12 \n")
    assert problems == []
    assert (row.line, row.id_no, row.email, row.phone) == (
        1, "A123456789", "wang@example.com", "0223456789#12")


def test_a_row_may_leave_out_the_phone_and_a_blank_phone_is_empty():
    (a, b), problems, _ = parse_rows("A123456789,wang@example.com\nB220123455,n@example.com,\n")
    assert (a.phone, b.phone, problems) == ("", "", [])


@pytest.mark.parametrize(("text", "value", "reason"), [
    ("A123456789\n", "A123456789", "batch.err.no_email"),
    ("A123456789,  \n", "A123456789", "batch.err.no_email"),
    ("a123456789,wang@\n", "wang@", "batch.err.email"),
    ("A123456789,wang@example.com,0912-34\n", "0912-34", "batch.err.phone"),
    ("A123456789,wang@example.com\x00,\n", "wang@example.com\\x00", "import.row.control"),
    ("A123456789,wang@example.com,09123\x1b45678\n", "09123\\x1b45678",
     "import.row.control"),
])
def test_each_bad_cell_is_named(text, value, reason):
    assert reasons("身分證號,電子郵件,手機\n" + text) == [(2, value, reason)]


def test_a_control_character_after_the_third_cell_is_ignored():
    good, problems, _ = parse_rows("A123456789,wang@example.com,,note\x00\n")
    assert [g.id_no for g in good] == ["A123456789"] and problems == []


def test_an_overlong_bad_value_is_echoed_cut_short():
    value = "x" * 100 + "@"
    assert reasons("A123456789," + value + "\n") == [(1, "x" * 79 + "…", "batch.err.email")]


def test_an_import_records_the_unit_and_when_and_reports_its_progress(world, batch, tmp_path):
    ids = [f"A{n:08d}" for n in range(10_000_000, 10_001_200)]
    valid = [f"{i}{d}" for i in ids for d in "0123456789" if is_valid_id(f"{i}{d}")][:1001]
    text = "".join(f"{id_no},p{n}@example.com\n" for n, id_no in enumerate(valid))
    seen: list[tuple[int, int]] = []
    world.clock.advance(hours=2)
    report = batch.import_file(unit_file(tmp_path, text), tmp_path / "reports", Catalog("en"),
                               lambda done, total: seen.append((done, total)))
    assert report.imported == 1001
    assert seen == [(1000, 1001), (1001, 1001)]
    account = world.services.accounts.get_by_id(valid[0])
    when = NOW.replace(hour=12).isoformat()
    assert (account["registered_via"], account["created_at"], account["confirmed_at"]) == (
        f"batch:{UNIT}", when, when)
    assert account["email"] == "p0@example.com" and account["name"] == ""


def test_an_import_of_one_row_reports_its_progress_once(batch, tmp_path):
    seen: list[tuple[int, int]] = []
    batch.import_file(unit_file(tmp_path, "A123456789,wang@example.com\n"),
                      tmp_path / "reports", Catalog("en"),
                      lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]


def test_the_report_file_has_a_header_of_row_value_reason_and_code(batch, tmp_path):
    import csv

    report = batch.import_file(unit_file(tmp_path, "A123456788,wang@example.com\n"),
                               tmp_path / "reports", Catalog("en"))
    with report.report.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["Row", "Value", "Reason", "code"],
                    ["1", "A123456788", "the ID or ARC/UI number is not valid", "batch.err.id"]]
    assert report.report.name == f"{UNIT}20160207-report.csv"


@pytest.mark.parametrize("text", [
    "A123456789,a@example.com\nB220123455,b@example.com\n"
    "A123456789,c@example.com\nB220123455,d@example.com\n",      # two IDs twice each
    "A123456789,a@example.com\nA123456789,c@example.com\n"
    "A123456789,d@example.com\nB220123455,b@example.com\n",      # one ID three times
])
def test_every_repeat_of_an_id_is_counted_as_a_duplicate(text):
    good, problems, duplicates = parse_rows(text)
    assert [g.id_no for g in good] == ["A123456789", "B220123455"]
    assert duplicates == 2
    assert [p.reason for p in problems] == ["batch.err.duplicate"] * 2
