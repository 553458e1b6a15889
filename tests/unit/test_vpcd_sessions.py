"""``nhi-kiosk vpcd-sessions``: what it prints for the counters asked, and what it refuses."""

from __future__ import annotations

import pytest

from kiosk.cli import main


def test_each_counter_gets_a_reader_a_port_and_a_key_bound_to_both(capsys):
    assert main(["vpcd-sessions", "--counters", "3", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.count("install -D -m 0644 /usr/lib/pcsc/drivers/serial/libifdvpcd.so") == 3
    assert "LIBPATH      /usr/local/lib/nhi-kiosk/vpcd/libifdvpcd-3.so" in out   # its own
    assert 'FRIENDLYNAME "NHI counter 3"\nDEVICENAME   /dev/null:0x9C44' in out
    assert "--reader-name 'NHI counter 2 00 00'\",permitopen=\"127.0.0.1:40002\"" in out
    assert "--to 127.0.0.1:40004" in out


@pytest.mark.parametrize("args", [["--counters", "0"], ["--counters", "65"],
                                  ["--counters", "2", "--base-port", "80"],
                                  ["--counters", "2", "--base-port", "65534"],
                                  ["--counters", "1", "--prefix", 'a"b'],
                                  ["--counters", "1", "--prefix", "x" * 41]])
def test_what_cannot_be_a_reader_conf_is_refused_saying_why(capsys, args):
    assert main(["vpcd-sessions", *args, "--lang", "zh-TW"]) == 2
    assert "--counters 須為 1 到 64" in capsys.readouterr().err


def test_a_kiosk_path_that_would_break_the_keys_line_is_refused(capsys):
    assert main(["vpcd-sessions", "--counters", "1", "--kiosk", '/opt/x" bad',
                 "--lang", "en"]) == 2
    assert "--kiosk an absolute path" in capsys.readouterr().err
