"""The SELECT/READ logic against the card applet, without any reader."""

import pytest

from reader.apdu import read_profile
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
    def transmit(apdu):
        return ([], 0x90, 0x00) if apdu[1] == 0xA4 else ([], 0x69, 0x82)

    with pytest.raises(CardReadError) as info:
        read_profile(transmit)
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
