"""Loading real registry facts: ``nhi-kiosk registry import FILE`` (CSV or JSON).

Columns (CSV header, or JSON object keys): id_no, name, birth_date (YYYY-MM-DD or ROC
yyy/mm/dd), household_no, county, district, village, neighborhood (nationals), permit_issue_date,
permit_expiry_date, permit_serial (residents), dependants (ID numbers separated by ``;``).
Every row is checked on its own; good rows are stored (re-importing changes nothing), bad
rows are reported with their row number, the offending value and a reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.domain import address
from kiosk.domain.registry import Registry
from kiosk.domain.validate import (
    IdKind,
    id_kind,
    is_valid_household,
    is_valid_id,
    normalize_household,
)

COLUMNS = ("id_no", "name", "birth_date", "household_no", "county", "district", "village",
           "neighborhood", "permit_issue_date", "permit_expiry_date", "permit_serial",
           "dependants")
_ROC = re.compile(r"(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})")
_SERIAL = re.compile(r"[A-Z0-9]{6,12}")


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, wrong format, undecodable)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


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


class _Bad(Exception):
    def __init__(self, value: object, reason: str) -> None:
        self.value, self.reason = str(value), reason


def _date(text: str) -> date:
    text = text.strip()
    if match := _ROC.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        if len(match.group(1)) <= 3 and year < 1000:
            return date(year + 1911, month, day)
    return date.fromisoformat(text)


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _address(row: dict[str, Any]) -> dict[str, Any]:
    county = address.find_county(_text(row, "county"))
    if county is None:
        raise _Bad(_text(row, "county"), "registry.err.address")
    wanted = address.normalize(_text(row, "district"))
    district = next((d for d in address.districts(county.code)
                     if address.normalize(d.name) == wanted), None)
    if district is None:
        raise _Bad(_text(row, "district"), "registry.err.address")
    wanted = address.normalize(_text(row, "village"))
    village = next((v for v in address.villages(district.code)
                    if address.normalize(v.name) == wanted), None)
    if village is None:
        raise _Bad(_text(row, "village"), "registry.err.address")
    try:
        neighborhood = address.parse_neighborhood(_text(row, "neighborhood"))
    except address.AddressError:
        raise _Bad(_text(row, "neighborhood"), "registry.err.neighborhood") from None
    return {"county": county.name, "district": district.name, "village": village.name,
            "neighborhood": neighborhood}


def person_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """One validated registry person, or _Bad naming the first problem."""
    id_no = _text(row, "id_no").upper()
    if not is_valid_id(id_no):
        raise _Bad(id_no, "registry.err.id")
    name = _text(row, "name")
    if not name or len(name) > 40:
        raise _Bad(name, "registry.err.name")
    try:
        birth = _date(_text(row, "birth_date"))
    except ValueError:
        raise _Bad(_text(row, "birth_date"), "registry.err.birth") from None
    person: dict[str, Any] = {"id_no": id_no, "name": name, "birth_date": birth.isoformat()}
    if id_kind(id_no) is IdKind.NATIONAL:
        household = normalize_household(_text(row, "household_no"))
        if not is_valid_household(household):
            raise _Bad(household, "registry.err.household")
        person |= {"household_no": household, "address": _address(row)}
    else:
        try:
            issued = _date(_text(row, "permit_issue_date"))
            expires = _date(_text(row, "permit_expiry_date"))
        except ValueError:
            raise _Bad(_text(row, "permit_issue_date"), "registry.err.permit") from None
        serial = _text(row, "permit_serial").upper()
        if issued > expires or not _SERIAL.fullmatch(serial):
            raise _Bad(serial, "registry.err.permit")
        person["permit"] = {"issue_date": issued.isoformat(), "expiry_date": expires.isoformat(),
                            "serial": serial}
    dependants = [d.strip().upper() for d in re.split(r"[;,\s]+", _text(row, "dependants"))
                  if d.strip()]
    for dependant in dependants:
        if not is_valid_id(dependant) or dependant == id_no:
            raise _Bad(dependant, "registry.err.dependant")
    person["dependants"] = dependants
    return person


def read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError("registry.err.file", detail=exc.strerror or exc) from exc
    if path.suffix.lower() == ".json":
        try:
            rows = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportFileError("registry.err.file", detail=exc) from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportFileError("registry.err.file", detail="expected a list of objects")
        return rows
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("registry.err.file", detail="neither UTF-8 nor cp950")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id_no" not in [f.strip() for f in reader.fieldnames]:
        raise ImportFileError("registry.err.file", detail="the header has no id_no column")
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def import_registry(path: Path, registry: Registry) -> ImportReport:
    report = ImportReport()
    seen: set[str] = set()
    stored = registry.everyone()
    changed: list[dict[str, Any]] = []
    for number, row in enumerate(read_rows(path), start=1):
        try:
            person = person_from_row(row)
        except _Bad as bad:
            report.problems.append(RowProblem(number, bad.value, bad.reason))
            continue
        if person["id_no"] in seen:
            report.problems.append(RowProblem(number, person["id_no"], "registry.err.duplicate"))
            continue
        seen.add(person["id_no"])
        old = stored.get(person["id_no"])
        if old == person:
            report.unchanged += 1
            continue
        changed.append(person)
        if old is None:
            report.added += 1
        else:
            report.updated += 1
    if changed:
        registry.put_many(changed)   # one transaction: one rewrite of the store file
    return report
