"""A JSON registry file against the limits of docs/import-limits.md, at each boundary: the
brackets and commas counted before parsing, the rows, a key's and a value's length, a
number's digits (parsed or where the parser stopped), and the message each refusal shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.domain.counter.registry_import import import_registry
from kiosk.domain.i18n import Catalog
from kiosk.domain.registry import Registry
from kiosk.domain.rows import ImportFileError
from store import Store

PERSON = {"id_no": "A123456789", "name": "王大明", "birth_date": "1980-05-12",
          "household_no": "AB123456", "county": "臺北市", "district": "中正區",
          "village": "水源里", "neighborhood": 12}


@pytest.fixture
def registry(tmp_path):
    return Registry(Store.open(tmp_path / "kiosk.json"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.json"
    path.write_text(text, "utf-8")
    return path


def person_with(**extra: object) -> str:
    return json.dumps([PERSON | extra], ensure_ascii=False)


def refusal(path: Path, registry: Registry) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        import_registry(path, registry)
    assert registry.count() == 0
    return info.value


def en(error: ImportFileError) -> str:
    return Catalog("en").t(error.key, **error.params)


# -- brackets and commas, counted before the file is parsed ------------------------------
def test_200_001_brackets_are_parsed_and_200_002_refused_as_too_many_rows(tmp_path, registry):
    # one list of 200,000 objects has 200,001 brackets: that many are still parsed (and
    # this file, nested too deep, is then a JSON message); one more is refused unparsed
    for bracket in ("[", "{"):
        at_limit = refusal(write(tmp_path, bracket * 200_001), registry)
        assert at_limit.key == "import.parse.json"
        over = refusal(write(tmp_path, bracket * 200_002), registry)
        assert (over.key, over.params) == ("import.limit.rows", {"limit": "200,000"})


def test_brackets_of_both_kinds_count_together(tmp_path, registry):
    error = refusal(write(tmp_path, "[" * 100_001 + "{" * 100_001), registry)
    assert error.key == "import.limit.rows"


def test_6_400_000_commas_are_parsed_and_one_more_is_refused(tmp_path, registry):
    # 32 commas for each of the 200,000 rows a file may have
    at_limit = refusal(write(tmp_path, "x" + "," * 6_400_000), registry)
    assert at_limit.key == "import.parse.json"
    over = refusal(write(tmp_path, "x" + "," * 6_400_001), registry)
    assert (over.key, over.params) == ("import.limit.rows", {"limit": "200,000"})


def test_a_thousand_real_rows_of_many_fields_are_not_too_many_commas(tmp_path, registry):
    rows = [PERSON | {"id_no": "A123456789" if i == 0 else "B220123455",
                      "permit_issue_date": "", "permit_expiry_date": "", "permit_serial": "",
                      "dependants": "", "card_no": "", "card_issue_date": ""}
            for i in range(1000)]
    report = import_registry(write(tmp_path, json.dumps(rows, ensure_ascii=False)), registry)
    assert report.added == 2 and len(report.problems) == 998   # the repeats


# -- rows ------------------------------------------------------------------------------
def test_a_list_of_200_000_values_is_read_and_200_001_refused(tmp_path, registry):
    at_limit = refusal(write(tmp_path, "[" + "1," * 199_999 + "1]"), registry)
    assert (at_limit.key, at_limit.params) == ("import.parse.shape", {"row": 1})
    over = refusal(write(tmp_path, "[" + "1," * 200_000 + "1]"), registry)
    assert (over.key, over.params) == ("import.limit.rows", {"limit": "200,000"})
    assert en(over) == "The file has more than 200,000 rows; split it into smaller files."


def test_json_rows_are_numbered_from_one(tmp_path, registry):
    rows = [PERSON, PERSON | {"id_no": "A123456788"}, PERSON | {"id_no": "B220123455"}]
    report = import_registry(write(tmp_path, json.dumps(rows, ensure_ascii=False)), registry)
    assert [(p.row, p.value, p.reason) for p in report.problems] == [
        (2, "A123456788", "registry.err.id")]
    assert report.added == 2


def test_a_file_that_is_not_a_list_says_so(tmp_path, registry):
    error = refusal(write(tmp_path, json.dumps(PERSON, ensure_ascii=False)), registry)
    assert (error.key, error.params) == ("import.err.file",
                                         {"detail": "expected a list of objects"})
    assert en(error) == "the file cannot be read: expected a list of objects"


def test_a_json_syntax_error_names_its_line_column_and_cause(tmp_path, registry):
    error = refusal(write(tmp_path, '[{"id_no": "A123456789"},\n  x]'), registry)
    assert error.key == "import.parse.json"
    assert error.params == {"line": 2, "column": 3, "detail": "unexpected character, "
                                                              "expected a JSON value"}
    assert en(error) == ("The JSON cannot be read at line 2, column 3 (unexpected character, "
                         "expected a JSON value); the file was not imported.")


# -- keys and values -------------------------------------------------------------------
def test_a_key_of_1000_characters_is_read_and_1001_refused_naming_the_row(tmp_path, registry):
    assert import_registry(write(tmp_path, person_with(**{"k" * 1000: "x"})),
                           registry).added == 1
    registry = Registry(Store.open(tmp_path / "other.json"))
    text = json.dumps([PERSON, PERSON | {"k" * 1001: "x"}], ensure_ascii=False)
    error = refusal(write(tmp_path, text), registry)
    assert (error.key, error.params) == ("import.limit.field", {"row": 2, "limit": "1,000"})


def test_a_value_of_1000_characters_is_read_and_1001_refused_naming_the_row(tmp_path,
                                                                           registry):
    assert import_registry(write(tmp_path, person_with(note="n" * 1000)), registry).added == 1
    registry = Registry(Store.open(tmp_path / "other.json"))
    text = json.dumps([PERSON, PERSON | {"note": "n" * 1001}], ensure_ascii=False)
    error = refusal(write(tmp_path, text), registry)
    assert (error.key, error.params) == ("import.limit.field", {"row": 2, "limit": "1,000"})


def test_null_and_true_false_values_are_read(tmp_path, registry):
    report = import_registry(write(tmp_path, person_with(card_no=None, note=True, other=False)),
                             registry)
    assert (report.added, report.problems) == (1, [])


def test_a_number_of_15_digits_is_read_and_10_to_the_15_refused(tmp_path, registry):
    assert import_registry(write(tmp_path, person_with(note=999_999_999_999_999)),
                           registry).added == 1
    assert import_registry(write(tmp_path, person_with(note=-999_999_999_999_999)),
                           registry).unchanged == 1
    for number in (10**15, -(10**15), 1e15):
        registry = Registry(Store.open(tmp_path / "other.json"))
        error = refusal(write(tmp_path, person_with(note=number)), registry)
        assert (error.key, error.params) == ("import.limit.number", {"row": 1, "limit": 15})


# -- a number the parser stops at ------------------------------------------------------
@pytest.mark.parametrize("number", ["01234", "0999999999999999", "01.2.3", "01e5e5"])
def test_a_malformed_number_of_15_digits_or_less_is_a_json_message(tmp_path, registry, number):
    error = refusal(write(tmp_path, '[{"id_no": ' + number + "}]"), registry)
    assert error.key == "import.parse.json"
    assert (error.params["line"], error.params["column"]) == (1, 12)


@pytest.mark.parametrize("number", ["01000000000000000", "04000000000000000"])
def test_a_malformed_number_of_16_digits_is_a_number_message(tmp_path, registry, number):
    error = refusal(write(tmp_path, '[\n{"id_no": ' + number + "}]"), registry)
    assert (error.key, error.params) == ("import.limit.number_at", {"line": 2, "limit": 15})


# -- what the import says it did -------------------------------------------------------
def test_the_json_report_counts_added_updated_and_unchanged_and_lists_the_rejected(
        tmp_path, capsys):
    db = tmp_path / "data" / "kiosk.json"
    other = PERSON | {"id_no": "B220123455", "name": "林小美"}
    path = write(tmp_path, json.dumps([PERSON, other], ensure_ascii=False))
    assert main(["registry", "import", str(path), "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    third = PERSON | {"id_no": "E123456783", "name": "陳小華"}
    path = write(tmp_path, json.dumps([PERSON | {"neighborhood": 13}, other, third,
                                       PERSON | {"id_no": "bad"}], ensure_ascii=False))
    assert main(["registry", "import", str(path), "--db", str(db), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "added": 1, "updated": 1, "unchanged": 1,
        "rejected": [{"row": 4, "value": "BAD", "reason": "registry.err.id"}]}
