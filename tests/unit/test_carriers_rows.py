"""One line of an operator's carrier file: what is kept, the value and reason a bad row is
reported with, and the order in which the directory refuses a number (seed 001 Q9)."""

import pytest

from kiosk.domain.binding.carriers import (
    MAX_CARRIER_NAME,
    CarrierDirectory,
    PhoneRefused,
    carrier_code,
    line_from_row,
    normalize_mobile,
)
from kiosk.domain.rows import BadRow
from store import Store

HOLDER = "A123456789"


def row(**changes: str) -> dict[str, str]:
    base = {"phone": "0911222333", "carrier": "cht", "mvno": "", "plan": "", "status": "",
            "holder_id": HOLDER}
    return {**base, **changes}


def bad(**changes: str) -> tuple[str, str]:
    with pytest.raises(BadRow) as info:
        line_from_row(row(**changes))
    return info.value.value, info.value.reason


def test_a_plain_line_is_a_monthly_active_line_of_its_holder():
    assert line_from_row(row(phone="0911-222 333", holder_id="a123456789")) == {
        "phone": "0911222333", "carrier": "cht", "mvno": False, "plan": "monthly",
        "holder_id": HOLDER, "status": "active"}


def test_each_bad_column_is_reported_with_its_value_and_reason():
    assert bad(phone="02-23456789") == ("02-23456789", "carriers.err.phone")
    assert bad(carrier="  ") == ("", "carriers.err.carrier")
    assert bad(mvno="Maybe") == ("maybe", "carriers.err.mvno")
    assert bad(plan="Family") == ("family", "carriers.err.plan")
    assert bad(status="Closed") == ("closed", "carriers.err.status")
    assert bad(holder_id="a123456788") == ("A123456788", "carriers.err.holder")
    assert bad(holder_id="") == ("", "carriers.err.holder")


def test_a_carrier_name_of_40_characters_is_kept_and_41_refused():
    assert MAX_CARRIER_NAME == 40
    name = "某" * 40
    assert line_from_row(row(carrier=name))["carrier"] == name
    assert bad(carrier=name + "某") == (name + "某", "import.row.long")


@pytest.mark.parametrize(("word", "mvno"), [
    ("1", True), ("TRUE", True), ("yes", True), ("Y", True), ("是", True),
    ("", False), ("0", False), ("false", False), ("No", False), ("n", False), ("否", False)])
def test_the_mvno_column_reads_the_usual_words(word, mvno):
    assert line_from_row(row(mvno=word))["mvno"] is mvno


def test_plan_and_status_are_read_in_any_case():
    line = line_from_row(row(plan="PREPAID", status="Suspended"))
    assert (line["plan"], line["status"]) == ("prepaid", "suspended")


def test_a_company_line_may_have_no_holder_and_is_kept_without_one():
    assert line_from_row(row(plan="company", holder_id=""))["holder_id"] is None


@pytest.mark.parametrize(("name", "code"), [
    ("中華電信", "cht"), ("Chunghwa  Telecom", "cht"), ("FET", "fet"), ("遠傳", "fet"),
    ("臺灣大哥大", "twm"), ("taiwan mobile", "twm"), ("T Star", "tstar"), ("台灣之星", "tstar"),
    ("亞太電信", "aptg"), ("GT", "aptg"), ("某某行動", None)])
def test_the_five_carriers_are_known_by_code_or_usual_name(name, code):
    assert carrier_code(name) == code


def test_a_carrier_outside_the_five_is_kept_by_its_name():
    assert line_from_row(row(carrier="某某行動"))["carrier"] == "某某行動"


def test_mobile_numbers_are_kept_without_blanks_dashes_or_brackets():
    assert normalize_mobile(" (0911)-222 333 ") == "0911222333"


@pytest.fixture
def directory(tmp_path):
    lines = CarrierDirectory(Store.open(tmp_path / "kiosk.json"))
    return lines


def refusal(directory, line: dict, id_no: str = HOLDER) -> str | None:
    directory.put_many([{"phone": "0911222333", "carrier": "cht", "mvno": False,
                         "plan": "monthly", "holder_id": HOLDER, "status": "active", **line}])
    try:
        directory.check("0911-222-333", id_no)
    except PhoneRefused as error:
        assert error.key == f"err.phone.{error.reason}"
        return error.reason
    return None


def test_a_working_monthly_line_of_the_holder_passes(directory):
    assert refusal(directory, {}, id_no=" a123456789 ") is None
    assert directory.line("0911 222 333")["holder_id"] == HOLDER
    assert list(directory.everyone()) == ["0911222333"]


def test_an_unknown_number_is_not_one_of_the_five(directory):
    with pytest.raises(PhoneRefused) as info:
        directory.check("0911999999", HOLDER)
    assert info.value.reason == "not_five"


@pytest.mark.parametrize(("line", "reason"), [
    ({"mvno": True, "carrier": "某某行動", "plan": "company"}, "mvno"),   # network first
    ({"carrier": "某某行動", "plan": "company"}, "not_five"),
    ({"plan": "parent_child", "holder_id": "B220123455"}, "parent_child"),  # then kinds
    ({"plan": "company", "holder_id": None, "status": "arrears"}, "company"),
    ({"holder_id": "B220123455", "status": "suspended"}, "not_holder"),   # then whose
    ({"status": "suspended", "plan": "prepaid"}, "suspended"),           # then paid
    ({"status": "arrears"}, "arrears"),
    ({"plan": "prepaid"}, "prepaid"),
])
def test_the_refusal_names_the_first_reason_in_the_order_of_the_rules(directory, line, reason):
    assert refusal(directory, line) == reason
