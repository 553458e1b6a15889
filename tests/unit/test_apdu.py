"""The SELECT/READ logic against the card applet, without any reader."""

import pytest

from reader.apdu import exchange, read_profile
from reader.applet import CardBehaviour, CardPulled, NhiApplet, PullOn
from reader.card import CardFormatError, encode_profile
from reader.demo import DEMO_BY_KEY
from reader.errors import CardReadError, NotNhiCardError

NATIONAL = DEMO_BY_KEY["national"].card


def transmit_to(applet, log=None):
    def transmit(apdu):
        if log is not None:
            log.append(bytes(apdu))
        reply = applet.respond(bytes(apdu))
        return list(reply[:-2]), reply[-2], reply[-1]

    return transmit


def selected_then(answer, log=None):
    """A transmit for a scripted card: it accepts the SELECT and answers every other command
    (as bytes) with ``answer``; with ``log``, every command is logged there."""

    def transmit(apdu):
        if log is not None:
            log.append(bytes(apdu))
        if apdu[1] == 0xA4:
            return [], 0x90, 0x00
        return answer(bytes(apdu))

    return transmit


def test_plain_card_reads():
    assert read_profile(transmit_to(NhiApplet(encode_profile(NATIONAL)))) == NATIONAL


def test_select_refused_with_6d00_still_reads():
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(select_sw=b"\x6d\x00"))
    assert read_profile(transmit_to(applet)) == NATIONAL


def test_61xx_is_followed_by_get_response():
    log = []
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(chain_response=True))
    assert read_profile(transmit_to(applet, log)) == NATIONAL
    assert log[-1][:2] == b"\x00\xc0"


def test_fifteen_byte_aid_variant_is_accepted_by_the_applet():
    applet = NhiApplet(encode_profile(NATIONAL))
    select15 = bytes.fromhex("00A404000F" "D15800000100000000000000000011")
    assert applet.respond(select15) == b"\x90\x00"


def test_bank_card_is_not_an_nhi_card():
    with pytest.raises(NotNhiCardError):
        read_profile(transmit_to(NhiApplet(None)))


def test_selected_card_with_failing_read_is_a_read_error_not_a_foreign_card():
    with pytest.raises(CardReadError) as info:
        read_profile(selected_then(lambda apdu: ([], 0x69, 0x82)))
    assert not isinstance(info.value, NotNhiCardError)


def test_garbage_profile_from_a_selected_card_is_a_format_error():
    applet = NhiApplet(b"\xff" * 57)
    with pytest.raises(CardFormatError):
        read_profile(transmit_to(applet))


@pytest.mark.parametrize("when", list(PullOn))
def test_pulled_card_raises_from_the_applet(when):
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(pull_on=when))
    with pytest.raises(CardPulled):
        read_profile(transmit_to(applet))


READ_7 = bytes.fromhex("00CA1100020000")          # Lc=02, data 00 00, no Le
READ_8 = bytes.fromhex("00CA110002000000")        # the same with Le=00


def test_a_card_that_wants_le_is_read_with_the_8_byte_form():
    log = []
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(read_needs_le=True))
    assert read_profile(transmit_to(applet, log)) == NATIONAL
    assert [c for c in log if c[1] == 0xCA] == [READ_7, READ_8]


def test_the_applet_answers_both_read_forms_and_no_other_length():
    plain = NhiApplet(encode_profile(NATIONAL))
    assert plain.respond(READ_7)[-2:] == b"\x90\x00"
    assert plain.respond(READ_8) == encode_profile(NATIONAL) + b"\x90\x00"
    assert plain.respond(READ_7 + b"\x00\x00") == b"\x67\x00"
    assert plain.respond(READ_7[:5]) == b"\x67\x00"
    assert plain.respond(READ_7 + b"\x10") == b"\x6c\x39"     # Le too short: 6C 39
    assert exchange(transmit_to(plain), [*READ_7, 0x10])[0] == list(encode_profile(NATIONAL))
    strict = NhiApplet(encode_profile(NATIONAL), CardBehaviour(read_needs_le=True))
    assert strict.respond(READ_7) == b"\x67\x00"
    assert strict.respond(READ_8)[-2:] == b"\x90\x00"


@pytest.mark.parametrize("sw", [b"\x6a\x82", b"\x69\x82", b"\x62\x82", b"\x6f\x00"],
                         ids=bytes.hex)
def test_a_bad_read_status_word_on_both_forms_is_a_read_error(sw):
    """Whatever data comes with it, a READ not ending 90 00 is a read error naming the
    status word, after the 8-byte form had its chance."""
    log = []
    profile = encode_profile(NATIONAL)
    transmit = selected_then(lambda apdu: (list(profile), sw[0], sw[1]),  # not 90 00
                             log)
    with pytest.raises(CardReadError, match=sw.hex().upper()) as info:
        read_profile(transmit)
    assert not isinstance(info.value, (NotNhiCardError, CardFormatError))
    assert [c for c in log if c[1] == 0xCA] == [READ_7, READ_8]


def test_6cxx_to_the_7_byte_read_resends_it_with_that_le():
    """6C xx says "ask again with Le = xx": Le is added after the data, the data stays."""
    profile = encode_profile(NATIONAL)

    def answer(apdu):
        if apdu == READ_7:
            return [], 0x6C, len(profile)
        assert apdu == READ_7 + bytes([len(profile)]), apdu.hex()
        return list(profile), 0x90, 0x00

    assert read_profile(selected_then(answer)) == NATIONAL


def test_6cxx_to_get_response_replaces_its_le():
    """GET RESPONSE ends in Le already: 6C xx replaces it."""
    log = []
    profile = encode_profile(NATIONAL)

    def answer(apdu):
        if apdu[1] == 0xCA:
            return [], 0x61, 0x10               # a wrong hint: 16 bytes waiting
        if apdu[4] != len(profile):
            return [], 0x6C, len(profile)
        return list(profile), 0x90, 0x00

    assert read_profile(selected_then(answer, log)) == NATIONAL
    assert log[-2:] == [bytes.fromhex("00C0000010"), bytes.fromhex("00C0000039")]
