"""The 57-byte NHI card profile and its typed record.

The profile is the only thing the kiosk ever reads from a card, so the parser is the
trust boundary: whatever bytes arrive, it returns a :class:`CardData` or raises
:class:`CardFormatError`, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PROFILE_LEN = 57
ROC_OFFSET = 1911

_CARD_NO = slice(0, 12)
_NAME = slice(12, 32)
_ID_NO = slice(32, 42)
_BIRTH = slice(42, 49)
_SEX = 49
_ISSUE = slice(50, 57)

_DIGITS12 = re.compile(r"\d{12}")
_ROC_DATE = re.compile(r"\d{7}")
_ID_SHAPE = re.compile(r"[A-Z][A-Z0-9]\d{8}")


class CardFormatError(ValueError):
    """The card answered, but its profile is not a well-formed NHI profile."""


@dataclass(frozen=True, slots=True)
class CardData:
    card_no: str
    name: str
    id_no: str
    birth_date: date
    sex: str
    issue_date: date

    def to_json(self) -> dict[str, str]:
        return {
            "card_no": self.card_no,
            "name": self.name,
            "id_no": self.id_no,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "issue_date": self.issue_date.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> CardData:
        """Build a card from the JSON shape of :meth:`to_json` (virtual cards, fixtures)."""
        try:
            return cls(
                card_no=str(data["card_no"]),
                name=str(data["name"]),
                id_no=str(data["id_no"]).upper(),
                birth_date=date.fromisoformat(str(data["birth_date"])),
                sex=str(data["sex"]).upper(),
                issue_date=date.fromisoformat(str(data["issue_date"])),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CardFormatError(f"card JSON is incomplete or malformed: {exc}") from exc


def parse_roc_date(text: str) -> date:
    """ROC ``yyyMMdd`` (民國 year = Gregorian − 1911) to a date."""
    if not _ROC_DATE.fullmatch(text):
        raise CardFormatError(f"not an ROC yyyMMdd date: {text!r}")
    try:
        return date(int(text[:3]) + ROC_OFFSET, int(text[3:5]), int(text[5:7]))
    except ValueError as exc:
        raise CardFormatError(f"impossible ROC date {text!r}") from exc


def format_roc_compact(day: date) -> str:
    year = day.year - ROC_OFFSET
    if not 0 < year < 1000:
        raise CardFormatError(f"{day} cannot be written as an ROC yyyMMdd date")
    return f"{year:03d}{day.month:02d}{day.day:02d}"


def _ascii_field(raw: bytes, what: str) -> str:
    try:
        return raw.decode("ascii").strip("\x00 ")
    except UnicodeDecodeError as exc:
        raise CardFormatError(f"{what} is not ASCII") from exc


def decode_name(raw: bytes) -> str:
    """cp950 (Big5 with Microsoft's extensions), NUL- or space-padded, decoded pair by pair.

    ``big5`` would reject 碁銹裏墻恒粧嫺 (F9D6–F9DC), hence cp950. The rule for what cp950
    cannot decode: a lead byte 0x81–0xFE and the byte after it, whatever that byte is, are
    one pair and so one character; a pair cp950 has no character for becomes exactly one
    U+FFFD, and no byte of it shows on its own. Python's codec with ``errors="replace"``
    resynchronises after a bad lead byte, so a name with a user-defined character (造字,
    e.g. FA 40) came out as ``陳�@明``: a wrong name, one character too long, with a stray
    ``@``. A lead byte with nothing after it, and the bytes 0x80 and 0xFF, are one U+FFFD
    each; bytes below 0x80 are ASCII.

    U+FFFD, not the private-use code point Windows' cp950 gives user-defined characters
    (U+E000…): a private-use character shows as some other glyph, or none, depending on
    the fonts of whoever looks at it, while U+FFFD plainly says "this character could not
    be read" on the screen, in logs and in the store.
    """
    text = raw.rstrip(b"\x00 ")
    out: list[str] = []
    i = 0
    while i < len(text):
        byte = text[i]
        if byte < 0x80:
            out.append(chr(byte))
            i += 1
        elif 0x81 <= byte <= 0xFE and i + 1 < len(text):
            try:
                out.append(text[i : i + 2].decode("cp950"))
            except UnicodeDecodeError:
                out.append("\ufffd")
            i += 2
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out).strip("\x00 \u3000")


def parse_profile(data: bytes) -> CardData:
    if len(data) != PROFILE_LEN:
        raise CardFormatError(f"profile is {len(data)} bytes, expected {PROFILE_LEN}")
    card_no = _ascii_field(data[_CARD_NO], "card number")
    if not _DIGITS12.fullmatch(card_no):
        raise CardFormatError("card number is not 12 digits")
    id_no = _ascii_field(data[_ID_NO], "ID number").upper()
    if not _ID_SHAPE.fullmatch(id_no):
        raise CardFormatError("ID number has the wrong shape")
    sex = chr(data[_SEX]).upper()
    if sex not in ("M", "F"):
        raise CardFormatError("sex is neither M nor F")
    name = decode_name(data[_NAME])
    if not name:
        raise CardFormatError("name is empty")
    return CardData(
        card_no=card_no,
        name=name,
        id_no=id_no,
        birth_date=parse_roc_date(_ascii_field(data[_BIRTH], "birth date")),
        sex=sex,
        issue_date=parse_roc_date(_ascii_field(data[_ISSUE], "issue date")),
    )


def encode_profile(card: CardData, *, pad: bytes = b"\x00") -> bytes:
    """The inverse of :func:`parse_profile`, for virtual and simulated cards."""
    name = card.name.encode("cp950")
    if len(name) > 20:
        raise CardFormatError("name is longer than 20 bytes in cp950")
    out = (
        card.card_no.encode("ascii").ljust(12, pad)[:12]
        + name.ljust(20, pad)
        + card.id_no.encode("ascii").ljust(10, pad)[:10]
        + format_roc_compact(card.birth_date).encode("ascii")
        + card.sex.encode("ascii")[:1]
        + format_roc_compact(card.issue_date).encode("ascii")
    )
    assert len(out) == PROFILE_LEN
    return out
