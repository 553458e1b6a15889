"""Taiwan identity formats: national ID, ARC and UI numbers, card numbers.

Pure functions; each answers a yes/no question or a reason key for the catalog, so the
screens can show the reason in the user's language.
"""

from __future__ import annotations

import operator
import re
from enum import StrEnum

LETTER_VALUES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "X": 30, "Y": 31, "W": 32, "Z": 33, "I": 34, "O": 35,
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1)
_DIGIT_ZEROS = ord("0") * (sum(_WEIGHTS[1:]) + 1)   # what ASCII codes add to the sum

# re.ASCII: \d would take any script's digits, and "A12345678\uff19" (a full-width 9) would
# be a second valid number for the person A123456789
_NATIONAL = re.compile(r"[A-Z][12]\d{8}", re.ASCII)
_UI_NEW = re.compile(r"[A-Z][89]\d{8}", re.ASCII)
_ARC_OLD = re.compile(r"[A-Z][A-D]\d{8}", re.ASCII)
_ANY_ID = re.compile(r"[A-Z][1289A-D]\d{8}", re.ASCII)     # _NATIONAL, _UI_NEW or _ARC_OLD
#: what the second character weighs: its digit, or an old ARC letter's last digit
_SECOND_VALUES = {**{d: int(d) for d in "1289"}, **{c: LETTER_VALUES[c] % 10 for c in "ABCD"}}
_CARD_NO = re.compile(r"\d{12}", re.ASCII)
_HOUSEHOLD = re.compile(r"[A-Z][A-Z0-9]\d{6}", re.ASCII)
_PERMIT_SERIAL = re.compile(r"[A-Z0-9]{6,12}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
_MOBILE = re.compile(r"09\d{8}", re.ASCII)
_PHONE = re.compile(r"(0\d+(?:-\d+)*)(?:#\d{1,6})?", re.ASCII)   # dashes between digit groups
_PHONE_DIGITS = range(7, 13)   # area code (2 to 4 with its 0) and number (5 to 8)


class IdKind(StrEnum):
    NATIONAL = "national"
    RESIDENT_UI = "resident_ui"      # new-format resident number (from 2021)
    RESIDENT_ARC = "resident_arc"    # old-format ARC number
    UNKNOWN = "unknown"


def id_kind(id_no: str) -> IdKind:
    """Classify by shape only; see :func:`is_valid_id` for the checksum."""
    value = id_no.strip().upper()
    if _NATIONAL.fullmatch(value):
        return IdKind.NATIONAL
    if _UI_NEW.fullmatch(value):
        return IdKind.RESIDENT_UI
    if _ARC_OLD.fullmatch(value):
        return IdKind.RESIDENT_ARC
    return IdKind.UNKNOWN


def _checksum(id_no: str, second: int) -> int:
    """The weighted sum whose last digit is 0 for a valid number (map, not a generator: a
    batch file checks 100,000 of them)."""
    v = LETTER_VALUES[id_no[0]]
    digits = id_no.encode("ascii")   # ASCII digits (the patterns say so): b"0" is 48
    weighted = second * _WEIGHTS[0] + sum(map(operator.mul, digits[2:9], _WEIGHTS[1:]))
    return v // 10 + (v % 10) * 9 + weighted + digits[9] - _DIGIT_ZEROS


def is_valid_id(id_no: str) -> bool:
    """National ID, new UI number or old ARC number with a correct check digit (the three
    shapes of :func:`id_kind` in one pattern: a batch file checks 100,000)."""
    value = id_no.strip().upper()
    if not _ANY_ID.fullmatch(value):
        return False
    return _checksum(value, _SECOND_VALUES[value[1]]) % 10 == 0


def is_resident(id_no: str) -> bool:
    return id_kind(id_no) in (IdKind.RESIDENT_UI, IdKind.RESIDENT_ARC)


def is_valid_card_no(card_no: str) -> bool:
    return bool(_CARD_NO.fullmatch(card_no.strip()))


def normalize_household(value: str) -> str:
    return value.strip().upper()


def is_valid_household(value: str) -> bool:
    """戶號: 8 characters, letter(s) then digits (e.g. AB123456), case-insensitive."""
    return bool(_HOUSEHOLD.fullmatch(normalize_household(value)))


def is_valid_permit_serial(value: str) -> bool:
    """The serial number on the back of a residence permit: 6 to 12 letters and digits,
    case-insensitive (compared upper-case)."""
    return bool(_PERMIT_SERIAL.fullmatch(value.strip().upper()))


def is_valid_email(value: str) -> bool:
    value = value.strip()
    return len(value) <= 254 and bool(_EMAIL.fullmatch(value))


_PHONE_NOISE = str.maketrans("", "", " ()")


def normalize_phone(value: str) -> str:
    """Without spaces and parentheses (str.translate: a batch file checks 100,000)."""
    return value.strip().translate(_PHONE_NOISE)


def is_valid_mobile(value: str) -> bool:
    return _is_mobile(normalize_phone(value))


def _is_mobile(normalized: str) -> bool:
    return bool(_MOBILE.fullmatch(normalized.replace("-", "")))


def is_valid_phone(value: str) -> bool:
    """A mobile number, or area code + number (+ #extension), with dashes between the
    digit groups or none: 02-23456789#123, 02-2345-6789#12, (02) 2345 6789. The one rule
    for every phone the kiosk takes (registration, contact changes, batch files, card
    applications)."""
    if _MOBILE.fullmatch(value):   # the usual case, as typed: nothing to normalize
        return True
    value = normalize_phone(value)
    if _is_mobile(value):
        return True
    match = _PHONE.fullmatch(value)
    return match is not None and len(match[1].replace("-", "")) in _PHONE_DIGITS
