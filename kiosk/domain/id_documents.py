"""The identity documents staff check at the counter.

Nationals show a 國民身分證, a 中華民國護照 or a 駕照 (or, under 14 and without an ID card
yet, the 戶口名簿); foreign residents their 居留證. Staff type the document's number, and
the number is checked against the person where it can be: an ID card, a Taiwanese driving
licence and a residence permit carry the ID (or ARC/UI) number itself; a household
register has its 戶號; a passport nine digits. A document of someone else is refused
before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.domain.errors import InvalidInput
from kiosk.domain.mask import mask_id
from kiosk.domain.validate import is_resident, is_valid_household, normalize_household

PASSPORT = re.compile(r"\d{9}")
HOUSEHOLD_MAX_AGE = 14


class DocKind(StrEnum):
    ID_CARD = "id_card"        # 國民身分證
    HOUSEHOLD = "household"    # 戶口名簿 (under 14, no ID card yet)
    PASSPORT = "passport"      # 中華民國護照
    DRIVING = "driving"        # 駕照
    RESIDENCE = "residence"    # 居留證


NATIONAL_KINDS = (DocKind.ID_CARD, DocKind.HOUSEHOLD, DocKind.PASSPORT, DocKind.DRIVING)
RESIDENT_KINDS = (DocKind.RESIDENCE,)
CARRIES_ID = (DocKind.ID_CARD, DocKind.DRIVING, DocKind.RESIDENCE)


@dataclass(frozen=True, slots=True)
class IdDocument:
    """A document staff have seen, and whose it is."""

    id_no: str
    kind: DocKind
    number: str

    def masked(self) -> str:
        return mask_id(self.number)

    def as_record(self) -> dict[str, str]:
        return {"kind": self.kind.value, "number": self.number}


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def check_document(kind: str, number: str, id_no: str, birth_date: date | None,
                   today: date) -> IdDocument:
    """The document as recorded, or InvalidInput naming the field (``doc_kind`` or
    ``doc_number``) and why. A field that is missing (None, or not text: a form with
    nothing chosen) is refused like an empty one, never an AttributeError."""
    try:
        doc_kind = DocKind(kind)
    except ValueError:
        raise InvalidInput("doc_kind", "err.doc.kind") from None
    if not isinstance(number, str):
        raise InvalidInput("doc_number", "err.doc.number")
    allowed = RESIDENT_KINDS if is_resident(id_no) else NATIONAL_KINDS
    if doc_kind not in allowed:
        raise InvalidInput("doc_kind", "err.doc.resident" if is_resident(id_no)
                           else "err.doc.national")
    number = number.strip().upper()
    if not number:
        raise InvalidInput("doc_number", "err.doc.number")
    if doc_kind in CARRIES_ID and number != id_no:
        raise InvalidInput("doc_number", "err.doc.not_this_person")
    if doc_kind is DocKind.PASSPORT and not PASSPORT.fullmatch(number):
        raise InvalidInput("doc_number", "err.doc.passport")
    if doc_kind is DocKind.HOUSEHOLD:
        if birth_date is None:
            raise InvalidInput("doc_kind", "err.doc.household_card", age=HOUSEHOLD_MAX_AGE)
        if age_on(birth_date, today) >= HOUSEHOLD_MAX_AGE:
            raise InvalidInput("doc_kind", "err.doc.household_age", age=HOUSEHOLD_MAX_AGE)
        if not is_valid_household(number):
            raise InvalidInput("doc_number", "err.doc.household")
        number = normalize_household(number)
    return IdDocument(id_no, doc_kind, number)


def likely_kind(id_no: str, birth_date: date | None, today: date) -> DocKind:
    """What this person most likely shows, to preselect: the clerk can still change it."""
    if is_resident(id_no):
        return DocKind.RESIDENCE
    if birth_date is not None and age_on(birth_date, today) < HOUSEHOLD_MAX_AGE:
        return DocKind.HOUSEHOLD
    return DocKind.ID_CARD
