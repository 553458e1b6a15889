"""Bounded imports (docs/import-limits.md): a unit file, a registry or a carrier file over
any limit is refused early, as a message in the user's language naming the row, with
nothing stored; zip bombs are stopped while unpacking, in bounded memory; report files
never collide and never carry a live spreadsheet formula."""

from __future__ import annotations

import csv
import io
import struct
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
import pyzipper

from kiosk.cli import EXIT_USAGE, main
from kiosk.domain.binding.carriers import CarrierDirectory, import_lines
from kiosk.domain.counter.batch import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ROWS,
    Batch,
    BatchFileError,
    Problem,
    open_batch,
    parse_rows,
    write_report,
)
from kiosk.domain.counter.registry_import import import_registry
from kiosk.domain.i18n import Catalog
from kiosk.domain.registry import Registry
from kiosk.domain.rows import (
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    MAX_ROWS,
    ImportFileError,
    check_lines,
)
from store import Store
from store.outbox import Outbox
from store.repos import Accounts

UNIT = "110121009"
NAME = f"{UNIT}20160207.CSV"
GOOD = "A123456789,wang@example.com,0912345678\n"
HEADER = "id_no,name,birth_date,household_no,county,district,village,neighborhood\n"
PERSON = "A123456789,王大明,1980-05-12,AB123456,臺北市,中正區,水源里,12\n"
LINES = "phone,carrier,mvno,plan,holder_id,status\n"
LINE = "0911222333,cht,no,monthly,A123456789,active\n"


def message(error: BatchFileError | ImportFileError, lang: str) -> str:
    return Catalog(lang).t(error.key, **error.params)


# -- zip bombs -------------------------------------------------------------------------
def deflate_zip(path: Path, name: str, block: bytes, count: int,
                declared: int | None = None) -> Path:
    """A zip of one member, ``block`` repeated ``count`` times, deflated; its headers say
    the member unpacks to ``declared`` bytes (the truth by default). Each block is deflated
    once and its bytes repeated (a full flush makes them identical), so a 400 MB bomb is
    made in a fraction of a second."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    data = piece * count + c.flush()
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    size = len(block) * count if declared is None else declared
    raw_name = name.encode()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size,
                        len(raw_name), 0) + raw_name
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data),
                          size, len(raw_name), 0, 0, 0, 0, 0, 0) + raw_name
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def peak_of(call) -> tuple[Exception, int]:
    """The exception ``call`` raises and the peak Python memory while it ran, in bytes."""
    tracemalloc.start()
    try:
        call()
    except Exception as error:      # returned for the test to check
        raised = error
    else:
        raised = AssertionError("nothing was raised")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return raised, peak


@pytest.fixture
def batch(world):
    return Batch(world.services)


def stored_nothing(world, batch, reports: Path, accounts_before: int) -> bool:
    return (len(world.services.accounts.all()) == accounts_before
            and Outbox(world.store).mails() == [] and batch.progress() == []
            and not reports.exists())


def test_a_zip_bomb_that_says_it_is_400_mb_is_refused_unread(world, batch, tmp_path):
    bomb = deflate_zip(tmp_path / "bomb.zip", NAME, b"\n" * 2**20, 400)
    assert bomb.stat().st_size < 500_000                      # 400 KB that unpacks to 400 MB
    before = len(world.services.accounts.all())
    error, peak = peak_of(lambda: batch.import_file(bomb, tmp_path / "reports", Catalog("en")))
    assert isinstance(error, BatchFileError) and error.key == "import.limit.unpacked"
    assert peak < 8 * 2**20
    assert stored_nothing(world, batch, tmp_path / "reports", before)
    assert "32 MB" in message(error, "en") and "32 MB" in message(error, "zh-TW")


@pytest.mark.parametrize("declared", [30 * 2**20, MAX_BATCH_BYTES])
def test_a_zip_bomb_that_lies_about_its_size_is_stopped_while_unpacking(world, batch, tmp_path,
                                                                        declared):
    """The header claims an acceptable size: the ratio, counted on the bytes really read
    and unpacked, stops it within its first few MB."""
    bomb = deflate_zip(tmp_path / "bomb.zip", NAME, b"\n" * 2**20, 400, declared=declared)
    before = len(world.services.accounts.all())
    started = time.perf_counter()
    error, peak = peak_of(lambda: batch.import_file(bomb, tmp_path / "reports", Catalog("en")))
    assert isinstance(error, BatchFileError) and error.key == "import.limit.ratio"
    assert peak < 24 * 2**20                      # not 400 MB, not even the 32 MB limit
    assert time.perf_counter() - started < 5
    assert stored_nothing(world, batch, tmp_path / "reports", before)
    assert "100" in message(error, "en") and "壓縮炸彈" in message(error, "zh-TW")


def test_an_aes_zip_bomb_is_stopped_while_unpacking(tmp_path):
    """Through the AES reader too (its sizes patched to look acceptable)."""
    archive = tmp_path / "bomb.zip"
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(UNIT[-4:].encode())
        zf.writestr(NAME, b"\n" * (48 * 2**20))
    data = bytearray(archive.read_bytes())
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 30 * 2**20)
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 30 * 2**20)
    archive.write_bytes(bytes(data))
    error, peak = peak_of(lambda: open_batch(archive))
    assert isinstance(error, BatchFileError) and error.key == "import.limit.ratio"
    assert peak < 24 * 2**20


def test_a_real_zip_is_not_mistaken_for_a_bomb(tmp_path):
    """Real rows (IDs, addresses that differ) pack a few times: a 5 MB file goes through."""
    text = "".join(f"A{i:09d},staff{i}@example.com,09{i:08d}\n" for i in range(120_000))
    archive = tmp_path / "unit.zip"
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.writestr(NAME, text)
    assert len(text) > 4 * 2**20
    assert open_batch(archive).text == text


def test_a_zip_listing_many_entries_is_refused_before_its_directory_is_read(tmp_path):
    """60,000 empty entries: the library would build an object for each (tens of MB);
    the count in the zip's end record refuses the file first."""
    archive = many_entries(tmp_path, 60_000, announced=60_000)
    error, peak = peak_of(lambda: open_batch(archive))
    assert isinstance(error, BatchFileError)
    assert (error.key, error.params) == ("batch.err.zip_contents", {"count": 60_000})
    assert peak < 2**20


def test_a_zip_that_understates_its_entries_is_refused_by_its_directory_size(tmp_path):
    """The end record says 1 entry, the directory holds 60,000: the library would parse
    them all whatever the count says; the directory's size refuses the file first."""
    archive = many_entries(tmp_path, 60_000, announced=1)
    error, peak = peak_of(lambda: open_batch(archive))
    assert isinstance(error, BatchFileError) and error.key == "batch.err.zip_contents"
    assert peak < 2**20


def many_entries(tmp_path: Path, count: int, announced: int) -> Path:
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for i in range(count):
        name = f"f{i}".encode()
        local.append(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0,
                                 len(name), 0) + name)
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0,
                                   0, len(name), 0, 0, 0, 0, 0, offset) + name)
        offset += len(local[-1])
    directory = b"".join(central)
    archive = tmp_path / "many.zip"
    archive.write_bytes(b"".join(local) + directory + struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, announced, announced, len(directory), offset, 0))
    return archive


# -- unit files: size, rows, fields --------------------------------------------------------
@pytest.mark.parametrize("name", [NAME, "batch.zip"])
def test_a_unit_file_over_the_size_limit_is_refused_before_it_is_read(world, batch, tmp_path,
                                                                      name):
    path = tmp_path / name
    with path.open("wb") as f:
        f.truncate(MAX_BATCH_BYTES + 1)              # sparse: nothing is written
    before = len(world.services.accounts.all())
    with pytest.raises(BatchFileError) as info:
        batch.import_file(path, tmp_path / "reports", Catalog("en"))
    assert info.value.key == "import.limit.file"
    assert stored_nothing(world, batch, tmp_path / "reports", before)
    assert message(info.value, "zh-TW") == "檔案大於 32 MB，請分成較小的檔案。"


def test_a_unit_file_of_too_many_rows_is_refused_with_nothing_stored(world, batch, tmp_path):
    path = tmp_path / NAME
    path.write_text("身分證號,電子郵件\n" + GOOD * MAX_BATCH_ROWS, "utf-8")
    before = len(world.services.accounts.all())
    started = time.perf_counter()
    with pytest.raises(BatchFileError) as info:
        batch.import_file(path, tmp_path / "reports", Catalog("en"))
    assert time.perf_counter() - started < 2          # counted, not parsed
    assert info.value.key == "import.limit.rows"
    assert stored_nothing(world, batch, tmp_path / "reports", before)
    assert message(info.value, "en") == ("The file has more than 200,000 rows; split it into "
                                         "smaller files.")
    assert message(info.value, "zh-TW") == "檔案超過 200,000 列，請分成較小的檔案。"


@pytest.mark.parametrize(("ending", "lines"), [("\n", MAX_BATCH_ROWS), ("\r\n", MAX_BATCH_ROWS),
                                               ("\r", MAX_BATCH_ROWS)])
def test_the_row_limit_counts_lines_whatever_their_ending(ending, lines):
    check_lines(f"x{ending}" * lines, MAX_BATCH_ROWS, BatchFileError)            # at the limit
    check_lines(f"x{ending}" * (lines - 1) + "x", MAX_BATCH_ROWS, BatchFileError)
    for over in (f"x{ending}" * (lines + 1), f"x{ending}" * lines + "x"):
        with pytest.raises(BatchFileError):
            check_lines(over, MAX_BATCH_ROWS, BatchFileError)


LONG_CELLS = {
    "200 KB": ("x" * 200_000, "import.limit.line", "10,000"),
    "1,001 chars": ("x" * (MAX_FIELD_CHARS + 1), "import.limit.field", "1,000"),
    "over two lines": ('"' + ("x" * 600 + "\n") * 2 + '"', "import.limit.field", "1,000"),
}


@pytest.mark.parametrize("case", list(LONG_CELLS))
def test_an_overlong_field_refuses_the_file_naming_its_row(world, batch, tmp_path, case):
    cell, key, limit = LONG_CELLS[case]
    path = tmp_path / NAME
    path.write_text(GOOD + f"B220123455,{cell}\n" + GOOD, "utf-8")
    before = len(world.services.accounts.all())
    with pytest.raises(BatchFileError) as info:
        batch.import_file(path, tmp_path / "reports", Catalog("en"))
    assert (info.value.key, info.value.params) == (key, {"row": 2, "limit": limit})
    assert stored_nothing(world, batch, tmp_path / "reports", before)
    assert message(info.value, "en").startswith("Row 2 ")
    assert message(info.value, "zh-TW").startswith("第 2 列")


def test_a_field_past_the_csv_modules_own_limit_is_a_message_with_its_row():
    """A quoted field of short lines can grow past csv.field_size_limit (131,072): the csv
    error is a message naming the row, not a traceback."""
    lines = ("x" * (MAX_LINE_CHARS - 100) + "\n") * 15
    with pytest.raises(BatchFileError) as info:
        parse_rows(GOOD + GOOD.replace("A123456789", "B220123455") + f'E123456783,"{lines}"\n')
    assert info.value.key == "import.parse.csv" and info.value.params["row"] == 3
    assert message(info.value, "zh-TW").startswith("第 3 列無法以 CSV 格式讀取")


def test_a_value_with_a_control_character_is_a_bad_row_shown_escaped(batch, tmp_path):
    path = tmp_path / NAME
    path.write_text(GOOD + "B220123455,nana\x00@example.com\n"
                    "E123456783,chen@example.com,0912\x1b[2J345678\n", "utf-8")
    report = batch.import_file(path, tmp_path / "reports", Catalog("zh-TW"))
    assert report.imported == 1
    assert [(p.row, p.value, p.reason) for p in report.problems] == [
        (2, "nana\\x00@example.com", "import.row.control"),
        (3, "0912\\x1b[2J345678", "import.row.control")]
    written = report.report.read_text("utf-8-sig")
    assert "\x00" not in written and "\x1b" not in written
    assert "含有控制字元" in written


# -- the report file ---------------------------------------------------------------------
def test_formula_cells_in_the_report_are_written_as_text(batch, tmp_path):
    path = tmp_path / NAME
    path.write_text("=cmd|' /C calc'!A0,wang@example.com\n"
                    "A123456789,@SUM(1+1)\n"
                    "B220123455,+886@example.com,+1 555\n"
                    "E123456783,chen@example.com,-2\n", "utf-8")
    report = batch.import_file(path, tmp_path / "reports", Catalog("en"))
    with report.report.open(encoding="utf-8-sig", newline="") as f:
        values = [row[1] for row in csv.reader(f)][1:]
    assert values == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'+1 555", "'-2"]


def test_write_report_neutralises_every_formula_lead(tmp_path):
    leads = ["=1+1", "+1", "-1", "@A1", "\tA1", "\rA1"]
    path = write_report(tmp_path / "r.csv", [Problem(i, v, "batch.err.id")
                                             for i, v in enumerate(leads, 1)], Catalog("en"))
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [r[1] for r in rows] == ["'" + v for v in leads]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]   # numbers stay numbers


def test_concurrent_report_writes_all_succeed(tmp_path):
    """Eight threads writing the same report at once: each through a temporary file of its
    own, so none fails and the file is always one whole report."""
    path, catalog = tmp_path / "reports" / "same-report.csv", Catalog("en")
    writers, rounds = 8, 40
    start, failures = threading.Barrier(writers), []

    def write(n: int) -> None:
        problems = [Problem(row, f"V{n}", "batch.err.id") for row in range(1, 200)]
        start.wait()
        for _ in range(rounds):
            try:
                write_report(path, problems, catalog)
            except Exception as error:      # collected, then asserted
                failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == 200 and len({r[1] for r in rows[1:]}) == 1       # one writer's, whole
    assert sorted(p.name for p in path.parent.iterdir()) == ["same-report.csv"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_report_that_cannot_be_written_stores_nothing(world, batch, tmp_path):
    path = tmp_path / NAME
    path.write_text(GOOD, "utf-8")
    reports = tmp_path / "reports"
    reports.write_text("a file where the folder should be")
    before = len(world.services.accounts.all())
    with pytest.raises(BatchFileError) as info:
        batch.import_file(path, reports, Catalog("en"))
    assert info.value.key == "import.write.report"
    assert len(world.services.accounts.all()) == before and Outbox(world.store).mails() == []


def test_the_cli_refuses_a_bomb_and_an_unwritable_report_as_messages(tmp_path, capsys):
    db = tmp_path / "data" / "kiosk.json"
    bomb = deflate_zip(tmp_path / "bomb.zip", NAME, b"\n" * 2**20, 400, declared=2**25)
    assert main(["batch", "import", str(bomb), "--db", str(db), "--lang", "zh-TW"]) == EXIT_USAGE
    assert "壓縮比超過 100 倍" in capsys.readouterr().err
    unit = tmp_path / NAME
    unit.write_text(GOOD, "utf-8")
    db.parent.mkdir(parents=True, exist_ok=True)
    (db.parent / "reports").write_text("not a folder")
    assert main(["batch", "import", str(unit), "--db", str(db), "--lang", "en"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "The report file cannot be written" in err and "Traceback" not in err
    assert Accounts(Store.open(db)).all() == []


# -- registry and carrier files -----------------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    return Registry(Store.open(tmp_path / "kiosk.json"))


def refused(path: Path, registry: Registry) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        import_registry(path, registry)
    assert registry.count() == 0
    return info.value


def test_a_registry_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, registry):
    path = tmp_path / "people.csv"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    assert refused(path, registry).key == "import.limit.file"


@pytest.mark.parametrize("name", ["people.csv", "people.json"])
def test_a_registry_file_of_too_many_rows_is_refused(tmp_path, registry, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text(HEADER + PERSON * MAX_ROWS, "utf-8")        # the header makes one more
    else:
        path.write_text("[" + '{"id_no": "A123456789"},' * MAX_ROWS + "{}]", "utf-8")
    started = time.perf_counter()
    error = refused(path, registry)
    assert error.key == "import.limit.rows" and time.perf_counter() - started < 2
    assert message(error, "zh-TW") == "檔案超過 200,000 列，請分成較小的檔案。"


def test_a_json_list_of_millions_of_bare_values_is_refused_before_it_is_parsed(tmp_path,
                                                                              registry):
    path = tmp_path / "people.json"
    path.write_text("[" + "1," * (MAX_ROWS * 40) + "1]", "utf-8")    # 16 MB of bare values
    error, peak = peak_of(lambda: import_registry(path, registry))
    assert isinstance(error, ImportFileError) and error.key == "import.limit.rows"
    assert registry.count() == 0
    assert peak < 100 * 2**20      # the text itself, not the parsed list (hundreds of MB)


def test_a_200_kb_registry_field_is_a_message_with_its_row(tmp_path, registry):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + PERSON + PERSON.replace("王大明", "x" * 200_000), "utf-8")
    error = refused(path, registry)
    assert (error.key, error.params["row"]) == ("import.limit.line", 2)
    assert message(error, "en") == ("Row 2 is longer than 10,000 characters; the file was not "
                                    "imported.")


JSON_CASES = {
    "deep": ("[" * 100_000, "import.parse.json", {"line": 1}),           # no RecursionError
    "a list value": ('[{"id_no": "A123456789", "name": ["王大明"]}]', "import.parse.shape",
                     {"row": 1}),
    "an object value": ('[{"id_no": "A123456789"}, {"neighborhood": {"n": 12}}]',
                        "import.parse.shape", {"row": 2}),
    "a row not an object": ('[{"id_no": "A123456789"}, "A123456788"]', "import.parse.shape",
                            {"row": 2}),
    "5,000 digits": ('[\n{"id_no": "A123456789",\n "neighborhood": ' + "9" * 5000 + "}]",
                     "import.limit.number_at", {"line": 3, "limit": 15}),
    "20 digits": ('[{"id_no": "A123456789", "neighborhood": 12345678901234567890}]',
                  "import.limit.number", {"row": 1, "limit": 15}),
    "a huge float": ('[{"id_no": "A123456789", "neighborhood": -1e300}]',
                     "import.limit.number", {"row": 1, "limit": 15}),
    "a long string": ('[{"id_no": "A123456789", "name": "' + "x" * 20_000 + '"}]',
                      "import.limit.field", {"row": 1}),
}


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_json_that_is_too_deep_nested_or_too_big_a_number_is_a_message(tmp_path, registry,
                                                                        case):
    text, key, params = JSON_CASES[case]
    path = tmp_path / "people.json"
    path.write_text(text, "utf-8")
    error = refused(path, registry)
    assert error.key == key
    assert params.items() <= error.params.items()
    for lang in ("en", "zh-TW"):
        assert "{" not in message(error, lang)                  # every placeholder filled


def test_the_cli_shows_a_deep_json_and_a_long_number_as_messages(tmp_path, capsys):
    db, people = tmp_path / "kiosk.json", tmp_path / "people.json"
    people.write_text("[" * 100_000, "utf-8")
    assert main(["registry", "import", str(people), "--db", str(db), "--lang", "en"]) == EXIT_USAGE
    assert "The JSON cannot be read at line 1" in capsys.readouterr().err
    people.write_text('[{"id_no": ' + "1" * 5000 + "}]", "utf-8")
    assert main(["registry", "import", str(people), "--db", str(db),
                 "--lang", "zh-TW"]) == EXIT_USAGE
    assert "第 1 行有超過 15 位數的數字" in capsys.readouterr().err


def test_a_registry_name_with_nul_is_a_bad_row_and_the_rest_is_kept(tmp_path, registry):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + PERSON.replace("王大明", "王\x00大明")
                    + "F229876540,林\u202e小美,2018-03-03,AB123456,臺北市,中正區,水源里,12\n"
                    + "B220123455,歐陽娜娜,1990-01-01,AB123456,臺北市,中正區,水源里,12\n",
                    "utf-8")
    report = import_registry(path, registry)
    assert [(p.row, p.value, p.reason) for p in report.problems] == [
        (1, "王\\x00大明", "import.row.control"), (2, "林\\u202e小美", "import.row.control")]
    assert report.added == 1 and registry.person("A123456789") is None


def test_a_20_mb_carrier_name_is_refused_and_nothing_stored(tmp_path):
    directory = CarrierDirectory(Store.open(tmp_path / "kiosk.json"))
    path = tmp_path / "lines.csv"
    path.write_text(LINES + LINE + LINE.replace("0911222333,cht", "0911222444," + "x" * 20 * 2**20),
                    "utf-8")
    with pytest.raises(ImportFileError) as info:
        import_lines(path, directory)
    assert (info.value.key, info.value.params["row"]) == ("import.limit.line", 2)
    assert directory.everyone() == {}


def test_carrier_names_too_long_or_with_nul_are_bad_rows_in_the_cli(tmp_path, capsys):
    db, path = tmp_path / "kiosk.json", tmp_path / "lines.csv"
    path.write_text(LINES + LINE + LINE.replace("0911222333,cht", "0911222444," + "遠" * 41)
                    + LINE.replace("0911222333,cht", "0911222555,某\x00行動"), "utf-8")
    assert main(["carriers", "import", str(path), "--db", str(db), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "1 added" in out and "2 rejected" in out and "\x00" not in out
    assert 'Row 3 "某\\x00行動": contains a control character' in out
    assert "Row 2 " in out and ": too long" in out
    assert len(CarrierDirectory(Store.open(db)).everyone()) == 1

