"""Reading an operator's data file (the registry, the carrier directory): CSV in UTF-8 or
cp950 (what Excel in Taiwan saves), or a JSON list of objects. Every loader checks its rows
on its own; this only turns the file into rows or says why it cannot."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.domain.errors import KioskError

_ROC = re.compile(r"(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})")


class ImportFileError(KioskError):
    """The file as a whole cannot be read (missing, wrong format, undecodable)."""


def read_rows(path: Path, key_column: str) -> list[dict[str, Any]]:
    """The rows of ``path``; a CSV must have ``key_column`` in its header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError("import.err.file", detail=exc.strerror or exc) from exc
    if path.suffix.lower() == ".json":
        try:
            rows = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportFileError("import.err.file", detail=exc) from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportFileError("import.err.file", detail="expected a list of objects")
        return rows
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("import.err.file", detail="neither UTF-8 nor cp950")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or key_column not in [f.strip() for f in reader.fieldnames]:
        raise ImportFileError("import.err.file",
                              detail=f"the header has no {key_column} column")
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


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
    row: int          # 1-based data row (the header is not counted)
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


def import_rows(path: Path, key: str, parse: Callable[[dict[str, Any]], dict[str, Any]],
                stored: dict[str, dict[str, Any]],
                put_many: Callable[[list[dict[str, Any]]], None],
                duplicate_reason: str) -> ImportReport:
    """Parse every row, skip repeats of ``key`` within the file, store what is new or
    changed in one transaction (one rewrite of the store file): re-importing changes
    nothing."""
    report = ImportReport()
    seen: set[str] = set()
    changed: list[dict[str, Any]] = []
    for number, row in enumerate(read_rows(path, key), start=1):
        try:
            record = parse(row)
        except BadRow as bad:
            report.problems.append(RowProblem(number, bad.value, bad.reason))
            continue
        if record[key] in seen:
            report.problems.append(RowProblem(number, record[key], duplicate_reason))
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
