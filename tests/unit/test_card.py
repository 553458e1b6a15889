from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.card import (
    PROFILE_LEN,
    CardData,
    CardFormatError,
    decode_name,
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


CHEN, MING = "陳".encode("cp950"), "明".encode("cp950")


def test_user_defined_big5_character_is_one_replacement_and_leaks_no_byte():
    """FA 40 is in Big5's user-defined area (造字), which cp950 does not map: one U+FFFD
    for the pair, never U+FFFD plus the trail byte read as an ASCII '@'."""
    raw = bytearray(SPECIMEN)
    raw[12:32] = (CHEN + b"\xfa\x40" + MING).ljust(20, b"\x00")
    name = parse_profile(bytes(raw)).name
    assert name == "陳\ufffd明"
    assert "@" not in name and len(name) == 3


@pytest.mark.parametrize("pair", [
    "8140", "8E40", "A0FE", "C8FE", "FA40", "FEFE",   # user-defined areas (造字)
    "A3C0", "C87E",                                   # unassigned in cp950
    "A430", "A47F", "A4A0", "FA00", "FA20",           # trail bytes no Big5 pair has
])
def test_any_undecodable_pair_is_exactly_one_replacement(pair):
    raw = bytes.fromhex(pair)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp950")
    assert decode_name(CHEN + raw + MING) == "陳\ufffd明"


def test_a_lead_byte_cut_off_at_the_end_is_one_replacement():
    assert decode_name(CHEN + b"\xa4") == "陳\ufffd"
    assert decode_name(CHEN + b"\xa4" + b"\x00" * 5) == "陳\ufffd"


def test_ascii_and_double_byte_characters_keep_their_pairing():
    """A Latin name, then a pair whose trail byte is ASCII-range (A4 40 is 一): the pairing
    is kept through the ASCII run."""
    assert decode_name(b"LEE " + "一丁".encode("cp950") + b"  ") == "LEE 一丁"
    assert decode_name(b"\x80A\xffB") == "\ufffdA\ufffdB"   # bytes that lead nothing


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


@given(st.lists(st.tuples(st.integers(0x81, 0xFE), st.integers(0x00, 0xFF)), max_size=9))
def test_every_double_byte_pair_is_exactly_one_character(pairs):
    """A lead byte 0x81–0xFE and whatever byte follows are one character: the pair's cp950
    character, or U+FFFD. No byte of a pair ever shows up on its own."""
    def one(lead, trail):
        try:
            return bytes([lead, trail]).decode("cp950")
        except UnicodeDecodeError:
            return "\ufffd"

    middle = b"".join(bytes(pair) for pair in pairs)
    assert decode_name(CHEN + middle + MING) == "陳" + "".join(one(*p) for p in pairs) + "明"


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
