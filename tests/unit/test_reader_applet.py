"""The card's answers (reader/applet.py) and the reader's side of the exchange (reader/apdu.py),
byte for byte as a PC/SC reader would see them."""

from __future__ import annotations

import pytest

from reader.apdu import (
    READ_PROFILE,
    READ_PROFILE_LE,
    SELECT_NHI,
    exchange,
    get_response,
    read_profile,
    with_le,
)
from reader.applet import CardBehaviour, CardPulled, NhiApplet, PullOn
from reader.card import CardFormatError, encode_profile
from reader.demo import DEMO_BY_KEY
from reader.errors import CardReadError, NotNhiCardError

NATIONAL = DEMO_BY_KEY["national"].card
PROFILE = encode_profile(NATIONAL)
SELECT = bytes.fromhex("00A4040010" "D1580000010000000000000000001100")
READ_7 = bytes.fromhex("00CA1100020000")
READ_8 = bytes.fromhex("00CA110002000000")


def applet(**behaviour) -> NhiApplet:
    return NhiApplet(PROFILE, CardBehaviour(**behaviour))


def test_the_commands_the_kiosk_sends_are_the_nhi_cards_own():
    assert bytes(SELECT_NHI) == SELECT
    assert bytes(READ_PROFILE) == READ_7
    assert bytes(READ_PROFILE_LE) == READ_8
    assert get_response(0x39) == [0x00, 0xC0, 0x00, 0x00, 0x39]


# --- the card's answers --------------------------------------------------------------------

@pytest.mark.parametrize(("apdu", "sw"), [
    ("00A404", "6700"),                       # shorter than a header
    ("80A4040010D1580000010000000000000000001100", "6E00"),   # another class
    ("00B0000000", "6D00"),                   # READ BINARY: not this card's
    ("00CA1200020000", "6D00"),               # READ with other parameters
    ("00CA1101020000", "6D00"),
], ids=["short", "cla", "ins", "p1", "p2"])
def test_the_card_refuses_what_it_does_not_know(apdu, sw):
    assert applet().respond(bytes.fromhex(apdu)) == bytes.fromhex(sw)


@pytest.mark.parametrize("apdu", [
    "00A4040010D1580000010000000000000000001101",         # last AID byte differs
    "00A404000ED15800000100000000000000000011",           # 14 bytes only
    "00A4040011D158000001000000000000000000110000",       # 17 bytes
    "00A40400",                                           # no AID at all
    "00A4040010",                                         # Lc but no AID
], ids=["other-aid", "14-bytes", "17-bytes", "header-only", "no-data"])
def test_the_card_finds_no_file_for_another_aid(apdu):
    assert applet().respond(bytes.fromhex(apdu)) == b"\x6a\x82"


def test_select_answers_with_the_cards_own_status_word():
    assert applet().respond(SELECT) == b"\x90\x00"
    assert applet(select_sw=b"\x6d\x00").respond(SELECT) == b"\x6d\x00"


def test_a_card_without_the_nhi_applet_answers_neither_command():
    bank = NhiApplet(None)
    assert bank.respond(SELECT) == b"\x6a\x82"
    assert bank.respond(READ_7) == b"\x6d\x00"
    assert bank.behaviour == CardBehaviour()


def test_read_with_a_wrong_lc_is_wrong_length():
    assert applet().respond(bytes.fromhex("00CA1100030000")) == b"\x67\x00"


@pytest.mark.parametrize(("le", "answer"), [
    (0x00, PROFILE + b"\x90\x00"),
    (0x38, b"\x6c\x39"),                      # one byte short: ask for 57
    (0x39, PROFILE + b"\x90\x00"),            # exactly the profile
    (0x40, PROFILE + b"\x90\x00"),            # more than the profile
    (0x01, b"\x6c\x39"),
])
def test_read_with_le_answers_the_profile_or_how_long_it_is(le, answer):
    assert applet().respond(READ_7 + bytes([le])) == answer


def test_a_chaining_card_hands_the_profile_out_in_pieces():
    card = applet(chain_response=True)
    assert card.respond(READ_7) == b"\x61\x39"
    assert card.respond(bytes.fromhex("00C0000010")) == PROFILE[:16] + b"\x61\x29"
    assert card.respond(bytes.fromhex("00C0000029")) == PROFILE[16:] + b"\x90\x00"
    assert card.respond(bytes.fromhex("00C0000010")) == b"\x69\x85"   # nothing left


@pytest.mark.parametrize("get", ["00C0000000", "00C00000"], ids=["le-00", "no-le"])
def test_get_response_without_a_length_hands_out_everything(get):
    card = applet(chain_response=True)
    card.respond(READ_8)
    assert card.respond(bytes.fromhex(get)) == PROFILE + b"\x90\x00"


def test_get_response_with_nothing_waiting_is_refused():
    assert applet().respond(bytes.fromhex("00C0000010")) == b"\x69\x85"


def test_a_card_pulled_at_select_never_answers():
    with pytest.raises(CardPulled):
        applet(pull_on=PullOn.SELECT).respond(SELECT)


def test_a_card_pulled_at_read_answers_select_first():
    card = applet(pull_on=PullOn.READ)
    assert card.respond(SELECT) == b"\x90\x00"
    with pytest.raises(CardPulled):
        card.respond(READ_7)


# --- the reader's side ---------------------------------------------------------------------

@pytest.mark.parametrize(("apdu", "expected"), [
    ("00CA1100", "00CA110039"),               # case 1: no Lc, no Le: Le added
    ("00C0000010", "00C0000039"),             # case 2: Le replaced
    ("00CA1100020000", "00CA110002000039"),   # case 3: data kept, Le added
    ("00CA110002000000", "00CA110002000039"),  # case 4: Le replaced
    ("00CA11000100", "00CA1100010039"),       # case 3 with one data byte
    ("00CA11000010", "00CA11000039"),         # Lc 0, no data, then Le: Le replaced
])
def test_asking_again_with_le_keeps_the_command_and_sets_its_le(apdu, expected):
    assert with_le(list(bytes.fromhex(apdu)), 0x39) == list(bytes.fromhex(expected))


def test_a_card_chaining_forever_is_followed_eight_times_then_given_up():
    sent = []

    def transmit(apdu):
        sent.append(bytes(apdu))
        return [len(sent)], 0x61, 0x01

    data, sw1, sw2 = exchange(transmit, [0x00, 0xCA, 0x11, 0x00])
    assert data == list(range(1, 10))
    assert (sw1, sw2) == (0x61, 0x01)
    assert sent[1:] == [bytes.fromhex("00C0000001")] * 8


def test_the_status_word_returned_is_the_last_one_given():
    answers = [([1, 2], 0x61, 0x02), ([3, 4], 0x90, 0x00)]
    data, sw1, sw2 = exchange(lambda apdu: answers.pop(0), list(READ_7))
    assert (data, sw1, sw2) == ([1, 2, 3, 4], 0x90, 0x00)


def _card_answering(select: tuple[int, int], read: list[tuple[list[int], int, int]]):
    reads = list(read)

    def transmit(apdu):
        if apdu[1] == 0xA4:
            return [], *select
        return reads.pop(0)

    return transmit


def test_a_card_refusing_both_commands_is_not_an_nhi_card_naming_all_answers():
    transmit = _card_answering((0x6A, 0x82), [([], 0x67, 0x00), ([], 0x6A, 0x82)])
    with pytest.raises(NotNhiCardError) as info:
        read_profile(transmit)
    assert str(info.value) == "SELECT 6A82, READ 6700, with Le 6A82"


def test_a_selected_card_refusing_read_names_both_answers():
    transmit = _card_answering((0x90, 0x00), [([], 0x67, 0x00), ([], 0x6A, 0x82)])
    with pytest.raises(CardReadError) as info:
        read_profile(transmit)
    assert str(info.value) == "READ PROFILE answered 6700, with Le 6A82"


def test_an_unselected_card_answering_read_with_no_profile_is_not_an_nhi_card():
    transmit = _card_answering((0x6D, 0x00), [(list(b"\xff" * 57), 0x90, 0x00)])
    with pytest.raises(NotNhiCardError, match=r"^card answered READ without an NHI profile$"):
        read_profile(transmit)


def test_a_selected_card_answering_read_with_no_profile_is_malformed():
    transmit = _card_answering((0x90, 0x00), [(list(b"\xff" * 57), 0x90, 0x00)])
    with pytest.raises(CardFormatError) as info:
        read_profile(transmit)
    assert not isinstance(info.value, NotNhiCardError)


def test_a_card_answering_the_first_read_needs_no_second():
    sent = []

    def transmit(apdu):
        sent.append(bytes(apdu))
        if apdu[1] == 0xA4:
            return [], 0x6D, 0x00
        return list(PROFILE), 0x90, 0x00

    assert read_profile(transmit) == NATIONAL
    assert sent == [SELECT, READ_7]
