"""Loading real registry facts: ``nhi-kiosk registry import FILE`` (CSV or JSON).

Columns (CSV header, or JSON object keys): id_no, name, birth_date (YYYY-MM-DD or ROC
yyy/mm/dd), household_no, county, district, village, neighborhood (nationals), permit_issue_date,
permit_expiry_date, permit_serial (residents), dependants (ID numbers separated by ``;``),
and optionally card_no and card_issue_date of the person's valid NHI card (what mobile-phone
authentication checks the last four digits against before the person has registered).
Every row is checked on its own; good rows are stored (re-importing changes nothing), bad
rows are reported with their row number, the offending value and a reason; a name (or any
value) with a control character is a bad row. A file over the limits of
docs/import-limits.md (size, rows, line and value length, JSON shape, digits) is refused
whole and nothing is stored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kiosk.domain import address
from kiosk.domain.registry import Registry
from kiosk.domain.rows import BadRow, ImportReport, date_of, has_control, import_rows, text_of
from kiosk.domain.validate import (
    IdKind,
    id_kind,
    is_valid_card_no,
    is_valid_household,
    is_valid_id,
    is_valid_permit_serial,
    normalize_household,
)

COLUMNS = ("id_no", "name", "birth_date", "household_no", "county", "district", "village",
           "neighborhood", "permit_issue_date", "permit_expiry_date", "permit_serial",
           "dependants", "card_no", "card_issue_date")


def _address(row: dict[str, Any]) -> dict[str, Any]:
    county = address.find_county(text_of(row, "county"))
    if county is None:
        raise BadRow(text_of(row, "county"), "registry.err.address")
    wanted = address.normalize(text_of(row, "district"))
    district = next((d for d in address.districts(county.code)
                     if address.normalize(d.name) == wanted), None)
    if district is None:
        raise BadRow(text_of(row, "district"), "registry.err.address")
    wanted = address.normalize(text_of(row, "village"))
    village = next((v for v in address.villages(district.code)
                    if address.normalize(v.name) == wanted), None)
    if village is None:
        raise BadRow(text_of(row, "village"), "registry.err.address")
    try:
        neighborhood = address.parse_neighborhood(text_of(row, "neighborhood"))
    except address.AddressError:
        raise BadRow(text_of(row, "neighborhood"), "registry.err.neighborhood") from None
    return {"county": county.name, "district": district.name, "village": village.name,
            "neighborhood": neighborhood}


def person_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """One validated registry person, or BadRow naming the first problem."""
    id_no = text_of(row, "id_no").upper()
    if not is_valid_id(id_no):
        raise BadRow(id_no, "registry.err.id")
    name = text_of(row, "name")
    if not name or len(name) > 40:
        raise BadRow(name, "registry.err.name")
    if has_control(name):           # shown on screens and papers: never NUL, ESC, bidi
        raise BadRow(name, "import.row.control")
    try:
        birth = date_of(text_of(row, "birth_date"))
    except ValueError:
        raise BadRow(text_of(row, "birth_date"), "registry.err.birth") from None
    person: dict[str, Any] = {"id_no": id_no, "name": name, "birth_date": birth.isoformat()}
    if id_kind(id_no) is IdKind.NATIONAL:
        household = normalize_household(text_of(row, "household_no"))
        if not is_valid_household(household):
            raise BadRow(household, "registry.err.household")
        person |= {"household_no": household, "address": _address(row)}
    else:
        try:
            issued = date_of(text_of(row, "permit_issue_date"))
            expires = date_of(text_of(row, "permit_expiry_date"))
        except ValueError:
            raise BadRow(text_of(row, "permit_issue_date"), "registry.err.permit") from None
        serial = text_of(row, "permit_serial").upper()
        if issued > expires or not is_valid_permit_serial(serial):
            raise BadRow(serial, "registry.err.permit")
        person["permit"] = {"issue_date": issued.isoformat(), "expiry_date": expires.isoformat(),
                            "serial": serial}
    dependants = [d.strip().upper() for d in re.split(r"[;,\s]+", text_of(row, "dependants"))
                  if d.strip()]
    for dependant in dependants:
        if not is_valid_id(dependant) or dependant == id_no:
            raise BadRow(dependant, "registry.err.dependant")
    person["dependants"] = dependants
    return person | _card(row)


def _card(row: dict[str, Any]) -> dict[str, Any]:
    card_no = text_of(row, "card_no")
    if not card_no:
        return {}
    if not is_valid_card_no(card_no):
        raise BadRow(card_no, "registry.err.card")
    try:
        issued = date_of(text_of(row, "card_issue_date"))
    except ValueError:
        raise BadRow(text_of(row, "card_issue_date"), "registry.err.card") from None
    return {"card_no": card_no, "card_issue_date": issued.isoformat()}


def import_registry(path: Path, registry: Registry) -> ImportReport:
    """``nhi-kiosk registry import FILE``: ImportFileError when the file is refused whole."""
    return import_rows(path, "id_no", person_from_row, registry.everyone(),
                       registry.put_many, "registry.err.duplicate")
