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
        with Center(id="too-small"):
            yield Tr("small.title", classes="screen-title")
            yield Computed(self._body, id="too-small-body")

    def _body(self) -> str:
        w, h = self.minimum
        cw, ch = self.current or self.app.size
        return self.t("small.body", w=w, h=h, cw=cw, ch=ch)

    def show_size(self, size: Size) -> None:
        self.current = size
        self.refresh_language()
