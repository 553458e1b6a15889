"""``nhi-kiosk registry import`` as an operator runs it."""

import json

from kiosk.cli import EXIT_USAGE, main
from kiosk.domain.registry import Registry
from store import Store
from store.api import DEMO

CSV = ("id_no,name,birth_date,household_no,county,district,village,neighborhood\n"
       "A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12\n"
       "A123456788,壞資料,1980-05-12,AB123456,臺北市,中正區,水源里,12\n")


def test_import_reports_each_row_in_the_users_language(tmp_path, capsys):
    db, people = tmp_path / "kiosk.json", tmp_path / "people.csv"
    people.write_text(CSV, "utf-8")
    assert main(["registry", "import", str(people), "--db", str(db), "--lang", "zh-TW"]) == 1
    out = capsys.readouterr().out
    assert "新增 1 筆" in out and "退回 1 筆" in out
    assert "第 2 列「A123456788」：身分證號或居留證號無效" in out
    assert Registry(Store.open(db)).person("A123456789")["name"] == "王大明"


def test_import_json_report_and_idempotence(tmp_path, capsys):
    db, people = tmp_path / "kiosk.json", tmp_path / "people.csv"
    people.write_text(CSV, "utf-8")
    main(["registry", "import", str(people), "--db", str(db), "--json"])
    capsys.readouterr()
    main(["registry", "import", str(people), "--db", str(db), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == 0 and report["unchanged"] == 1
    assert report["rejected"] == [{"row": 2, "value": "A123456788", "reason": "registry.err.id"}]


def test_unreadable_file_is_a_usage_error(tmp_path, capsys):
    assert main(["registry", "import", str(tmp_path / "none.csv"), "--db",
                 str(tmp_path / "k.json"), "--lang", "en"]) == EXIT_USAGE
    assert "cannot be read" in capsys.readouterr().err


def test_seed_demo(tmp_path, capsys):
    db = tmp_path / "kiosk.json"
    assert main(["registry", "seed-demo", "--db", str(db)]) == 0
    assert Registry(Store.open(db, purpose=DEMO)).person("A123456789") is not None


def test_an_overlong_field_is_a_usage_error_naming_the_row_in_both_languages(tmp_path, capsys):
    db, people = tmp_path / "kiosk.json", tmp_path / "people.csv"
    people.write_text(CSV.replace("壞資料", "x" * 200_000), "utf-8")
    for lang, text in (("en", "Row 2 is longer than 10,000 characters"),
                       ("zh-TW", "第 2 列超過 10,000 個字元，整個檔案未匯入。")):
        assert main(["registry", "import", str(people), "--db", str(db),
                     "--lang", lang]) == EXIT_USAGE
        assert text in capsys.readouterr().err
    assert Registry(Store.open(db)).count() == 0


def test_a_name_with_nul_is_a_rejected_row_shown_escaped(tmp_path, capsys):
    db, people = tmp_path / "kiosk.json", tmp_path / "people.csv"
    people.write_text(CSV.replace("壞資料", "壞\x00資料").replace("A123456788", "F229876540"),
                      "utf-8")
    assert main(["registry", "import", str(people), "--db", str(db), "--lang", "zh-TW"]) == 1
    out = capsys.readouterr().out
    assert "第 2 列「壞\\x00資料」：含有控制字元" in out and "\x00" not in out
    assert Registry(Store.open(db)).person("F229876540") is None
