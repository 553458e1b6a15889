"""Registry rows at their boundaries: what is stored for a national and a resident (names
as the address table spells them, dates in ISO, the permit serial and household number in
capitals, dependants however separated, the valid card), and which value each bad row
names."""

from __future__ import annotations

import pytest

from kiosk.domain.counter.registry_import import import_registry
from kiosk.domain.registry import Registry
from store import Store

COLUMNS = ("id_no,name,birth_date,household_no,county,district,village,neighborhood,"
           "permit_issue_date,permit_expiry_date,permit_serial,dependants,card_no,"
           "card_issue_date\n")
NATIONAL = "A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,,,\n"
RESIDENT = "AC01234567,LAN,1992-08-20,,,,,,2024-03-01,2027-02-28,YE00012345,,,\n"


@pytest.fixture
def registry(tmp_path):
    return Registry(Store.open(tmp_path / "kiosk.json"))


def load(tmp_path, registry, *rows: str):
    path = tmp_path / "people.csv"
    path.write_text(COLUMNS + "".join(rows), "utf-8")
    return import_registry(path, registry)


def problems(report) -> list[tuple[int, str, str]]:
    return [(p.row, p.value, p.reason) for p in report.problems]


def test_a_national_is_stored_with_the_address_tables_names(tmp_path, registry):
    row = ("a123456789 , 王大明 ,69/5/12, ab123456 ,台北市,中正區,水源里, 12 ,,,,"
           "f229876540; e123456783 ,000011112222,104/03/02\n")
    report = load(tmp_path, registry, row)
    assert (report.added, problems(report)) == (1, [])
    assert registry.person("A123456789") == {
        "id_no": "A123456789", "name": "王大明", "birth_date": "1980-05-12",
        "household_no": "AB123456",
        "address": {"county": "臺北市", "district": "中正區", "village": "水源里",
                    "neighborhood": 12},
        "dependants": ["F229876540", "E123456783"],
        "card_no": "000011112222", "card_issue_date": "2015-03-02"}


def test_a_resident_is_stored_with_the_permit(tmp_path, registry):
    row = "ac01234567,NGUYEN THI LAN,1992-08-20,,,,,,113/3/1,2027-02-28, ye00012345 ,,,\n"
    assert load(tmp_path, registry, row).added == 1
    assert registry.person("AC01234567") == {
        "id_no": "AC01234567", "name": "NGUYEN THI LAN", "birth_date": "1992-08-20",
        "permit": {"issue_date": "2024-03-01", "expiry_date": "2027-02-28",
                   "serial": "YE00012345"},
        "dependants": []}


def test_a_resident_with_the_new_ui_number_gives_a_permit_too(tmp_path, registry):
    row = "A800000014,SMITH JOHN,1975-01-30,,,,,,2024-03-01,2027-02-28,YE00012345,,,\n"
    assert load(tmp_path, registry, row).added == 1
    assert registry.person("A800000014")["permit"]["serial"] == "YE00012345"
    assert "address" not in registry.person("A800000014")


def test_dependants_may_be_separated_by_commas_semicolons_or_spaces(tmp_path, registry):
    row = ('A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12,,,,'
           '"F229876540,E123456783 B220123455;;J128765432",,\n')
    assert load(tmp_path, registry, row).added == 1
    assert registry.person("A123456789")["dependants"] == [
        "F229876540", "E123456783", "B220123455", "J128765432"]


def test_a_name_of_40_characters_is_stored_and_41_refused(tmp_path, registry):
    forty, forty_one = "王" * 40, "王" * 41
    report = load(tmp_path, registry, NATIONAL.replace("王大明", forty),
                  RESIDENT.replace("LAN", forty_one))
    assert registry.person("A123456789")["name"] == forty
    assert problems(report) == [(2, forty_one, "registry.err.name")]


@pytest.mark.parametrize(("row", "value", "reason"), [
    (NATIONAL.replace("王大明", "王\x1b大明"), "王\\x1b大明", "import.row.control"),
    (NATIONAL.replace("1980-05-12", "1980/05/12x"), "1980/05/12x", "registry.err.birth"),
    (NATIONAL.replace("AB123456", ""), "", "registry.err.household"),
    (NATIONAL.replace(",12,", ",十二,"), "十二", "registry.err.neighborhood"),
    (NATIONAL.replace(",,,,,,", ",,,,A123456789,,"), "A123456789", "registry.err.dependant"),
    (RESIDENT.replace("2024-03-01", "2024-3-x"), "2024-3-x", "registry.err.permit"),
    (RESIDENT.replace("2027-02-28", "soon"), "2024-03-01", "registry.err.permit"),
    (RESIDENT.replace("YE00012345", "YE001"), "YE001", "registry.err.permit"),
    (RESIDENT.replace("YE00012345", "YE0001234567X"), "YE0001234567X", "registry.err.permit"),
    (RESIDENT.replace("YE00012345", "YE-0012345"), "YE-0012345", "registry.err.permit"),
    (NATIONAL.replace(",,\n", ",00001111222,2015-03-02\n"), "00001111222",
     "registry.err.card"),
    (NATIONAL.replace(",,\n", ",000011112222,\n"), "", "registry.err.card"),
    (NATIONAL.replace(",,\n", ",000011112222,2015-02-30\n"), "2015-02-30",
     "registry.err.card"),
])
def test_each_bad_value_is_named_with_its_reason(tmp_path, registry, row, value, reason):
    report = load(tmp_path, registry, row)
    assert problems(report) == [(1, value, reason)]
    assert registry.count() == 0


def test_a_permit_of_one_day_and_serials_of_6_and_12_characters_are_stored(tmp_path,
                                                                           registry):
    one_day = RESIDENT.replace("2027-02-28", "2024-03-01")
    six = RESIDENT.replace("AC01234567", "AD01234569").replace("YE00012345", "ye0001")
    twelve = RESIDENT.replace("AC01234567", "A800000014").replace("YE00012345",
                                                                  "YE0001234567")
    report = load(tmp_path, registry, one_day, six, twelve)
    assert (report.added, problems(report)) == (3, [])
    assert registry.person("AC01234567")["permit"]["expiry_date"] == "2024-03-01"
    assert registry.person("AD01234569")["permit"]["serial"] == "YE0001"
    assert registry.person("A800000014")["permit"]["serial"] == "YE0001234567"


def test_a_card_number_without_its_issue_date_columns_is_not_needed(tmp_path, registry):
    path = tmp_path / "people.csv"
    path.write_text("id_no,name,birth_date,household_no,county,district,village,neighborhood\n"
                    "A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12\n", "utf-8")
    assert import_registry(path, registry).added == 1
    assert "card_no" not in registry.person("A123456789")
