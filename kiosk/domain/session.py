"""Who is signed in at the kiosk. Every workflow after sign-in takes a :class:`Session`;
sign-in itself (kiosk.domain.registration.sign_in, kiosk.domain.binding.qr_login) makes one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reader.card import CardData
from reader.events import ReaderEvent, ReadFailure


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in holder. A card sign-in lives only while the card stays in the reader; a
    certificate sign-in (自然人憑證) while that certificate card stays (``token``: its
    serial number); a QR sign-in (no card) until logout or the inactivity wipe."""

    id_no: str
    card_no: str
    name: str
    started_at: datetime
    must_change_password: bool = False
    via: str = "card"   # or "qr", "certificate"
    new_card: bool = False   # this sign-in moved the account onto a later card (新卡)
    token: str | None = None   # the certificate card's serial, for via="certificate"

    @property
    def by_card(self) -> bool:
        return self.via == "card"

    @property
    def by_certificate(self) -> bool:
        return self.via == "certificate"

    def holds(self, card: CardData | None) -> bool:
        """Whether ``card`` is the card this session began with: the same number and ID
        (the same person's other card is another card, and ends a card session)."""
        return card is not None and (card.card_no, card.id_no) == (self.card_no, self.id_no)

    @property
    def card_bound(self) -> bool:
        """Whether the session ends when its card leaves (every way but the QR)."""
        return self.via != "qr"

    def holds_card_of(self, event: ReaderEvent | None) -> bool:
        """Whether the card ``event`` reports is this session's own: the same NHI card,
        or, for a certificate sign-in, the certificate card of the same token."""
        if event is None:
            return False
        if self.by_certificate:
            return event.failure is ReadFailure.CERTIFICATE and event.token == self.token
        return self.holds(event.card)
