"""What a card monitor reports. Every backend yields the same events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from reader.card import CardData

Clock = Callable[[], datetime]
"""What stamps an event with the time it happened: a monitor's default is local_now."""

CertificateProbe = Callable[[str], "str | None"]
"""Given a reader whose card is not an NHI card: the serial of the 自然人憑證 token the
PKCS#11 module shows in that reader, or None (reader/token.py, Pkcs11Token.in_reader)."""


def local_now() -> datetime:
    """Now, as an aware datetime in the machine's time zone: when a card came or went."""
    return datetime.now().astimezone()


class EventKind(StrEnum):
    READER_ATTACHED = "reader_attached"
    READER_DETACHED = "reader_detached"
    INSERTED = "inserted"
    REMOVED = "removed"
    SERVICE_LOST = "service_lost"
    SERVICE_BACK = "service_back"


class ReadFailure(StrEnum):
    """Why an inserted card produced no card record."""

    NOT_NHI = "not_nhi"
    CERTIFICATE = "certificate"   # not NHI: a 自然人憑證, its PKCS#11 token in this reader
    REMOVED = "removed_during_read"
    FAILED = "read_failed"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    kind: EventKind
    at: datetime
    reader: str | None = None
    card: CardData | None = None
    failure: ReadFailure | None = None
    detail: str = field(default="", compare=False)
    token: str | None = None     # a certificate card's token serial (ReadFailure.CERTIFICATE)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.kind.value, "reader": self.reader}
        if self.kind is EventKind.INSERTED:
            out["card"] = self.card.to_json() if self.card else None
            if self.failure:
                out["error"] = self.failure.value
        if self.detail:
            out["detail"] = self.detail
        out["at"] = self.at.isoformat(timespec="milliseconds")
        return out
