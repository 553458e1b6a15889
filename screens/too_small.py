"""Shown instead of a broken layout while the terminal is below the minimum size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center
from textual.geometry import Size

from screens.base import KioskModal
from screens.widgets.text import Computed, Tr


class TooSmallScreen(KioskModal):
    """Says the size needed and the size the window has now: the app tells it each new
    size as the resize arrives (KioskApp._check_size), before Textual's own size follows."""

    def __init__(self, minimum: tuple[int, int], size: Size | None = None) -> None:
        super().__init__()
        self.minimum = minimum
        self.current = size

    def compose(self) -> ComposeResult:
        # in both languages, as the idle screen under it speaks both: a person who reads
        # only the other one is told too (seen at 60×20)
        with Center(id="too-small", classes="bilingual"):
            yield Tr("small.title", classes="screen-title")
            yield Computed(lambda: self._body("small.body"), classes="bilingual-body")
            yield Tr("small.title_secondary", classes="bilingual-title-secondary")
            yield Computed(lambda: self._body("small.body_secondary"),
                           classes="bilingual-body-secondary")

    def _body(self, key: str) -> str:
        w, h = self.minimum
        cw, ch = self.current or self.app.size
        return self.t(key, w=w, h=h, cw=cw, ch=ch)

    def show_size(self, size: Size) -> None:
        self.current = size
        self.refresh_language()
