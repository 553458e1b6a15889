"""What the kiosk accepts from a card it could read: the data must also be *valid*."""

from __future__ import annotations

from kiosk.domain.validate import is_valid_card_no, is_valid_id
from reader.card import CardData


def card_problem(card: CardData) -> str | None:
    """A catalog key naming what is wrong with the card's data, or None when it is fine."""
    if not is_valid_id(card.id_no):
        return "invalid.id"
    if not is_valid_card_no(card.card_no):
        return "invalid.card_no"
    if card.birth_date > card.issue_date:
        return "invalid.dates"
    return None
