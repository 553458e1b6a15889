"""The common frame of public screens: title bar, body, status bar, key bar."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen

from screens.host import KioskHost
from screens.widgets.bars import KeyBar, StatusBar, TitleBar
from screens.widgets.text import host_of


class LanguageAware:
    """Re-renders every catalog-backed widget of a screen on a language toggle."""

    @property
    def host(self) -> KioskHost:
        return host_of(self)

    def t(self, key: str, **params: object) -> str:
        return self.host.catalog.t(key, **params)

    def refresh_language(self) -> None:
        for widget in self.query(  # type: ignore[attr-defined]
                "Tr, Computed, KeyBar, TitleBar, Notice, AddressPicker, QrCode"):
            widget.refresh_text()


class KioskScreen(LanguageAware, Screen[None]):
    """A full public screen; subclasses yield their body from :meth:`body`."""

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield from self.body()
        with Vertical(classes="bottom-bars"):   # one dock of two rows: see kiosk.tcss
            yield StatusBar()
            yield KeyBar()

    def body(self) -> ComposeResult:
        yield from ()

    def refresh_status(self) -> None:
        for bar in self.query(StatusBar):
            bar.refresh_text()


class KioskModal(LanguageAware, ModalScreen[None]):
    pass

