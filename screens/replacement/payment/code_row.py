"""The verification-code row both online payments ask for: the box to type the code in,
beside the picture of the code (drawn in block digits, so it is read, not copied)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from screens.widgets.text import Computed, Tr


def code_row(label_key: str, length: int, picture: Any) -> ComposeResult:
    """The code box beside the picture of the code it asks for."""
    with Horizontal(classes="code-row"):
        yield Tr(label_key, classes="form-label")
        yield Input(id="f-code", max_length=length, restrict=r"\d*", compact=True)
        yield Computed(picture, id="code-picture")
