"""The inserted card, masked. It lives only while the card is in the reader."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical

from kiosk.domain.dates import roc_date
from kiosk.domain.mask import mask_card_no, mask_id, mask_name
from kiosk.domain.validate import id_kind, is_resident
from reader.card import CardData
from screens.base import KioskScreen
from screens.widgets.text import Computed, Tr


class CardScreen(KioskScreen):
    BINDINGS = [Binding("escape", "app.go_idle", "key.back")]

    def __init__(self, card: CardData, reader: str) -> None:
        super().__init__()
        self.card = card
        self.reader = reader

    def body(self) -> ComposeResult:
        card = self.card
        id_label = "card.id_resident" if is_resident(card.id_no) else "card.id"
        rows: list[tuple[str, object]] = [
            ("card.kind", lambda: self.t(f"card.kind_{id_kind(card.id_no).value}")),
            ("card.name", lambda: mask_name(card.name)),
            (id_label, lambda: mask_id(card.id_no)),
            ("card.birth", lambda: roc_date(card.birth_date, self.host.catalog)),
            ("card.sex", lambda: self.t(f"card.sex_{card.sex}")),
            ("card.card_no", lambda: mask_card_no(card.card_no)),
            ("card.issued", lambda: roc_date(card.issue_date, self.host.catalog)),
            ("card.reader", lambda: self.reader),
        ]
        with Vertical(id="card-body"):
            yield Tr("card.title", classes="screen-title")
            with Grid(id="card-grid"):
                for label, value in rows:
                    yield Tr(label, classes="field-label")
                    yield Computed(value, classes="field-value")
            yield Tr("card.masked", classes="note")
            yield Tr("card.remove_hint", classes="hint")
