"""The carrier directory behind 行動電話認證, and loading it from an operator's file with
``nhi-kiosk carriers import``."""

from __future__ import annotations

import json

from kiosk.cli import EXIT_USAGE, main
from kiosk.domain.binding.carriers import CarrierDirectory, PhoneRefused
from store import Store

CSV = ("phone,carrier,mvno,plan,holder_id,status\n"
       "0911-222-333,中華電信,no,monthly,A123456789,active\n"
       "0911222444,Taiwan Mobile,,prepaid,A123456789,\n"
       "0911222555,某某行動,yes,,A123456789,\n"
       "0911222666,遠傳,,company,,\n"
       "02-23456789,cht,,,A123456789,\n"
       "0911222777,cht,,family,A123456789,\n"
       "0911222888,cht,,,A123456788,\n"
       "0911222333,cht,,,B220123455,\n")


def _import(tmp_path, *extra):
    db, lines = tmp_path / "kiosk.json", tmp_path / "lines.csv"
    lines.write_text(CSV, "cp950")   # what Excel in Taiwan saves
    return main(["carriers", "import", str(lines), "--db", str(db), *extra]), db


def test_import_keeps_good_lines_and_names_each_bad_row(tmp_path, capsys):
    code, db = _import(tmp_path, "--lang", "en")
    assert code == 1
    out = capsys.readouterr().out
    assert "4 added" in out and "4 rejected" in out
    assert 'Row 5 "02-23456789": not a mobile number' in out
    assert 'Row 6 "family": plan must be' in out
    assert 'Row 7 "A123456788": holder_id missing or not a valid' in out
    assert 'Row 8 "0911222333": phone number repeated in the file' in out
    directory = CarrierDirectory(Store.open(db))
    assert directory.line("0911222333") == {
        "phone": "0911222333", "carrier": "cht", "mvno": False, "plan": "monthly",
        "holder_id": "A123456789", "status": "active"}
    assert directory.line("0911222444")["carrier"] == "twm"
    assert directory.line("0911222555")["mvno"] is True
    assert directory.line("0911222666")["holder_id"] is None


def test_the_directory_answers_what_the_file_says(tmp_path, capsys):
    _, db = _import(tmp_path)
    directory = CarrierDirectory(Store.open(db))
    directory.check("0911222333", "a123456789")
    refusals = {}
    for phone in ("0911222444", "0911222555", "0911222666", "0911222999"):
        try:
            directory.check(phone, "A123456789")
        except PhoneRefused as error:
            refusals[phone] = error.reason
    assert refusals == {"0911222444": "prepaid", "0911222555": "mvno",
                        "0911222666": "company", "0911222999": "not_five"}


def test_reimport_changes_nothing(tmp_path, capsys):
    _import(tmp_path)
    capsys.readouterr()
    _, _ = _import(tmp_path, "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["unchanged"]) == (0, 4)


def test_an_unreadable_file_is_a_usage_error_in_the_users_language(tmp_path, capsys):
    assert main(["carriers", "import", str(tmp_path / "none.csv"), "--db",
                 str(tmp_path / "k.json"), "--lang", "zh-TW"]) == EXIT_USAGE
    assert "檔案無法讀取" in capsys.readouterr().err


def test_a_20_mb_carrier_name_is_a_usage_error_and_nothing_is_stored(tmp_path, capsys):
    db, lines = tmp_path / "kiosk.json", tmp_path / "lines.csv"
    lines.write_text(CSV.replace("某某行動", "某" * (20 * 2**20 // 3)), "utf-8")
    assert main(["carriers", "import", str(lines), "--db", str(db), "--lang", "zh-TW"]) \
        == EXIT_USAGE
    assert "第 3 列超過 10,000 個字元，整個檔案未匯入。" in capsys.readouterr().err
    assert CarrierDirectory(Store.open(db)).everyone() == {}
