"""整批註冊, the unit zip at its edges: what the clerk is told when the zip cannot be read (a
member packed in a way no reader supports, a damaged member, a file that is no zip, a
directory that claims more than the file holds), the 32 MiB limits to the byte, a CSV
packed exactly 100 times, a bomb padded with a long comment, and a ZIP64 zip."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from kiosk.domain.counter.batch import BatchFileError, open_batch
from kiosk.domain.i18n import Catalog

UNIT = "110121009"
NAME = f"{UNIT}20160207.CSV"
ROWS = b"A123456789,wang@example.com\n"
MIB = 2**20


def refusal(path: Path) -> BatchFileError:
    with pytest.raises(BatchFileError) as info:
        open_batch(path)
    return info.value


def message(error: BatchFileError) -> str:
    return Catalog("en").t(error.key, **error.params)


def zip_bytes(data: bytes, method: int = zipfile.ZIP_STORED, level: int | None = None,
              comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method, compresslevel=level) as zf:
        zf.writestr(NAME, data)
        zf.comment = comment
    return out.getvalue()


def patched(raw: bytes, local_at: int, central_at: int, fmt: str, value: int) -> bytes:
    """``raw`` with a field of the member's local header and the same field of its central
    directory entry set to ``value`` (offsets within each header)."""
    data = bytearray(raw)
    struct.pack_into(fmt, data, data.find(b"PK\x03\x04") + local_at, value)
    struct.pack_into(fmt, data, data.find(b"PK\x01\x02") + central_at, value)
    return bytes(data)


# -- a zip that cannot be read says why --------------------------------------------------
def test_a_member_packed_by_a_method_no_reader_supports_cannot_be_read_and_says_so(tmp_path):
    archive = tmp_path / "unit.zip"
    archive.write_bytes(patched(zip_bytes(ROWS), 8, 10, "<H", 6))   # 6: PKWARE "implode"
    error = refusal(archive)
    assert error.key == "batch.err.zip"
    assert message(error) == "The zip file cannot be read: compression type 6 (implode)"


@pytest.mark.parametrize(("method", "detail"), [
    (zipfile.ZIP_STORED, f"Bad CRC-32 for file '{NAME}'"),
    (zipfile.ZIP_DEFLATED, "Error -3 while decompressing data"),
])
def test_a_damaged_member_of_a_zip_without_password_is_unreadable_not_a_wrong_password(
        tmp_path, method, detail):
    raw = bytearray(zip_bytes(ROWS * 50, method))
    start = 30 + len(NAME)                           # the member's data, after its header
    raw[start:start + 8] = bytes(b ^ 0xFF for b in raw[start:start + 8])
    archive = tmp_path / "unit.zip"
    archive.write_bytes(bytes(raw))
    error = refusal(archive)
    assert error.key == "batch.err.zip"
    assert message(error).startswith(f"The zip file cannot be read: {detail}")


@pytest.mark.parametrize("content", [b"not a zip", zip_bytes(ROWS * 50, zipfile.ZIP_DEFLATED)[:60]],
                         ids=["no zip", "cut short"])
def test_a_file_named_zip_that_is_no_zip_cannot_be_read_and_says_why(tmp_path, content):
    archive = tmp_path / "unit.zip"
    archive.write_bytes(content)
    error = refusal(archive)
    assert error.key == "batch.err.zip"
    assert message(error) == "The zip file cannot be read: File is not a zip file"


def test_a_folder_named_zip_cannot_be_read_and_says_why(tmp_path):
    (tmp_path / "unit.zip").mkdir()
    error = refusal(tmp_path / "unit.zip")
    assert error.key == "batch.err.zip"
    assert message(error).startswith("The zip file cannot be read: [Errno 21] Is a directory")


def test_a_zip_claiming_more_data_than_the_file_holds_is_unreadable_not_a_bomb(tmp_path):
    """The member says 2 MiB, stored; the file ends after 28 bytes of it: the end of the
    file is the end of the data, nothing is made up to fill the rest."""
    raw = zip_bytes(ROWS)
    raw = patched(raw, 18, 20, "<I", 2 * MIB)       # compressed size
    raw = patched(raw, 22, 24, "<I", 2 * MIB)       # uncompressed size
    archive = tmp_path / "unit.zip"
    archive.write_bytes(raw)
    error = refusal(archive)
    assert error.key == "batch.err.zip_short"
    assert message(error) == ("The zip file ends before its data does (cut short while "
                              "copying?); nothing was imported.")


# -- the 32 MiB limits, to the byte ------------------------------------------------------
def test_a_zip_of_exactly_32_mib_is_read_and_one_byte_more_is_refused_unread(tmp_path):
    overhead = (30 + len(NAME)) + (46 + len(NAME)) + 22  # headers, directory, end record
    text = (ROWS * (32 * MIB // len(ROWS) + 1))[:32 * MIB - overhead]
    archive = tmp_path / "unit.zip"
    archive.write_bytes(zip_bytes(text))
    assert archive.stat().st_size == 32 * MIB
    assert open_batch(archive).text == text.decode("ascii")
    archive.write_bytes(zip_bytes(text + b"\n"))
    error = refusal(archive)
    assert (error.key, error.params) == ("import.limit.file", {"limit": 32})


def test_a_csv_of_exactly_32_mib_in_a_zip_is_read(tmp_path):
    # random 0s and 1s: they pack about 7 times, far from a bomb
    text = random.Random(1).randbytes(32 * MIB).translate(bytes(b"01"[b % 2] for b in range(256)))
    archive = tmp_path / "unit.zip"
    archive.write_bytes(zip_bytes(text, zipfile.ZIP_DEFLATED, level=1))
    assert archive.stat().st_size < 32 * MIB
    assert open_batch(archive).text == text.decode("ascii")


# -- the compression ratio ---------------------------------------------------------------
def deflated_to(size: int, packed: set[int]) -> dict[int, bytes]:
    """For each length in ``packed``, ``size`` bytes that deflate (level 1, as zipfile
    writes them) to exactly that length: random 0s and 1s, then blank lines, the random
    part's length searched for."""
    zero_one = bytes(b"01"[b % 2] for b in range(256))

    def length(data: bytes) -> int:
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        return len(c.compress(data) + c.flush())

    for seed in range(20):
        noise = random.Random(seed).randbytes(size).translate(zero_one)

        def text(n: int, noise: bytes = noise) -> bytes:
            return noise[:n] + b"\n" * (size - n)

        low, high = 0, size                  # the first n that packs to min(packed) or more
        while low < high:
            middle = (low + high) // 2
            low, high = (middle + 1, high) if length(text(middle)) < min(packed) else (low,
                                                                                      middle)
        found: dict[int, bytes] = {}
        for n in range(max(0, low - 40), low + 80):
            found.setdefault(length(text(n)), text(n))
        if packed <= found.keys():
            return {k: found[k] for k in packed}
    raise AssertionError("no text packs to those lengths")


def test_a_csv_packed_exactly_100_times_is_read_and_one_byte_tighter_is_a_bomb(tmp_path):
    """The ratio is "more than 100 times": 1,638,400 bytes (over the 1 MiB floor) from
    16,384 zip bytes are read; from 16,383 they are refused."""
    size = 1_638_400
    texts = deflated_to(size, {16_384, 16_383})
    archive = tmp_path / "unit.zip"
    archive.write_bytes(zip_bytes(texts[16_384], zipfile.ZIP_DEFLATED, level=1))
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo(NAME).compress_size == 16_384
    assert open_batch(archive).text == texts[16_384].decode("ascii")
    archive.write_bytes(zip_bytes(texts[16_383], zipfile.ZIP_DEFLATED, level=1))
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo(NAME).compress_size == 16_383
    error = refusal(archive)
    assert (error.key, error.params) == ("import.limit.ratio", {"limit": 100})


def test_a_zip_bomb_padded_with_a_long_comment_is_still_refused(tmp_path):
    """Only the member's own bytes count against what it unpacks to: 64 KiB of comment,
    read before the member, do not make 4 MiB of blank lines from 4 KB look honest."""
    archive = tmp_path / "unit.zip"
    archive.write_bytes(zip_bytes(b"\n" * (4 * MIB), zipfile.ZIP_DEFLATED, level=9,
                                  comment=b"c" * 0xFFFF))
    assert archive.stat().st_size < 80_000
    error = refusal(archive)
    assert (error.key, error.params) == ("import.limit.ratio", {"limit": 100})


# -- ZIP64 -------------------------------------------------------------------------------
def zip64(comment: bytes) -> bytes:
    """A small zip with ZIP64 end records (as a writer adds past 65,535 entries or 4 GiB):
    the ZIP64 end record and its locator just before the classic end record."""
    raw = zip_bytes(ROWS)
    body, end = raw[:-22], raw[-22:]
    entries, directory_size, directory_at = struct.unpack_from("<H2I", end, 10)
    record = struct.pack("<4sQ2H2I4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries,
                         directory_size, directory_at)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(body), 1)
    return body + record + locator + end[:20] + struct.pack("<H", len(comment)) + comment


@pytest.mark.parametrize("comment", [0, 0xFFFF - 20], ids=["no comment", "locator farthest"])
def test_a_zip64_zip_is_refused_as_too_big(tmp_path, comment):
    """Its end record is taken as announcing 65,535 entries, the most a classic end record
    can say; with a 65,515-byte comment the locator is the first byte of the 64 KiB
    searched for it."""
    archive = tmp_path / "unit.zip"
    archive.write_bytes(zip64(b"c" * comment))
    with zipfile.ZipFile(archive) as zf:             # a zip any reader opens
        assert zf.read(NAME) == ROWS
    error = refusal(archive)
    assert (error.key, error.params) == ("batch.err.zip_contents", {"count": 0xFFFF})
