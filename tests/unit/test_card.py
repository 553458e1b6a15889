from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.card import (
    PROFILE_LEN,
    CardData,
    CardFormatError,
    encode_profile,
    parse_profile,
    parse_roc_date,
)

SPECIMEN = (
    b"000012345678"
    + "甄健康".encode("cp950").ljust(20, b"\x00")
    + b"A223456789"
    + b"0580101"
    + b"F"
    + b"0930101"
)


def test_specimen_profile_parses_to_typed_record():
    card = parse_profile(SPECIMEN)
    assert card == CardData(
        card_no="000012345678",
        name="甄健康",
        id_no="A223456789",
        birth_date=date(1969, 1, 1),
        sex="F",
        issue_date=date(2004, 1, 1),
    )


def test_space_padded_name_and_cp950_extension_character():
    raw = bytearray(SPECIMEN)
    raw[12:32] = "陳碁峰".encode("cp950").ljust(20, b" ")
    assert parse_profile(bytes(raw)).name == "陳碁峰"


def test_big5_would_fail_but_cp950_decodes_all_extension_characters():
    name = "碁銹裏墻恒粧嫺"
    with pytest.raises(UnicodeEncodeError):
        name.encode("big5")
    raw = bytearray(SPECIMEN)
    raw[12:32] = name.encode("cp950").ljust(20, b"\x00")
    assert parse_profile(bytes(raw)).name == name


def test_undecodable_name_bytes_become_replacement_characters():
    raw = bytearray(SPECIMEN)
    raw[12:32] = b"\xff\xfe\x81" + b"\x00" * 17
    name = parse_profile(bytes(raw)).name
    assert "\ufffd" in name


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (0, b"00001234567X", "card number"),
        (32, b"1223456789", "ID"),
        (42, b"0581301", "ROC"),
        (49, b"X", "sex"),
        (50, b"abcdefg", "ROC"),
    ],
)
def test_malformed_fields_raise_the_typed_error(offset, value, message):
    raw = bytearray(SPECIMEN)
    raw[offset : offset + len(value)] = value
    with pytest.raises(CardFormatError, match=message):
        parse_profile(bytes(raw))


@pytest.mark.parametrize("size", [0, 56, 58])
def test_wrong_length_is_a_format_error(size):
    with pytest.raises(CardFormatError):
        parse_profile(b"0" * size)


def test_roc_dates():
    assert parse_roc_date("1141123") == date(2025, 11, 23)
    with pytest.raises(CardFormatError):
        parse_roc_date("1140230")


@given(st.binary(min_size=PROFILE_LEN, max_size=PROFILE_LEN))
def test_any_57_bytes_give_a_card_or_the_typed_error(data):
    try:
        card = parse_profile(data)
    except CardFormatError:
        return
    assert len(card.card_no) == 12
    assert card.sex in ("M", "F")


@given(
    st.builds(
        CardData,
        card_no=st.from_regex(r"[0-9]{12}", fullmatch=True),
        name=st.text(alphabet="王陳碁甄健康林美歐陽娜", min_size=1, max_size=10),
        id_no=st.from_regex(r"[A-Z][12][0-9]{8}", fullmatch=True),
        birth_date=st.dates(date(1912, 1, 1), date(2910, 12, 31)),
        sex=st.sampled_from("MF"),
        issue_date=st.dates(date(1912, 1, 1), date(2910, 12, 31)),
    )
)
def test_encode_then_parse_round_trips(card):
    assert parse_profile(encode_profile(card)) == card
