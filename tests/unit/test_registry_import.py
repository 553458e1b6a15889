"""Loading registry facts from the operator's CSV or JSON file."""

from __future__ import annotations

import json

import pytest

from kiosk.domain.counter.registry_import import import_registry
from kiosk.domain.registry import Registry
from kiosk.domain.rows import ImportFileError
from store import Store

HEADER = ("id_no,name,birth_date,household_no,county,district,village,neighborhood,"
          "permit_issue_date,permit_expiry_date,permit_serial,dependants\n")
GOOD_ROWS = (
    "A123456789,王大明,1980-05-12,ab123456,台北市,中正區,水源里,12,,,,F229876540\n"
    "F229876540,林小美,107/03/03,AB123456,臺北市,中正區,水源里,12,,,,\n"
    "AC01234567,NGUYEN THI LAN,1992-08-20,,,,,,2024-03-01,2027-02-28,ye00012345,\n"
)


@pytest.fixture
def registry(tmp_path):
    return Registry(Store.open(tmp_path / "kiosk.json"))


def write(tmp_path, text, name="people.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_rows_are_stored_normalised(tmp_path, registry):
    report = import_registry(write(tmp_path, HEADER + GOOD_ROWS), registry)
    assert (report.added, report.updated, report.unchanged, report.problems) == (3, 0, 0, [])
    wang = registry.person("A123456789")
    assert wang["household_no"] == "AB123456"
    assert wang["address"] == {"county": "臺北市", "district": "中正區", "village": "水源里",
                               "neighborhood": 12}
    assert registry.person("F229876540")["birth_date"] == "2018-03-03"  # ROC 107/03/03
    assert [p["name"] for p in registry.dependants_of("A123456789")] == ["林小美"]
    assert registry.person("AC01234567")["permit"]["serial"] == "YE00012345"


def test_reimport_is_idempotent_and_changes_are_counted(tmp_path, registry):
    path = write(tmp_path, HEADER + GOOD_ROWS)
    import_registry(path, registry)
    again = import_registry(path, registry)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    moved = GOOD_ROWS.replace("水源里,12,,,,F", "水源里,13,,,,F")
    changed = import_registry(write(tmp_path, HEADER + moved), registry)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    renamed = moved.replace("王大明", "王大同").replace("林小美", "林小華")
    both = import_registry(write(tmp_path, HEADER + renamed), registry)
    assert (both.added, both.updated, both.unchanged) == (0, 2, 1)


def test_cp950_file_from_excel(tmp_path, registry):
    report = import_registry(write(tmp_path, HEADER + GOOD_ROWS, encoding="cp950"), registry)
    assert report.added == 3 and registry.person("A123456789")["name"] == "王大明"


def test_json_file(tmp_path, registry):
    rows = [{"id_no": "A123456789", "name": "王大明", "birth_date": "1980-05-12",
             "household_no": "AB123456", "county": "臺北市", "district": "中正區",
             "village": "水源里", "neighborhood": 12}]
    path = tmp_path / "people.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    assert import_registry(path, registry).added == 1


@pytest.mark.parametrize(
    ("row", "value", "reason"),
    [
        ("A123456788,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,", "A123456788",
         "registry.err.id"),
        ("A123456789,,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,", "", "registry.err.name"),
        ("A123456789,王大明,1980-13-12,AB123456,臺北市,中正區,水源里,12,,,,", "1980-13-12",
         "registry.err.birth"),
        ("A123456789,王大明,1980-05-12,123456,臺北市,中正區,水源里,12,,,,", "123456",
         "registry.err.household"),
        ("A123456789,王大明,1980-05-12,AB123456,火星市,中正區,水源里,12,,,,", "火星市",
         "registry.err.address"),
        ("A123456789,王大明,1980-05-12,AB123456,臺北市,板橋區,水源里,12,,,,", "板橋區",
         "registry.err.address"),
        ("A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,留侯里,12,,,,", "留侯里",
         "registry.err.address"),
        ("A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,0,,,,", "0",
         "registry.err.neighborhood"),
        ("AC01234567,LAN,1992-08-20,,,,,,2027-03-01,2024-02-28,YE00012345,", "YE00012345",
         "registry.err.permit"),
        ("AC01234567,LAN,1992-08-20,,,,,,2024-03-01,2027-02-28,,", "", "registry.err.permit"),
        ("A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,X1", "X1",
         "registry.err.dependant"),
    ],
)
def test_each_bad_row_is_reported_and_the_rest_kept(tmp_path, registry, row, value, reason):
    good = "F229876540,林小美,2018-03-03,AB123456,臺北市,中正區,水源里,12,,,,\n"
    report = import_registry(write(tmp_path, HEADER + row + "\n" + good), registry)
    assert [(p.row, p.value, p.reason) for p in report.problems] == [(1, value, reason)]
    assert report.added == 1 and registry.person("F229876540") is not None


def test_duplicates_inside_the_file_are_reported(tmp_path, registry):
    first = GOOD_ROWS.splitlines()[0]
    report = import_registry(write(tmp_path, HEADER + first + "\n" + first + "\n"), registry)
    assert report.added == 1
    assert [(p.row, p.reason) for p in report.problems] == [(2, "registry.err.duplicate")]


@pytest.mark.parametrize(("name", "content", "key"), [
    ("people.json", b"{not json", "import.parse.json"),     # says where: line 1, column 2
    ("people.json", b'{"id_no": 1}', "import.err.file"),
    ("people.csv", b"name,phone\nx,y\n", "import.err.file"),
    ("people.csv", b"\xff\xfe\xff\xff\x81", "import.err.file")])
def test_unreadable_files_are_one_clear_error(tmp_path, registry, name, content, key):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as info:
        import_registry(path, registry)
    assert info.value.key == key
    assert registry.count() == 0


def test_rows_are_numbered_by_their_line_blank_lines_included(tmp_path, registry):
    """Row n is line n + 1 of the file (the header is line 1), so an operator finds it."""
    bad = "A123456788,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,\n"
    report = import_registry(write(tmp_path, HEADER + GOOD_ROWS + "\n\n" + bad), registry)
    assert [(p.row, p.reason) for p in report.problems] == [(6, "registry.err.id")]


def test_a_stored_person_missing_a_field_is_a_message_not_a_key_error(tmp_path, registry):
    from datetime import date

    from kiosk.domain.errors import BrokenRecord
    from kiosk.domain.i18n import Catalog
    from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof

    registry.put({"id_no": "A123456789", "name": "王大明", "household_no": "AB123456",
                  "address": {"county": "臺北市", "district": "中正區"}})
    registry.put({"id_no": "AC01234567", "name": "LAN", "permit": {"serial": "YE00012345"}})
    proofs = [("A123456789", NationalProof("AB123456",
                                           AddressFacts("臺北市", "中正區", "水源里", 12))),
              ("AC01234567", ResidentProof(date(2024, 3, 1), date(2027, 2, 28), "YE00012345"))]
    for id_no, proof in proofs:
        with pytest.raises(BrokenRecord) as info:
            registry.matches(id_no, proof)
        assert info.value.field == "registry"
    assert Catalog("zh-TW").t(info.value.key, **info.value.params) == (
        "儲存的資料不完整（registry），請洽櫃檯人員。")


def test_missing_file(tmp_path, registry):
    with pytest.raises(ImportFileError):
        import_registry(tmp_path / "nope.csv", registry)
