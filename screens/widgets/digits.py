"""Digits drawn as a small picture (圖像驗證碼 / 交易驗證碼): the citizen reads them off the
screen and types them, as on the bank's page."""

from __future__ import annotations

from rich.text import Text

_GLYPHS = {
    "0": ("███", "█ █", "█ █", "█ █", "███"), "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"), "3": ("███", "  █", "███", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"), "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"), "7": ("███", "  █", " █ ", " █ ", " █ "),
    "8": ("███", "█ █", "███", "█ █", "███"), "9": ("███", "█ █", "███", "  █", "███"),
}


def block_digits(code: str, style: str = "bold") -> Text:
    rows = ["  ".join(_GLYPHS[c][row] for c in code) for row in range(5)]
    return Text("\n".join(rows), style=style)
