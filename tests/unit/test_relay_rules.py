"""What the card relay lets through to the counter PC's card (reader/relay.py nhi_only),
and the server address it takes (kiosk/commands/card_relay.py target)."""

from __future__ import annotations

import pytest

from kiosk.commands.card_relay import target
from reader.apdu import READ_PROFILE, READ_PROFILE_LE, SELECT_NHI
from reader.relay import nhi_only


@pytest.mark.parametrize("apdu", [SELECT_NHI, [*SELECT_NHI, 0x00], READ_PROFILE,
                                  READ_PROFILE_LE, [0x00, 0xC0, 0x00, 0x00, 0x1C]])
def test_what_reading_an_nhi_card_takes_passes(apdu):
    assert nhi_only(bytes(apdu))


@pytest.mark.parametrize("apdu", [
    "0020008008" "3132333435363738",            # VERIFY: a bank card's PIN
    "00A4040007A0000000031010",                 # SELECT of a payment applet
    "80A4040010" + bytes(SELECT_NHI[5:]).hex(),  # the NHI AID under another class
    "00CA110002000000" "00",                    # READ PROFILE with more after it
    "00C0000000" "00",                          # GET RESPONSE with data
    "00B0000000", "84820000", "00", "",
])
def test_anything_else_is_refused(apdu):
    assert not nhi_only(bytes.fromhex(apdu))


@pytest.mark.parametrize("text, parsed", [("127.0.0.1:35964", ("127.0.0.1", 35964)),
                                          ("server.example.tw:4000", ("server.example.tw", 4000)),
                                          ("[::1]:35963", ("::1", 35963))])
def test_the_server_address_is_host_and_port(text, parsed):
    assert target(text) == parsed


@pytest.mark.parametrize("text", ["35964", "host:", ":35964", "host:0", "host:65536",
                                  "host:port", "a b:1", "user@host:1", "h/x:1"])
def test_a_server_address_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        target(text)


@pytest.mark.parametrize("name", ["x" * 129, "ACS\nACR39U"])
def test_the_relays_reader_name_is_checked_as_the_kiosks(capsys, name):
    from kiosk.cli import main

    assert main(["card-relay", "--reader-name", name, "--to", "127.0.0.1:35964",
                 "--lang", "en"]) == 2
    assert "reader_name from --reader-name" in capsys.readouterr().err
