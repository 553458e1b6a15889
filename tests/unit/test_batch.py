"""整批健保卡註冊: file names, encodings, both zip encryptions, every bad-row reason,
duplicates, idempotent re-import, and the unit's progress towards 80 %."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
import pyzipper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.counter.batch import Batch, BatchFileError, open_batch, parse_rows
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import LOGIN_LINK, SEPARATOR, MailKind
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH, verify_password
from reader.card import CardData
from tests.unit.domain_fixtures import card

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

UNIT = "110121009"
NAME = f"{UNIT}20160207.CSV"
ROWS = ("身分證號,電子郵件,手機\n"
        "A123456789,wang@example.com,0912345678\n"
        "  b220123455 , nana@example.com ,\n"
        "A123456788,bad-id@example.com,\n"
        "E123456783,not-an-address,\n"
        "F229876540,,\n"
        "J128765432,chang@example.com,12345\n"
        "A123456789,again@example.com,\n"
        "\n")


@pytest.fixture
def batch(world):
    return Batch(world.services)


def write(folder: Path, text: str = ROWS, name: str = NAME, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def run(batch, path, tmp_path):
    return batch.import_file(path, tmp_path / "reports", Catalog("en"))


def test_each_good_row_registers_with_a_default_password_and_a_mail(world, batch, tmp_path):
    report = run(batch, write(tmp_path), tmp_path)
    assert (report.imported, report.already_registered, report.duplicates) == (2, 0, 1)
    wang = world.services.accounts.get_by_id("A123456789")
    assert wang["must_change_password"] and wang["state"] == "active"
    assert wang["password_hash"].startswith("hmac-sha256$")
    nana = world.services.accounts.get_by_id("B220123455")
    assert nana["email"] == "nana@example.com"            # trimmed, ID upper-cased
    welcome = [m for m in world.services.mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert sorted(m["to"] for m in welcome) == ["nana@example.com", "wang@example.com"]
    password = next(line.split("：")[-1].strip() for line in welcome[0]["body"].splitlines()
                    if line.startswith("預設密碼"))
    assert len(password) == 12 and set(password) <= set(MACHINE_ALPHABET)
    holder = next(m["to"] for m in welcome if password in m["body"])
    id_no = "A123456789" if holder.startswith("wang") else "B220123455"
    session = world.sign_in.login(_card_of(id_no), password)   # the first login works ...
    assert session.must_change_password                     # ... and asks for a new one
    world.my_account.change_password(session, password, "Mine@2026x", "Mine@2026x")
    assert world.services.accounts.get_by_id(id_no)["password_hash"].startswith("scrypt$")


def test_welcome_mails_are_stored_as_parameters_and_read_rendered(world, batch, tmp_path):
    run(batch, write(tmp_path), tmp_path)
    stored = [m for m in world.store.outbox().mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert len(stored) == 2
    for record in stored:
        assert "body" not in record and record["params"]["unit"] == UNIT
        assert "password" not in record["params"]   # only the seed it is derived from
        password = world.services.keyring().derive(record["params"]["seed"],
                                                   MACHINE_ALPHABET, MACHINE_LENGTH)
        account = next(a for a in world.services.accounts.all() if a["email"] == record["to"])
        assert account["password_hash"].startswith("hmac-sha256$")
        assert verify_password(password, account["password_hash"], world.services.machine_key())
        shown = world.services.mail_by_id(record["id"])
        assert shown == next(m for m in world.services.mails() if m["id"] == record["id"])
        assert "params" not in shown and shown["subject"] == record["subject"]
        zh_body, en_body = shown["body"].split(SEPARATOR)
        assert f"預設密碼：{password}" in zh_body and "首次登入時必須變更預設密碼" in zh_body
        assert f"Default password: {password}" in en_body
        assert "You must change the default password" in en_body
        assert LOGIN_LINK in zh_body and LOGIN_LINK in en_body


def _card_of(id_no: str) -> CardData:
    from dataclasses import replace

    return replace(card("national"), id_no=id_no)


def test_every_bad_row_is_reported_with_its_reason(batch, tmp_path):
    report = run(batch, write(tmp_path), tmp_path)
    reasons = {(p.row, p.value, p.reason) for p in report.problems}
    assert reasons == {
        (4, "A123456788", "batch.err.id"),
        (5, "not-an-address", "batch.err.email"),
        (6, "F229876540", "batch.err.no_email"),
        (7, "12345", "batch.err.phone"),
        (8, "A123456789", "batch.err.duplicate"),
    }
    with report.report.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Row", "Value", "Reason"]
    assert ["4", "A123456788", "the ID or ARC/UI number is not valid", "batch.err.id"] in rows
    assert report.report.stat().st_mode & 0o777 == 0o600


def test_re_importing_adds_nothing_and_counts_the_registered(world, batch, tmp_path):
    run(batch, write(tmp_path), tmp_path)
    mails = len(world.services.mails(limit=1000))
    again = run(batch, write(tmp_path), tmp_path)
    assert (again.imported, again.already_registered) == (0, 2)
    assert len(world.services.mails(limit=1000)) == mails


def test_someone_already_registered_is_counted_not_touched(world, batch, tmp_path):
    before = world.services.accounts.get_by_id("J128765432")
    report = run(batch, write(tmp_path, "J128765432,chang@example.com\n"), tmp_path)
    assert (report.imported, report.already_registered) == (0, 1)
    assert world.services.accounts.get_by_id("J128765432") == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_encodings_and_an_optional_header(batch, tmp_path, encoding):
    text = "A123456789,王大明@example.com\nB220123455,nana@example.com\n"
    if encoding != "cp950":
        text = "身分證號,電子郵件\n" + text
    report = run(batch, write(tmp_path, text.replace("王大明@", "wang@"), encoding=encoding),
                 tmp_path)
    assert report.imported == 2 and report.rejected == 0


@pytest.mark.parametrize("name", ["11012100920160207.csv", "11012100920160207.Csv"])
def test_the_extension_is_case_insensitive(batch, tmp_path, name):
    assert run(batch, write(tmp_path, name=name), tmp_path).imported == 2


@pytest.mark.parametrize("name", ["staff.csv", "1101210092016020.CSV", "11012100920161307.CSV",
                                  "11012100920160207.txt"])
def test_a_wrong_name_is_a_clear_error(batch, tmp_path, name):
    with pytest.raises(BatchFileError) as info:
        run(batch, write(tmp_path, name=name), tmp_path)
    assert info.value.key == "batch.err.name"


def test_an_aes_zip_with_the_units_last_four_digits(batch, tmp_path):
    source = write(tmp_path)
    archive = tmp_path / "batch.zip"
    with pyzipper.AESZipFile(archive, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(UNIT[-4:].encode())
        zf.write(source, NAME)
    assert run(batch, archive, tmp_path).imported == 2


def test_a_zipcrypto_zip_as_info_zip_writes_it_and_a_wrong_password(batch, tmp_path):
    source = write(tmp_path)
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    subprocess.run(["zip", "-j", "-q", "-P", UNIT[-4:], str(good), str(source)], check=True)
    subprocess.run(["zip", "-j", "-q", "-P", "0000", str(bad), str(source)], check=True)
    assert open_batch(good).unit == UNIT
    assert run(batch, good, tmp_path).imported == 2
    with pytest.raises(BatchFileError) as info:
        open_batch(bad)
    assert info.value.key == "batch.err.password"


def test_a_wrong_password_that_passes_zipcryptos_one_byte_check_is_still_refused(tmp_path):
    """One wrong password in 256 gets past ZipCrypto's check byte; the kiosk must still say
    "wrong password", not fail on the garbage it then decrypts."""
    source = write(tmp_path)
    archive = tmp_path / "bad.zip"
    for n in range(5000):   # about 256 tries are expected; 5000 all failing: p < 1e-8
        archive.unlink(missing_ok=True)
        subprocess.run(["zip", "-j", "-q", "-P", f"x{n}", str(archive), str(source)],
                       check=True)
        with pyzipper.AESZipFile(archive) as zf:
            zf.setpassword(UNIT[-4:].encode())
            try:
                zf.open(zf.namelist()[0]).close()
            except RuntimeError:
                continue        # the check byte caught it, as it usually does
        break
    with pytest.raises(BatchFileError) as info:
        open_batch(archive)
    assert info.value.key == "batch.err.password"


def test_a_zip_must_hold_one_well_named_csv(tmp_path):
    archive = tmp_path / "batch.zip"
    with pyzipper.AESZipFile(archive, "w") as zf:
        zf.writestr("staff.csv", "A123456789,wang@example.com\n")
    with pytest.raises(BatchFileError) as info:
        open_batch(archive)
    assert info.value.key == "batch.err.name"
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(BatchFileError) as junk:
        open_batch(tmp_path / "junk.zip")
    assert junk.value.key == "batch.err.zip"


def test_unit_progress_counts_registrations_however_made(world, batch, tmp_path):
    run(batch, write(tmp_path, "A123456789,wang@example.com\nJ128765432,c@example.com\n"
                     "B220123455,nana@example.com\nE123456783,chen@example.com\n"
                     "AC01234567,lan@example.com\n"), tmp_path)
    assert batch.progress() == [(UNIT, 5, 5)]
    world.services.accounts.modify("A123456789", lambda _a: {"state": "suspended"})
    assert batch.progress() == [(UNIT, 4, 5)]


ID = st.sampled_from(["A123456789", "B220123455", "a123456789", "A123456788", "", "X", "身分"])
CELL = st.one_of(ID, st.emails().map(str), st.text(max_size=12), st.just("0912345678"))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=4), max_size=12))
def test_any_rows_never_crash_and_every_row_is_accounted_for(rows):
    text = "\n".join(",".join(f'"{c}"' if "," in c or '"' in c or "\n" in c else c
                              for c in (cell.replace('"', "") for cell in row)) for row in rows)
    good, problems, _ = parse_rows(text)
    table = csv.reader(io.StringIO(text, newline=""))
    lines = sum(1 for row in table if any(c.strip() for c in row))
    assert len(good) + len(problems) in (lines, lines - 1)   # minus a header, if any
    assert len({g.id_no for g in good}) == len(good)         # nothing twice


@settings(max_examples=60)
@given(data=st.binary(max_size=400))
def test_any_bytes_never_crash(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / NAME
    path.write_bytes(data)
    try:
        batch_file = open_batch(path)
    except BatchFileError as error:
        assert error.key == "batch.err.encoding"
        return
    parse_rows(batch_file.text)


def test_the_cli_prints_a_json_summary_and_exits_1_on_rejected_rows(tmp_path, capsys):
    import json

    from kiosk.cli import EXIT_USAGE, main

    db = tmp_path / "data" / "kiosk.json"
    assert main(["batch", "import", str(write(tmp_path)), "--db", str(db), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("imported", "rejected", "already_registered",
                                    "duplicates")} == {"imported": 2, "rejected": 5,
                                                       "already_registered": 0,
                                                       "duplicates": 1}
    assert Path(summary["report"]).parent == db.parent / "reports"
    assert main(["batch", "progress", "--db", str(db), "--lang", "en"]) == 0
    # the rejected rows' people count too (issue 15): 5 IDs and one row naming nobody
    assert "Unit 110121009: 2 of 6 registered (33%)" in capsys.readouterr().out
    assert main(["batch", "import", str(write(tmp_path, name="x.csv")), "--db", str(db),
                 "--lang", "zh-TW"]) == EXIT_USAGE
    assert "檔名須為投保單位代號" in capsys.readouterr().err


def test_two_processes_importing_at_once_register_each_person_once(tmp_path):
    import sys

    db = tmp_path / "kiosk.json"
    text = "".join(f"{id_no},p{i}@example.com\n" for i, id_no in enumerate(
        ["A123456789", "B220123455", "E123456783", "F229876540", "AC01234567",
         "A800000014", "H223456788"]))
    path = write(tmp_path, text)
    command = [sys.executable, "-m", "kiosk", "batch", "import", str(path), "--db", str(db),
               "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [__import__("json").loads(p.communicate(timeout=60)[0]) for p in runs]
    assert sorted(o["imported"] for o in outputs) == [0, 7]
    assert sorted(o["already_registered"] for o in outputs) == [0, 7]
    from store import Store
    from store.outbox import Outbox

    assert len(Outbox(Store.open(db)).mails()) == 7
