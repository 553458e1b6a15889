"""Reading an operator's data file, at each boundary: the bytes read (a file's size, or a
device that never ends), the lines counted, a line's and a cell's length, the header, the
encodings, the dates, a value echoed back and a control character in a value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kiosk.domain.counter.registry_import import import_registry
from kiosk.domain.i18n import Catalog
from kiosk.domain.registry import Registry
from kiosk.domain.rows import (
    ImportFileError,
    check_lines,
    csv_records,
    date_of,
    read_bounded,
    read_rows,
    shown,
    text_of,
)
from store import Store

HEADER = "id_no,name,birth_date,household_no,county,district,village,neighborhood\n"
PERSON = "A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12\n"
OTHER = "B220123455,歐陽娜娜,2000-06-15,AB123457,臺北市,中正區,水源里,12\n"


class OwnError(ImportFileError):
    pass


@pytest.fixture
def registry(tmp_path):
    return Registry(Store.open(tmp_path / "kiosk.json"))


def csv_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode(encoding))
    return path


# -- bytes -----------------------------------------------------------------------------
def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_refused(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a" * 2**20)
    assert read_bounded(path, 2**20) == b"a" * 2**20
    path.write_bytes(b"a" * (2**20 + 1))
    with pytest.raises(OwnError) as info:
        read_bounded(path, 2**20, error=OwnError)
    assert (info.value.key, info.value.params) == ("import.limit.file", {"limit": 1})
    assert Catalog("en").t(info.value.key, **info.value.params) == (
        "The file is larger than 1 MB; split it into smaller files.")


def test_a_device_that_never_ends_is_refused_after_the_limit():
    with pytest.raises(ImportFileError) as info:
        read_bounded(Path("/dev/zero"), 3 * 2**20)
    assert (info.value.key, info.value.params) == ("import.limit.file", {"limit": 3})


def test_an_unreadable_file_says_why_under_the_callers_key(tmp_path):
    with pytest.raises(OwnError) as info:
        read_bounded(tmp_path, 2**20, error=OwnError, unreadable="batch.err.read")
    assert (info.value.key, info.value.params) == ("batch.err.read",
                                                   {"detail": "Is a directory"})
    with pytest.raises(ImportFileError) as missing:
        read_bounded(tmp_path / "nope.csv", 2**20)
    assert (missing.value.key, missing.value.params) == (
        "import.err.file", {"detail": "No such file or directory"})


# -- lines -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "lines"), [
    ("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("a\r\nb\r\n", 2), ("a\rb\r", 2),
    ("a\r\n\r\nb", 3), ("\n\n\n", 3),
])
def test_lines_are_counted_whatever_their_ending(text, lines):
    check_lines(text, lines)
    if lines:
        with pytest.raises(OwnError) as info:
            check_lines(text, lines - 1, OwnError)
        assert (info.value.key, info.value.params) == ("import.limit.rows",
                                                       {"limit": f"{lines - 1:,}"})


def test_the_row_limit_is_shown_with_thousands_separators():
    with pytest.raises(ImportFileError) as info:
        check_lines("\n" * 1001, 1000)
    assert info.value.params == {"limit": "1,000"}


def test_a_line_of_10_000_characters_is_read_and_10_001_refused_naming_its_record():
    at_limit = ("x" * 99 + ",") * 99 + "x" * 99 + "\n"          # 10,000 with its break
    assert len(at_limit) == 10_000
    assert [n for n, _ in csv_records("a\n" + at_limit, first=5)] == [5, 6]
    with pytest.raises(OwnError) as info:
        list(csv_records("a\n" + "x" + at_limit, OwnError, first=5))
    assert (info.value.key, info.value.params) == ("import.limit.line",
                                                   {"row": 6, "limit": "10,000"})


def test_a_cell_of_1000_characters_is_read_and_1001_refused_naming_its_record():
    assert list(csv_records("a\nb," + "x" * 1000 + "\n")) == [(1, ["a"]),
                                                            (2, ["b", "x" * 1000])]
    with pytest.raises(OwnError) as info:
        list(csv_records("a\nb,\"" + "x\n" * 500 + "y\"\n", OwnError))   # quoted, spanning
    assert (info.value.key, info.value.params) == ("import.limit.field",
                                                   {"row": 2, "limit": "1,000"})


def test_a_record_the_csv_reader_refuses_is_named_with_the_readers_reason():
    """A quoted cell spanning lines of under 10,000 characters each, 135,000 in all: the
    csv module stops at its own field limit (131,072) before the cell limit is checked."""
    text = "a\nb,\"" + ("x" * 8_999 + "\n") * 15 + "\"\n"
    with pytest.raises(OwnError) as info:
        list(csv_records(text, OwnError))
    assert info.value.key == "import.parse.csv" and info.value.params["row"] == 2
    shown = Catalog("en").t(info.value.key, **info.value.params)
    assert shown.startswith("Row 2 cannot be read as CSV (field larger than field limit")


def test_records_are_numbered_from_one_unless_told():
    assert [n for n, _ in csv_records("a\nb\n")] == [1, 2]


# -- the header and the encodings ------------------------------------------------------
def test_header_names_are_read_without_blanks_and_rows_numbered_after_it(tmp_path):
    path = csv_file(tmp_path, " id_no , name \nA123456789, 王大明\n\nB220123455\n")
    assert list(read_rows(path, "id_no")) == [
        (1, {"id_no": "A123456789", "name": " 王大明"}), (3, {"id_no": "B220123455"})]


@pytest.mark.parametrize("text", ["name,phone\nx,y\n", ""])
def test_a_csv_without_the_key_column_says_so(tmp_path, text):
    with pytest.raises(ImportFileError) as info:
        read_rows(csv_file(tmp_path, text), "id_no")
    assert (info.value.key, info.value.params) == (
        "import.err.file", {"detail": "the header has no id_no column"})


def test_a_file_in_neither_encoding_says_so(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"id_no\n\xff\xfe\xff\xff\x81\n")
    with pytest.raises(ImportFileError) as info:
        read_rows(path, "id_no")
    assert (info.value.key, info.value.params) == ("import.err.file",
                                                   {"detail": "neither UTF-8 nor cp950"})


def test_cp950_and_utf8_with_a_bom_are_read(tmp_path, registry):
    assert import_registry(csv_file(tmp_path, HEADER + PERSON, "cp950"), registry).added == 1
    assert registry.person("A123456789")["name"] == "王大明"
    path = csv_file(tmp_path, HEADER + PERSON + OTHER, "utf-8-sig")
    assert import_registry(path, registry).added == 1


def test_a_json_file_with_a_bom_is_read_and_one_not_in_utf8_refused(tmp_path, registry):
    path = tmp_path / "people.JSON"
    path.write_bytes('[{"id_no": "x"}]'.encode("utf-8-sig"))
    assert [p.row for p in import_registry(path, registry).problems] == [1]
    path.write_bytes('[{"id_no": "王"}]'.encode("cp950"))
    with pytest.raises(ImportFileError) as info:
        import_registry(path, registry)
    assert info.value.key == "import.err.file" and "utf-8" in str(info.value.params["detail"])


# -- values ----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "day"), [
    ("1980-05-12", date(1980, 5, 12)), (" 69/5/12 ", date(1980, 5, 12)),
    ("69.05.12", date(1980, 5, 12)), ("107-3-3", date(2018, 3, 3)),
])
def test_dates_are_iso_or_roc(text, day):
    assert date_of(text) == day


@pytest.mark.parametrize("text", ["1980/05/12", "1/5/12", "69/5/12/1", "69/13/1", ""])
def test_other_dates_are_refused(text):
    with pytest.raises(ValueError):
        date_of(text)


def test_text_of_a_missing_or_null_value_is_empty_and_a_number_is_its_digits():
    row = {"name": " 王大明 ", "neighborhood": 12, "card_no": None}
    assert (text_of(row, "name"), text_of(row, "neighborhood"), text_of(row, "card_no"),
            text_of(row, "village")) == ("王大明", "12", "", "")


def test_a_value_is_echoed_whole_up_to_80_characters_and_cut_after():
    assert shown("x" * 80) == "x" * 80
    assert shown("x" * 81) == "x" * 79 + "…"
    assert shown("a\x00b\x1b[2J\u202e") == "a\\x00b\\x1b[2J\\u202e"
    assert shown(12) == "12"


def test_blanks_around_a_value_are_not_control_characters_but_one_inside_is(tmp_path,
                                                                            registry):
    text = (HEADER + PERSON.replace("王大明", "王大明\t")
            + OTHER.replace("中正區", "中正\t區").replace("歐陽娜娜", "歐陽\x00娜娜"))
    report = import_registry(csv_file(tmp_path, text), registry)
    assert report.added == 1 and registry.person("A123456789")["name"] == "王大明"
    assert [(p.row, p.value, p.reason) for p in report.problems] == [
        (2, "歐陽\\x00娜娜", "import.row.control")]                  # the first one named
