"""Reading an operator's data file (the registry, the carrier directory): CSV in UTF-8 or
cp950 (what Excel in Taiwan saves), or a JSON list of objects. Every loader checks its rows
on its own; this only turns the file into rows or says why it cannot.

A file is bounded before it is believed (docs/import-limits.md): its size, its number of
rows, the length of a line and of a value, the shape of its JSON and the digits of a
number. A file over any limit, or one that does not parse, is refused as a whole with an
ImportFileError whose message (in the user's language) names the row, before anything is
stored. A value with a control character is a bad row, like any other bad value. The
batch import (kiosk/domain/counter/batch.py) reads its unit files with the same helpers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from kiosk.domain.errors import KioskError

MAX_FILE_BYTES = 64 * 2**20
"""The largest registry or carrier file read (64 MiB). MAX_ROWS registry people are about
30 MB as CSV and twice that as JSON, which repeats every key in every row; a larger file is
not a real one, and reading it would cost a multiple of its size in memory."""

MAX_ROWS = 200_000
"""Lines per file, header and blank lines included: twice the 100,000-row batch the
benchmarks time. A larger registry is loaded as several files (each import adds to what is
stored). It bounds an import's time and how much one file grows the store: a million rows
made a store that took 14 s and 5 GB to open."""

MAX_LINE_CHARS = 10_000
"""Characters per CSV line. A registry row of 14 columns with the longest real values is
under 1,000; the bound is checked before the csv module parses the line, so no single line
(or field) can be larger, whatever ``csv.field_size_limit`` is set to elsewhere."""

MAX_FIELD_CHARS = 1_000
"""Characters per value (a CSV cell, a JSON string or key): four times the longest e-mail
address (254), far above any name, address part or ID. Keeps a 20 MB "carrier name" out of
the store; a quoted cell spanning lines is checked after parsing."""

MAX_NUMBER_DIGITS = 15
"""A JSON number must be below 10**15 in magnitude. The longest number in these files is a
12-digit card number; 15 digits is what a double holds exactly. orjson makes bigger integers
floats (or refuses them past 10**308), and Python refuses int() of more than 4,300 digits."""

MAX_JSON_VALUES_PER_ROW = 32
"""Commas a JSON file may hold per row it may have: a registry row has about a dozen
fields. Counted before parsing, as the brackets are, since a list of millions of bare
values (``[1,1,…]``) would cost over ten times its size once parsed."""

MAX_JSON_DEPTH = 2
"""A JSON file is a list (depth 1) of flat objects (depth 2) of text, numbers, true/false
or null; anything nested deeper is refused. orjson parses without recursing in Python and
stops by itself at 1,024 levels, so a deep file is a message, never a RecursionError."""

SHOWN_CHARS = 80
"""The most of a refused value echoed back in a message or a report."""

_ROC = re.compile(r"(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})")
# C0 and C1 controls (NUL, tab, CR, LF, ESC …), line/paragraph separators and the bidi
# overrides: none belongs in a name or an address, and each can garble a screen or a terminal
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"-?\d[\d.eE+-]*")


class ImportFileError(KioskError):
    """The file as a whole cannot be read (missing, wrong format, undecodable, too big)."""


def has_control(text: str) -> bool:
    """Does ``text`` hold a control character (see _CONTROL)? Such text is refused."""
    return _CONTROL.search(text) is not None


def shown(value: object) -> str:
    """A value as it may be echoed to a screen, a terminal or a report: control characters
    written as escapes (``\\x00``), at most SHOWN_CHARS characters."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                        str(value))
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _mb(limit: int) -> int:
    return limit // 2**20


def read_bounded(path: Path, limit: int, *, error: type[ImportFileError] = ImportFileError,
                 unreadable: str = "import.err.file") -> bytes:
    """The bytes of ``path``, refused with ``error`` when over ``limit``: by its size before
    reading, and by what is read (a file that grows, a device), never more than limit + 1."""
    try:
        if path.stat().st_size > limit:
            raise error("import.limit.file", limit=_mb(limit))
        with path.open("rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise error(unreadable, detail=exc.strerror or exc) from None
    if len(raw) > limit:
        raise error("import.limit.file", limit=_mb(limit))
    return raw


CSV_ENCODINGS = ("utf-8-sig", "cp950")
"""What an operator's CSV may be written in, tried in this order: UTF-8 (with or without the
BOM Excel writes) and cp950, what Excel in Taiwan saves; cp950 is Big5 with the extension
characters found in names. UTF-8 first, since cp950 decodes many UTF-8 bytes wrongly."""


def decode_csv(raw: bytes | bytearray, *, error: type[ImportFileError] = ImportFileError,
               undecodable: str = "import.err.file", **params: object) -> str:
    """The text of a CSV file in the first of CSV_ENCODINGS that decodes it whole; when none
    does, ``error`` with the catalog key ``undecodable`` and ``params``."""
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise error(undecodable, **params)


def check_lines(text: str, limit: int, error: type[ImportFileError] = ImportFileError) -> None:
    """Refuse a text of more than ``limit`` lines (a CSV has at most one row per line), by
    counting line breaks, before any row is parsed."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    lines = breaks + (1 if text and not text.endswith(("\n", "\r")) else 0)
    if lines > limit:
        raise error("import.limit.rows", limit=f"{limit:,}")


def csv_records(text: str, error: type[ImportFileError] = ImportFileError,
                first: int = 1) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``text`` with its number (``first`` for the first one) and its
    cells. A line over MAX_LINE_CHARS (checked before the csv module sees it), a cell over
    MAX_FIELD_CHARS or a csv error is ``error`` naming the record: never a traceback."""
    count = 0

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            if len(line) > MAX_LINE_CHARS:
                raise error("import.limit.line", row=first + count, limit=f"{MAX_LINE_CHARS:,}")
            yield line

    reader = csv.reader(lines())
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise error("import.parse.csv", row=first + count, detail=exc) from None
        number = first + count
        count += 1
        if cells and max(map(len, cells)) > MAX_FIELD_CHARS:
            raise error("import.limit.field", row=number, limit=f"{MAX_FIELD_CHARS:,}")
        yield number, cells


def read_rows(path: Path, key_column: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of ``path`` with their numbers (1 = the first data row; in a CSV, row n is
    line n + 1, blank lines counted but not returned); a CSV must have ``key_column`` in
    its header. Every limit above is checked; ImportFileError says which one, and where."""
    raw = read_bounded(path, MAX_FILE_BYTES)
    if path.suffix.lower() == ".json":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("import.err.file", detail=exc) from None
        del raw
        return iter(_json_rows(text))
    text = decode_csv(raw, detail="neither UTF-8 nor cp950")
    del raw
    check_lines(text, MAX_ROWS)
    records = csv_records(text, first=0)
    _, header = next(records, (0, []))
    names = [name.strip() for name in header]
    if key_column not in names:
        raise ImportFileError("import.err.file",
                              detail=f"the header has no {key_column} column")
    return ((number, dict(zip(names, cells, strict=False)))
            for number, cells in records if cells)


def _json_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """A JSON list of flat objects, each checked against the limits; numbered from 1."""
    if (text.count("{") + text.count("[") > MAX_ROWS + 1
            or text.count(",") > MAX_ROWS * MAX_JSON_VALUES_PER_ROW):
        # one list of at most MAX_ROWS objects: counted before parsing, since a file of
        # millions of empty lists, or of bare values, costs many times its size parsed
        raise ImportFileError("import.limit.rows", limit=f"{MAX_ROWS:,}")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if _too_big_number(text, exc.pos):   # orjson refuses a number past a double's range
            raise ImportFileError("import.limit.number_at", line=exc.lineno,
                                  limit=MAX_NUMBER_DIGITS) from None
        raise ImportFileError("import.parse.json", line=exc.lineno, column=exc.colno,
                              detail=exc.msg) from None
    if not isinstance(data, list):                                  # depth 1: the list
        raise ImportFileError("import.err.file", detail="expected a list of objects")
    if len(data) > MAX_ROWS:
        raise ImportFileError("import.limit.rows", limit=f"{MAX_ROWS:,}")
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):                               # depth 2: its objects
            raise ImportFileError("import.parse.shape", row=number)
        for key, value in row.items():
            _check_json_value(number, key, value)
    return list(enumerate(data, start=1))


def _too_big_number(text: str, at: int) -> bool:
    """Does a number too big for MAX_NUMBER_DIGITS start at ``at`` (where orjson stopped)?"""
    match = _NUMBER.match(text, at)
    try:
        return match is not None and not abs(float(match.group())) < 10**MAX_NUMBER_DIGITS
    except ValueError:       # not a number after all: the generic JSON message says where
        return False


def _check_json_value(number: int, key: str, value: object) -> None:
    if len(key) > MAX_FIELD_CHARS:
        raise ImportFileError("import.limit.field", row=number, limit=f"{MAX_FIELD_CHARS:,}")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if len(value) > MAX_FIELD_CHARS:
            raise ImportFileError("import.limit.field", row=number,
                                  limit=f"{MAX_FIELD_CHARS:,}")
    elif isinstance(value, int | float):
        if not abs(value) < 10**MAX_NUMBER_DIGITS:
            raise ImportFileError("import.limit.number", row=number, limit=MAX_NUMBER_DIGITS)
    else:                                          # a list or an object: deeper than depth 2
        raise ImportFileError("import.parse.shape", row=number)


def text_of(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def date_of(text: str) -> date:
    """YYYY-MM-DD or ROC yyy/mm/dd; ValueError otherwise."""
    text = text.strip()
    if match := _ROC.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        return date(year + 1911, month, day)
    return date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int          # 1-based data row: line row + 1 of a CSV (after its header)
    value: str
    reason: str       # catalog key


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [{"row": p.row, "value": p.value, "reason": p.reason}
                             for p in self.problems]}


class BadRow(Exception):
    """Raised by a row parser: the offending value and the catalog key of the reason."""

    def __init__(self, value: object, reason: str) -> None:
        self.value, self.reason = str(value), reason


def _control_value(row: dict[str, Any]) -> str | None:
    """The first text value of ``row`` with a control character inside it (leading and
    trailing blanks, which every parser strips, do not count), or None."""
    texts = [v.strip() for v in row.values() if isinstance(v, str)]
    if not has_control("".join(texts)):
        return None
    return next(t for t in texts if has_control(t))


def import_rows(path: Path, key: str, parse: Callable[[dict[str, Any]], dict[str, Any]],
                stored: dict[str, dict[str, Any]],
                put_many: Callable[[list[dict[str, Any]]], None],
                duplicate_reason: str) -> ImportReport:
    """Parse every row, skip repeats of ``key`` within the file, store what is new or
    changed in one transaction (one rewrite of the store file): re-importing changes
    nothing. The whole file is read and checked before that transaction, so a file refused
    on any row stores nothing; a value with a control character is a bad row."""
    report = ImportReport()
    seen: set[str] = set()
    changed: list[dict[str, Any]] = []
    for number, row in read_rows(path, key):
        try:
            if (control := _control_value(row)) is not None:
                raise BadRow(control, "import.row.control")
            record = parse(row)
        except BadRow as bad:
            report.problems.append(RowProblem(number, shown(bad.value), bad.reason))
            continue
        if record[key] in seen:
            report.problems.append(RowProblem(number, shown(record[key]), duplicate_reason))
            continue
        seen.add(record[key])
        old = stored.get(record[key])
        if old == record:
            report.unchanged += 1
            continue
        changed.append(record)
        if old is None:
            report.added += 1
        else:
            report.updated += 1
    if changed:
        put_many(changed)
    return report
