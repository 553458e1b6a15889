import pytest

from kiosk.domain.cards import card_problem
from kiosk.domain.mask import mask_card_no, mask_id, mask_name
from kiosk.domain.validate import IdKind, id_kind, is_valid_card_no, is_valid_id
from reader.demo import DEMO_BY_KEY, DEMO_CARDS


@pytest.mark.parametrize("value", ["A123456789", "A800000014", "AC01234567", "AA00000009",
                                   "a123456789"])
def test_valid_ids(value):
    assert is_valid_id(value)


@pytest.mark.parametrize("value", ["A123456788", "A800000015", "A223456789", "A323456789",
                                   "1234567890", "", "AC0123456", "I1234567890"])
def test_invalid_ids(value):
    assert not is_valid_id(value)


@pytest.mark.parametrize("value", ["A12345678\uff19", "A\uff1123456789"[:10], "A12345678\u0669"])
def test_an_id_with_digits_of_another_script_is_not_a_second_number_for_its_person(value):
    """A full-width or Arabic-Indic digit reads as a digit to Python, but "A12345678９"
    would otherwise register A123456789 a second time, under another key."""
    assert is_valid_id(value.translate({0xFF19: "9", 0xFF11: "1", 0x0669: "9"}))
    assert not is_valid_id(value)
    assert id_kind(value) is IdKind.UNKNOWN
    assert not is_valid_card_no("00001234567\uff18")


def test_id_kinds():
    assert id_kind("A123456789") is IdKind.NATIONAL
    assert id_kind("A800000014") is IdKind.RESIDENT_UI
    assert id_kind("AC01234567") is IdKind.RESIDENT_ARC
    assert id_kind("AE01234567") is IdKind.UNKNOWN


def test_card_numbers():
    assert is_valid_card_no("000012345678")
    assert not is_valid_card_no("00001234567")


def test_every_demo_nhi_card_except_the_specimen_is_valid():
    for demo in DEMO_CARDS:
        if demo.card is None:
            continue
        expected = "invalid.id" if demo.key == "specimen" else None
        assert card_problem(demo.card) == expected, demo.key


def test_demo_set_covers_the_spec():
    kinds = {id_kind(d.card.id_no) for d in DEMO_CARDS if d.card}
    assert {IdKind.NATIONAL, IdKind.RESIDENT_ARC, IdKind.RESIDENT_UI} <= kinds
    assert len(DEMO_BY_KEY["long_name"].card.name) >= 4
    assert "碁" in DEMO_BY_KEY["cp950_ext"].card.name
    assert DEMO_BY_KEY["bank_card"].card is None


@pytest.mark.parametrize(
    ("name", "masked"),
    [("甄健康", "甄○康"), ("王明", "王○"), ("歐陽娜娜", "歐○○娜"), ("SMITH JOHN", "S**** J***")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_id_and_card():
    assert mask_id("A123456789") == "A12****789"
    assert mask_card_no("000012345678") == "****5678"
