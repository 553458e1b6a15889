"""整批註冊, a unit's progress and what an import says about itself: every file a unit sends
adds to the people it submitted, one registered of one has reached 80 %, and the JSON
summary names the unit and its report file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.domain.counter.batch import Batch, BatchFileError, BatchReport, target_reached
from kiosk.domain.i18n import Catalog

UNIT = "110121009"


@pytest.fixture
def batch(world):
    return Batch(world.services)


def unit_file(folder: Path, text: str, day: str = "20160207", unit: str = UNIT) -> Path:
    path = folder / f"{unit}{day}.CSV"
    path.write_text(text, "utf-8")
    return path


def test_a_unit_of_one_person_registered_has_reached_the_target():
    assert target_reached(1, 1)
    assert not target_reached(0, 1)
    assert not target_reached(0, 0)


def test_each_file_a_unit_sends_adds_to_the_people_it_submitted(world, batch, tmp_path):
    reports = tmp_path / "reports"
    batch.import_file(unit_file(tmp_path, "A123456789,wang@example.com\n"
                                          "B220123455,nana@example.com\n"), reports,
                      Catalog("en"))
    batch.import_file(unit_file(tmp_path, "B220123455,nana@example.com\n"
                                          "E123456783,chen@example.com\n", day="20160301"),
                      reports, Catalog("en"))
    batch.import_file(unit_file(tmp_path, "F229876540,lin@example.com\n", unit="110121010"),
                      reports, Catalog("en"))
    assert batch.progress() == [(UNIT, 3, 3), ("110121010", 1, 1)]
    world.services.accounts.modify("E123456783", lambda _a: {"state": "suspended"})
    assert batch.progress() == [(UNIT, 2, 3), ("110121010", 1, 1)]


def test_the_json_summary_names_the_unit_and_its_report(tmp_path, capsys):
    db = tmp_path / "data" / "kiosk.json"
    path = unit_file(tmp_path, "A123456789,wang@example.com\n")
    assert main(["batch", "import", str(path), "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"unit": UNIT, "imported": 1, "rejected": 0, "already_registered": 0,
                       "duplicates": 0,
                       "report": str(db.parent / "reports" / f"{UNIT}20160207-report.csv")}


def test_a_summary_without_a_report_file_says_null():
    assert BatchReport(UNIT).to_json()["report"] is None


def test_a_report_that_cannot_be_written_says_why(world, batch, tmp_path):
    reports = tmp_path / "reports"
    reports.write_text("a file where the folder should be")
    with pytest.raises(BatchFileError) as info:
        batch.import_file(unit_file(tmp_path, "A123456789,wang@example.com\n"), reports,
                          Catalog("en"))
    assert (info.value.key, info.value.params) == ("import.write.report",
                                                   {"detail": "File exists"})
    assert Catalog("en").t(info.value.key, **info.value.params) == (
        "The report file cannot be written (File exists); nothing was imported.")
    assert batch.progress() == []
