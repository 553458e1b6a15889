"""The journal beside a store's snapshot: one record per commit, appended and fsync-ed.

Why: rewriting the whole file for every commit made a registration cost what the file
weighs (1.3 s at a million accounts), and made every other kiosk process re-parse all of
it. A commit now appends only the documents it inserted, changed or removed, and another
process reads only the records it has not seen.

A record is a frame and its payload (compact JSON). The frame is
``b"LLLLLLLL CCCCCCCC HHHH\\n"``: the payload's length and CRC-32, and the frame's own check
(the low 16 bits of the CRC-32 of its first 17 bytes), so a damaged length is never taken
for a record cut short. The first record of a journal is its header ``{"journal": 1,
"store": id, "base": n}``: the records after it are the commits ``base + 1``, ``base + 2``,
… of the store ``id``; each commit is ``{"seq": n, "ops": [[table, doc_id, document or
null], …]}``.

What comes after the last whole record decides what it is:

* nothing: the end;
* a record cut short (fewer bytes than its frame declares, or a frame cut short), or zero
  bytes only: a **torn tail**. A writer died mid-append (kill -9, power loss) before its
  commit was reported done, or a reader looks while an append is under way. It is ignored,
  and the next writer cuts it off before appending;
* anything else (a frame that is not one, a whole record whose checksum fails): the file
  is **damaged**. It is refused, naming the file and the offset: a record the journal holds
  was committed, and skipping it would silently lose it.
"""

from __future__ import annotations

import itertools
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

FORMAT = 1
FRAME_BYTES = 23     # "%08x %08x %04x\n"
#: The largest record a frame can declare (8 hex digits); a batch import stays far below.
MAX_RECORD = 0xFFFFFFFF


class JournalDamaged(Exception):
    """The journal holds bytes that are not a record; ``offset`` is where they start."""

    def __init__(self, path: Path, offset: int, reason: str) -> None:
        super().__init__(path, offset, reason)
        self.path, self.offset, self.reason = path, offset, reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason} at byte {self.offset}"


def frame(payload: bytes) -> bytes:
    """``payload`` as one record."""
    return b"".join(framed([payload]))


def framed(parts: list[bytes]) -> list[bytes]:
    """The payload ``parts`` (concatenated, one payload) with their frame in front: a large
    commit is written in pieces, never joined into one more copy of itself."""
    length, crc = 0, 0
    for part in parts:
        length += len(part)
        crc = zlib.crc32(part, crc)
    if length > MAX_RECORD:
        raise ValueError("a journal record is limited to 4 GiB")
    head = b"%08x %08x" % (length, crc)
    return [head + b" %04x\n" % (zlib.crc32(head) & 0xFFFF), *parts]


def header(store_id: str, base: int) -> bytes:
    return frame(orjson.dumps({"journal": FORMAT, "store": store_id, "base": base}))


#: Operations encoded per piece of a commit record (see :func:`commit`).
OPS_PER_PIECE = 1000


def commit(seq: int, ops: Iterable[tuple[str, str, Any]]) -> list[bytes]:
    """The record of commit ``seq``, in pieces: ``{"seq": seq, "ops": [...]}`` byte for byte
    as orjson writes it, never the whole list of operations nor its encoding at once (a
    100,000-row batch import's commit is some 60 MB)."""
    parts = [b'{"seq":%d,"ops":[' % seq]
    ops = iter(ops)
    while piece := list(itertools.islice(ops, OPS_PER_PIECE)):
        parts.append((b"," if len(parts) > 1 else b"") + orjson.dumps(piece)[1:-1])
    parts.append(b"]}")
    return framed(parts)


@dataclass
class Scan:
    """What :func:`scan` found: the records that are whole (checksums verified, payloads
    not yet parsed), and where they end."""

    path: Path
    frames: list[tuple[int, memoryview]] = field(default_factory=list)   # (start, payload)
    end: int = 0          # offset just after the last whole record
    torn: int = 0         # bytes of torn tail after ``end`` (0: none)

    @property
    def records(self) -> list[tuple[int, dict[str, Any]]]:
        """Every record parsed: (start, payload object)."""
        return [(start, decode(payload, self.path, start)) for start, payload in self.frames]


def decode(payload: memoryview | bytes, path: Path, start: int) -> dict[str, Any]:
    """One record's payload as the object it holds; JournalDamaged if it is not one.

    Parsed only when needed: a process catching up after a compaction skips the records
    the new snapshot holds by their position, without parsing them."""
    try:
        record = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise JournalDamaged(path, start, f"a record is not JSON ({exc})") from exc
    if not isinstance(record, dict):
        raise JournalDamaged(path, start, "a record is not a JSON object")
    return record


def scan(data: bytes | memoryview, path: Path, offset: int = 0) -> Scan:
    """Parse the records in ``data``, which starts at byte ``offset`` of the file ``path``.

    Raises :class:`JournalDamaged` for bytes that are neither records nor a torn tail."""
    view = memoryview(data)
    out = Scan(path, end=offset)
    at = 0
    size = len(view)
    while at < size:
        rest = view[at:]
        if len(rest) < FRAME_BYTES:
            return _tail(out, rest, path, offset + at, _frame_prefix(bytes(rest)))
        head = bytes(rest[:FRAME_BYTES])
        parsed = _parse_frame(head)
        if parsed is None:
            return _tail(out, rest, path, offset + at, False)
        length, crc = parsed
        if len(rest) < FRAME_BYTES + length:
            out.torn = len(rest)
            return out
        payload = rest[FRAME_BYTES:FRAME_BYTES + length]
        if zlib.crc32(payload) != crc:
            raise JournalDamaged(path, offset + at, "a record's checksum does not match")
        out.frames.append((offset + at, payload))
        at += FRAME_BYTES + length
        out.end = offset + at
    return out


def _tail(out: Scan, rest: memoryview, path: Path, at: int, torn: bool) -> Scan:
    """The bytes after the last whole record: a torn tail if ``torn`` or zeros only."""
    if torn or bytes(rest).rstrip(b"\0") == b"":
        out.torn = len(rest)
        return out
    raise JournalDamaged(path, at, "bytes that are not a record")


def _parse_frame(head: bytes) -> tuple[int, int] | None:
    if (head[8:9] != b" " or head[17:18] != b" " or head[22:23] != b"\n"
            or not _HEX.issuperset(head[:8] + head[9:17] + head[18:22])):
        return None
    if int(head[18:22], 16) != zlib.crc32(head[:17]) & 0xFFFF:
        return None
    return int(head[:8], 16), int(head[9:17], 16)


_HEX = frozenset(b"0123456789abcdef")


#: A frame's shape, ``h`` standing for a hex digit.
_FRAME_SHAPE = b"hhhhhhhh hhhhhhhh hhhh\n"


def _frame_prefix(rest: bytes) -> bool:
    """Whether ``rest`` (shorter than a frame) could be the start of one."""
    return all(byte in _HEX if shape == ord("h") else byte == shape
               for byte, shape in zip(rest, _FRAME_SHAPE, strict=False))


def check_header(record: dict[str, Any], path: Path) -> tuple[str, int]:
    """(store id, base) of a journal's first record; JournalDamaged if it is not one."""
    store, base = record.get("store"), record.get("base")
    if (record.get("journal") != FORMAT or not isinstance(store, str)
            or not isinstance(base, int) or isinstance(base, bool) or base < 0):
        raise JournalDamaged(path, 0, "its first record is not a journal header")
    return store, base


def check_commit(record: dict[str, Any], start: int, path: Path
                 ) -> tuple[int, list[list[Any]]]:
    """(seq, ops) of a commit record; JournalDamaged if it is not one."""
    seq, ops = record.get("seq"), record.get("ops")
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(ops, list):
        raise JournalDamaged(path, start, "a record is not a commit")
    for op in ops:
        if (not isinstance(op, list) or len(op) != 3 or not isinstance(op[0], str)
                or not isinstance(op[1], str) or not (op[2] is None or isinstance(op[2], dict))):
            raise JournalDamaged(path, start, "a commit holds an operation that is not one")
    return seq, ops


# -- files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """Bytes read from one journal file, and which file (inode) they came from."""

    inode: int
    size: int
    data: bytes


def read_from(path: Path, offset: int, inode: int | None) -> Read:
    """The journal's bytes from ``offset`` on; from 0 if the file is not ``inode`` any
    more (replaced by a compaction). Raises ``OSError`` (FileNotFoundError when missing)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        start = offset if st.st_ino == inode else 0
        if st.st_size <= start:
            return Read(st.st_ino, st.st_size, b"")
        with open(fd, "rb", closefd=False) as f:
            f.seek(start)
            return Read(st.st_ino, st.st_size, f.read())
    finally:
        os.close(fd)


def stat(path: Path) -> tuple[int, int]:
    """(inode, size) of the journal, for a cheap "anything new?"; raises ``OSError``."""
    st = os.stat(path)
    return st.st_ino, st.st_size


def append(path: Path, record: list[bytes], at: int, inode: int) -> int:
    """Write ``record`` at offset ``at`` of the journal ``inode`` and fsync; the new end.

    Call only under the store's lock, caught up to ``at``: whatever lies beyond ``at`` is a
    torn tail of a writer that died, and is cut off first. If the write fails, what it left
    is cut off too and ``OSError`` propagates; if that cut fails as well, the error has
    ``record_may_remain`` set when the record was written whole: it may be on disk,
    committed after all (a record cut short is a torn tail, which no reader applies).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if st.st_ino != inode:
            raise OSError(f"journal {path} was replaced while this process held the lock")
        if st.st_size != at:
            os.ftruncate(fd, at)
        size = sum(map(len, record))
        written = 0
        try:
            os.lseek(fd, at, os.SEEK_SET)
            for part in record:
                view = memoryview(part)
                while view:
                    done = os.write(fd, view)
                    view, written = view[done:], written + done
            os.fsync(fd)
        except BaseException as exc:
            try:
                os.ftruncate(fd, at)
            except OSError:
                if isinstance(exc, OSError) and written == size:   # whole, sync failed
                    exc.record_may_remain = True  # type: ignore[attr-defined]
            raise
    finally:
        os.close(fd)
    return at + size
