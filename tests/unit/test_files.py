"""Papers and reports the kiosk writes for a person, and how it shows where they went."""

from __future__ import annotations

import stat

import pytest

from kiosk.domain.files import shown_path, spreadsheet_cell, write_private


def test_a_path_under_home_is_shown_from_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "wang"))
    assert shown_path(tmp_path / "wang" / "papers" / "slip-1.svg") == "~/papers/slip-1.svg"
    assert shown_path(tmp_path / "wang") == "~"


def test_a_path_outside_home_is_shown_whole(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "wang"))
    # a neighbour whose name starts like home's is not inside it
    assert shown_path(tmp_path / "wangda" / "x.csv") == str(tmp_path / "wangda" / "x.csv")
    assert shown_path(tmp_path / "srv" / "units") == str(tmp_path / "srv" / "units")


def test_a_paper_is_private_whole_and_leaves_no_temporary_file(tmp_path):
    path = write_private(tmp_path / "papers" / "slip.svg", "<svg>一</svg>")
    assert path.read_text("utf-8") == "<svg>一</svg>"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    write_private(path, "<svg>二</svg>")   # written again: replaced, still private
    assert path.read_text("utf-8") == "<svg>二</svg>"
    assert sorted(p.name for p in path.parent.iterdir()) == ["slip.svg"]


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(cell):
    assert spreadsheet_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["王小明", "a=b", "", 42, -1])
def test_any_other_cell_is_written_as_it_is(cell):
    assert spreadsheet_cell(cell) == cell


def test_a_paper_in_folders_that_do_not_exist_yet_makes_them(tmp_path):
    path = write_private(tmp_path / "share" / "nhi-kiosk" / "papers" / "slip.svg", "<svg/>")
    assert path == tmp_path / "share" / "nhi-kiosk" / "papers" / "slip.svg"
    assert path.read_text("utf-8") == "<svg/>"
