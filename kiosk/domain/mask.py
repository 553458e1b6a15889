"""Masking personal data for the screen: ID A12****789, name 甄○康, card ****5678."""

from __future__ import annotations

import unicodedata

MASK_CJK = "○"


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def mask_name(name: str) -> str:
    """Keep the first and last character of a Chinese name; initials of a Latin one."""
    name = name.strip()
    if not name:
        return ""
    if any(_is_wide(ch) for ch in name):
        if len(name) == 1:
            return name
        if len(name) == 2:
            return name[0] + MASK_CJK
        return name[0] + MASK_CJK * (len(name) - 2) + name[-1]
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def mask_id(id_no: str) -> str:
    """A123456789 → A12****789."""
    if len(id_no) < 7:
        return "*" * len(id_no)
    return id_no[:3] + "*" * (len(id_no) - 6) + id_no[-3:]


def mask_card_no(card_no: str) -> str:
    """000012345678 → ****5678: the last four are what phone authentication asks for."""
    return "****" + card_no[-4:] if len(card_no) >= 4 else "****"


def mask_phone(phone: str) -> str:
    """0912345678 → 0912***678."""
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 8 else "***"
