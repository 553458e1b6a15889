"""Screens that explain a problem and what to do; none of them shows personal data."""

from __future__ import annotations

from enum import StrEnum

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from screens.base import KioskScreen
from screens.widgets.text import Computed, Tr


class Problem(StrEnum):
    NOT_NHI = "not_nhi"
    INVALID = "invalid"
    REMOVED = "removed"
    FAILED = "failed"
    NO_SERVICE = "no_service"
    NO_READER = "no_reader"


class MessageScreen(KioskScreen):
    BINDINGS = [
        Binding("enter", "app.go_idle", "key.back"),
        Binding("escape", "app.go_idle", "key.back", show=False),
    ]

    def __init__(self, problem: Problem, reason_key: str | None = None, *,
                 reader: str | None = None) -> None:
        """``reader``: the one reader this kiosk is bound to, named in NO_READER."""
        super().__init__(classes=f"problem-{problem.value}")
        self.problem = problem
        self.reason_key = reason_key
        self.reader = reader

    def body(self) -> ComposeResult:
        p = self.problem.value
        with Vertical(id="message-body"):
            yield Tr(f"msg.{p}_title", classes="screen-title")
            if self.reason_key:
                yield Computed(
                    lambda: self.t(f"msg.{p}_body", reason=self.t(self.reason_key or "")),
                    classes="message",
                )
            elif self.reader is not None:
                yield Tr(f"msg.{p}_bound_body", params={"name": self.reader},
                         classes="message")
            else:
                yield Tr(f"msg.{p}_body", classes="message")
            yield Tr(f"msg.{p}_hint", classes="hint")
