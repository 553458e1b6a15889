"""The command line as a technician meets it: clear messages, exit codes, no tracebacks."""

import subprocess
import sys

from kiosk.cli import EXIT_STORE, EXIT_USAGE, main


def test_bad_setting_is_a_usage_error_in_the_users_language(capsys):
    assert main(["--lang", "en", "--inactivity", "1"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Configuration error" in err and "inactivity" in err


def test_corrupt_store_stops_with_the_file_named_and_untouched(tmp_path, capsys):
    db = tmp_path / "kiosk.json"
    db.write_bytes(b'{"_meta": {"1": {"schema": 1}}, "accounts": [')
    before = db.read_bytes()
    assert main(["--db", str(db), "--demo", "--lang", "en"]) == EXIT_STORE
    err = capsys.readouterr().err
    assert str(db) in err and "left untouched" in err and "no backup" in err
    assert db.read_bytes() == before


def test_corrupt_store_message_points_at_the_backup(tmp_path, capsys):
    from store import Store
    from store.repos import Accounts

    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        Accounts(store).add({"id_no": "A123456789", "card_no": "000011112222"})
    db.write_bytes(b"\x00garbage")
    assert main(["--db", str(db), "--lang", "zh-TW", "--demo"]) == EXIT_STORE
    err = capsys.readouterr().err
    assert "kiosk.json.bak" in err and "無法讀取" in err


def test_unknown_demo_card(capsys):
    assert main(["virtual-card", "--demo", "nosuch", "--lang", "en"]) == EXIT_USAGE
    assert "national" in capsys.readouterr().err


def test_python_dash_m_kiosk_works():
    result = subprocess.run([sys.executable, "-m", "kiosk", "--version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "nhi-kiosk" in result.stdout
