"""整批註冊, the unit file itself: its unit and date read from its name, a zip holding its
one CSV (in a folder or not, encrypted or not), and a zip holding anything else."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
import pyzipper

from kiosk.domain.counter.batch import BatchFileError, open_batch, parse_name

UNIT = "110121009"
ROWS = "A123456789,wang@example.com\n"


def test_the_unit_and_the_date_are_read_from_the_name(tmp_path):
    path = tmp_path / f"{UNIT}20161231.csv"
    path.write_text(ROWS, "utf-8")
    found = open_batch(path)
    assert (found.unit, found.day, found.name, found.text) == (
        UNIT, date(2016, 12, 31), f"{UNIT}20161231.csv", ROWS)
    assert parse_name(f"{UNIT}19991105.CSV") == (UNIT, date(1999, 11, 5))


@pytest.mark.parametrize("name", [f"{UNIT}20160230.CSV", f"{UNIT}20160007.CSV",
                                  f"{UNIT}2016020.CSV", f"1{UNIT}20160207.CSV",
                                  f"{UNIT}20160207.CSV.bak", f"x{UNIT}20160207.CSV"])
def test_a_name_whose_date_or_unit_is_wrong_is_refused_naming_it(name):
    with pytest.raises(BatchFileError) as info:
        parse_name(name)
    assert (info.value.key, info.value.params) == ("batch.err.name", {"name": name})


def test_a_zip_holding_its_csv_in_a_folder_is_read(tmp_path):
    archive = tmp_path / "unit.zip"
    with pyzipper.AESZipFile(archive, "w", encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(UNIT[-4:].encode())
        zf.writestr("staff/", "")
        zf.writestr(f"staff/{UNIT}20160207.CSV", ROWS)
    found = open_batch(archive)
    assert (found.unit, found.day, found.name, found.text) == (
        UNIT, date(2016, 2, 7), f"{UNIT}20160207.CSV", ROWS)


def test_an_unencrypted_zip_is_read(tmp_path):
    archive = tmp_path / "unit.ZIP"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{UNIT}20160207.CSV", ROWS.encode("cp950"))
    assert open_batch(archive).text == ROWS


@pytest.mark.parametrize("names", [[], [f"{UNIT}20160207.CSV", f"{UNIT}20160208.CSV"]])
def test_a_zip_of_no_csv_or_of_two_is_refused_counting_them(tmp_path, names):
    archive = tmp_path / "unit.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("folder/", "")
        for name in names:
            zf.writestr(name, ROWS)
    with pytest.raises(BatchFileError) as info:
        open_batch(archive)
    assert (info.value.key, info.value.params) == ("batch.err.zip_contents",
                                                   {"count": len(names)})


def test_a_unit_file_in_neither_encoding_is_refused(tmp_path):
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.write_bytes(b"A123456789,\xff\xfe\xff\xff\x81\n")
    with pytest.raises(BatchFileError) as info:
        open_batch(path)
    assert info.value.key == "batch.err.encoding"


def test_a_unit_file_saved_by_excel_in_cp950_is_read(tmp_path):
    text = "身分證號,電子郵件\nA123456789,wang@example.com\n"
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.write_bytes(text.encode("cp950"))
    assert open_batch(path).text == text
    archive = tmp_path / "unit.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{UNIT}20160207.CSV", text.encode("cp950"))
    assert open_batch(archive).text == text


# -- the zip's end record, read from its last 64 KiB before the library reads the zip ------
def end_record(entries: int, directory: int = 0) -> bytes:
    return (b"PK\x05\x06" + bytes(4) + entries.to_bytes(2, "little")
            + entries.to_bytes(2, "little") + directory.to_bytes(4, "little") + bytes(6))


def refusal(path) -> BatchFileError:
    with pytest.raises(BatchFileError) as info:
        open_batch(path)
    return info.value


def test_an_end_record_alone_announcing_17_entries_is_refused_by_its_count(tmp_path):
    path = tmp_path / "unit.zip"
    path.write_bytes(end_record(17))
    error = refusal(path)
    assert (error.key, error.params) == ("batch.err.zip_contents", {"count": 17})


def test_an_end_record_at_the_farthest_a_comment_allows_is_found(tmp_path):
    path = tmp_path / "unit.zip"
    path.write_bytes(b"x" * 100 + end_record(17) + b"c" * 0xFFFF)   # a 65,535-byte comment
    error = refusal(path)
    assert (error.key, error.params) == ("batch.err.zip_contents", {"count": 17})


def test_a_signature_farther_back_than_any_comment_allows_is_no_end_record(tmp_path):
    path = tmp_path / "unit.zip"
    path.write_bytes(end_record(17) + b"c" * (0xFFFF + 1))
    # refused by the zip library for what it finds, never for the 17 entries claimed there
    assert refusal(path).params.get("count") != 17


@pytest.mark.parametrize("tail", [b"", end_record(17)[:14]])
def test_a_file_without_a_whole_end_record_is_not_a_zip(tmp_path, tail):
    path = tmp_path / "unit.zip"
    path.write_bytes(b"x" * 100 + tail)
    assert refusal(path).key == "batch.err.zip"


def test_an_end_record_inside_the_csv_is_not_taken_for_the_zips(tmp_path):
    archive = tmp_path / "unit.zip"
    text = "A123456789,wang@example.com\n" + end_record(17).decode("latin-1") + "\n"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{UNIT}20160207.CSV", text.encode("utf-8"))
    assert open_batch(archive).text == text


def test_a_zip64_signature_in_the_zips_comment_is_not_taken_for_a_zip64_record(tmp_path):
    archive = tmp_path / "unit.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{UNIT}20160207.CSV", ROWS)
        zf.comment = b"PK\x06\x07 is only a comment"
    assert open_batch(archive).text == ROWS


def test_a_csv_of_exactly_1_mib_is_read_however_well_it_packs(tmp_path):
    text = ("x" * 99 + "\n") * (2**20 // 100) + "x" * (2**20 % 100)     # 1 MiB, packs ~1000x
    archive = tmp_path / "unit.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{UNIT}20160207.CSV", text)
    assert len(text) == 2**20 and archive.stat().st_size * 100 < 2**20
    assert open_batch(archive).text == text


def test_16_entries_and_16_kib_of_directory_are_left_to_the_zip_library(tmp_path):
    path = tmp_path / "unit.zip"
    path.write_bytes(end_record(16))
    assert refusal(path).params.get("count") != 16        # not refused for claiming 16
    path.write_bytes(end_record(0, directory=16 * 1024))
    assert refusal(path).params.get("count") is None      # not refused for its directory
    path.write_bytes(end_record(0, directory=16 * 1024 + 1))
    error = refusal(path)
    assert (error.key, error.params) == ("batch.err.zip_contents", {"count": 0})


def test_a_unit_file_that_cannot_be_read_says_why(tmp_path):
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.mkdir()
    error = refusal(path)
    assert (error.key, error.params) == ("batch.err.read", {"detail": "Is a directory"})
