"""Widgets whose text comes from the catalog and follows the language toggle."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from textual.widgets import Static

from kiosk.domain.dates import roc_year
from kiosk.domain.i18n import Phrase
from screens.host import KioskHost


def host_of(node: Any) -> KioskHost:
    return cast(KioskHost, node.app)


def day_phrase(day: date) -> Phrase:
    """A day as a message's parameter that follows F2 with the message (roc_date's words,
    kept as their key): a date formatted once stayed in the language it was made in."""
    return Phrase("date.day", {"roc": roc_year(day), "y": day.year, "m": f"{day.month:02d}",
                               "d": f"{day.day:02d}"})


class Tr(Static):
    """A catalog string; re-rendered when the language changes."""

    def __init__(self, key: str, *, params: dict[str, object] | None = None, **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self.key = key
        self.params = params or {}

    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        self.update(host_of(self).catalog.t(self.key, **self.params))


class Computed(Static):
    """Text (or a Rich ``Text``) computed from app state by a callback; re-rendered on
    language and status changes."""

    def __init__(self, render_text: Any, **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self._render_text = render_text

    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        self.update(self._render_text())


class Notice(Static):
    """A translated message that can be set, cleared and re-rendered on a language toggle."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self._key: str | None = None
        self._params: dict[str, Any] = {}
        self.display = False

    def say(self, key: str | None, **params: Any) -> None:
        self._key, self._params = key, params
        self.refresh_text()

    def refresh_text(self) -> None:
        self.update(host_of(self).catalog.t(self._key, **self._params) if self._key else "")
        self.display = bool(self._key)
