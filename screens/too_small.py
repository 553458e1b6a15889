"""Shown instead of a broken layout while the terminal is below the minimum size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center

from screens.base import KioskModal
from screens.widgets.text import Computed, Tr


class TooSmallScreen(KioskModal):
    def __init__(self, minimum: tuple[int, int]) -> None:
        super().__init__()
        self.minimum = minimum

    def compose(self) -> ComposeResult:
        with Center(id="too-small"):
            yield Tr("small.title", classes="screen-title")
            yield Computed(self._body, id="too-small-body")

    def _body(self) -> str:
        w, h = self.minimum
        return self.t("small.body", w=w, h=h, cw=self.app.size.width, ch=self.app.size.height)

    def on_resize(self) -> None:
        self.refresh_language()
