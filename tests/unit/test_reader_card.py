"""What a card's 57 bytes decode to (reader/card.py), field by field, and the refusals a
malformed profile gets, each naming the field that is wrong."""

from __future__ import annotations

from datetime import date

import pytest

from reader.card import (
    CardData,
    CardFormatError,
    decode_name,
    encode_profile,
    format_roc_compact,
    parse_profile,
    parse_roc_date,
)
from tests.unit.test_card import SPECIMEN

CARD = parse_profile(SPECIMEN)


def with_field(offset: int, value: bytes) -> bytes:
    raw = bytearray(SPECIMEN)
    raw[offset:offset + len(value)] = value
    return bytes(raw)


def test_each_field_is_read_from_its_own_bytes():
    raw = (b"123456789012" + "王大明".encode("cp950").ljust(20, b"\x00") + b"B187654321"
           + b"0691231" + b"M" + b"1140228")
    assert parse_profile(raw) == CardData("123456789012", "王大明", "B187654321",
                                          date(1980, 12, 31), "M", date(2025, 2, 28))


def test_a_lower_case_id_and_sex_on_the_card_are_read_upper_case():
    card = parse_profile(with_field(32, b"a223456789")[:49] + b"f" + SPECIMEN[50:])
    assert (card.id_no, card.sex) == ("A223456789", "F")


def test_a_resident_id_with_a_second_letter_is_accepted():
    assert parse_profile(with_field(32, b"AC01234567")).id_no == "AC01234567"


def test_padded_card_and_id_numbers_are_refused_by_their_shape():
    with pytest.raises(CardFormatError, match=r"^card number is not 12 digits$"):
        parse_profile(with_field(0, b"00001234567 "))
    with pytest.raises(CardFormatError, match=r"^ID number has the wrong shape$"):
        parse_profile(with_field(32, b"A22345678\x00"))


def test_an_empty_name_is_refused():
    with pytest.raises(CardFormatError, match=r"^name is empty$"):
        parse_profile(with_field(12, b"\x00" * 20))
    with pytest.raises(CardFormatError, match=r"^name is empty$"):
        parse_profile(with_field(12, "\u3000".encode("cp950") + b" " * 18))


def test_full_width_spaces_around_a_name_are_not_part_of_it():
    ideographic = "\u3000".encode("cp950")
    assert decode_name(ideographic + "王明".encode("cp950") + ideographic) == "王明"
    assert decode_name(b"\x00 LEE\x00 ") == "LEE"


@pytest.mark.parametrize(("offset", "value", "message"), [
    (0, b"\xa4\x40", "card number is not ASCII"),
    (32, b"\xa4\x40", "ID number is not ASCII"),
    (42, b"\xa4\x40", "birth date is not ASCII"),
    (50, b"\xa4\x40", "issue date is not ASCII"),
    (49, b"m", None),
])
def test_a_field_that_is_not_ascii_is_refused_by_name(offset, value, message):
    if message is None:
        assert parse_profile(with_field(offset, value)).sex == "M"
        return
    with pytest.raises(CardFormatError, match=rf"^{message}$"):
        parse_profile(with_field(offset, value))


def test_a_profile_of_the_wrong_length_names_both_lengths():
    with pytest.raises(CardFormatError, match=r"^profile is 56 bytes, expected 57$"):
        parse_profile(SPECIMEN[:56])


def test_roc_dates_read_year_month_and_day_apart():
    assert parse_roc_date("0010203") == date(1912, 2, 3)
    assert parse_roc_date("1141231") == date(2025, 12, 31)
    with pytest.raises(CardFormatError, match=r"^not an ROC yyyMMdd date: '114123'$"):
        parse_roc_date("114123")
    with pytest.raises(CardFormatError, match=r"^not an ROC yyyMMdd date: '11412310'$"):
        parse_roc_date("11412310")
    with pytest.raises(CardFormatError, match=r"^impossible ROC date '1141301'$"):
        parse_roc_date("1141301")


def test_roc_years_1_to_999_can_be_written_and_no_others():
    assert format_roc_compact(date(1912, 1, 2)) == "0010102"
    assert format_roc_compact(date(2910, 12, 31)) == "9991231"
    assert format_roc_compact(date(2025, 3, 4)) == "1140304"
    for day in (date(1911, 12, 31), date(2911, 1, 1)):
        with pytest.raises(CardFormatError, match="cannot be written as an ROC yyyMMdd date"):
            format_roc_compact(day)


def test_encoding_pads_with_nul_or_the_pad_given():
    card = CardData("000012345678", "王明", "A12345678", date(1980, 1, 2), "M",
                    date(2015, 3, 4))
    raw = encode_profile(card)
    assert raw[12:32] == "王明".encode("cp950") + b"\x00" * 16
    assert raw[32:42] == b"A12345678\x00"
    assert raw[42:] == b"0690102" + b"M" + b"1040304"
    spaced = encode_profile(card, pad=b" ")
    assert spaced[12:32] == "王明".encode("cp950") + b" " * 16
    assert spaced[32:42] == b"A12345678 "


def test_encoding_cuts_over_long_numbers_to_their_fields():
    card = CardData("0000123456789", "王", "A1234567890", date(1980, 1, 2), "MF",
                    date(2015, 3, 4))
    raw = encode_profile(card)
    assert raw[:12] == b"000012345678" and raw[32:42] == b"A123456789" and raw[49:50] == b"M"


def test_a_name_of_20_bytes_is_encoded_and_21_refused():
    ten = "王" * 10
    card = CardData("000012345678", ten, "A123456789", date(1980, 1, 2), "M", date(2015, 3, 4))
    assert parse_profile(encode_profile(card)).name == ten
    with pytest.raises(CardFormatError, match=r"^name is longer than 20 bytes in cp950$"):
        encode_profile(CardData("000012345678", ten + "A", "A123456789", date(1980, 1, 2),
                                "M", date(2015, 3, 4)))


def test_a_card_in_json_and_back():
    assert CARD.to_json() == {"card_no": "000012345678", "name": "甄健康",
                              "id_no": "A223456789", "birth_date": "1969-01-01", "sex": "F",
                              "issue_date": "2004-01-01"}
    assert CardData.from_json(CARD.to_json()) == CARD


def test_a_card_from_json_takes_lower_case_id_and_sex_and_text_of_any_type():
    data = {**CARD.to_json(), "id_no": "a223456789", "sex": "f", "card_no": 12345678}
    card = CardData.from_json(data)
    assert (card.id_no, card.sex, card.card_no) == ("A223456789", "F", "12345678")


@pytest.mark.parametrize("broken", [
    {"name": None, "drop": "card_no"},
    {"birth_date": "1969-13-01"},
    {"issue_date": None},
], ids=["missing", "bad-date", "not-a-date"])
def test_a_card_from_incomplete_json_is_a_format_error(broken):
    data = {**CARD.to_json(), **broken}
    data.pop(data.pop("drop", None) or "-", None)
    with pytest.raises(CardFormatError, match=r"^card JSON is incomplete or malformed: "):
        CardData.from_json(data)


def test_a_card_from_json_with_no_fields_names_the_first_missing():
    with pytest.raises(CardFormatError, match="'card_no'"):
        CardData.from_json({})


def test_a_nul_padded_date_is_refused_naming_what_was_read():
    with pytest.raises(CardFormatError, match=r"^not an ROC yyyMMdd date: '058010'$"):
        parse_profile(with_field(42, b"058010\x00"))


def test_an_id_of_penghu_beginning_with_x_is_read():
    assert parse_profile(with_field(32, b"X123456789")).id_no == "X123456789"


def test_only_nul_and_space_are_padding_after_a_name():
    assert decode_name(b"FELIX\x00\x00") == "FELIX"
    assert decode_name(b"LEE\t") == "LEE\t"


def test_sex_other_than_m_or_f_is_refused_by_name():
    with pytest.raises(CardFormatError, match=r"^sex is neither M nor F$"):
        parse_profile(with_field(49, b"X"))


def test_a_short_card_number_is_padded_after_it_with_the_pad():
    card = CardData("12345", "王", "A123456789", date(1980, 1, 2), "M", date(2015, 3, 4))
    assert encode_profile(card)[:12] == b"12345" + b"\x00" * 7
    assert encode_profile(card, pad=b"\x01")[:12] == b"12345" + b"\x01" * 7
