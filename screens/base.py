"""The common frame of public screens: title bar, body, status bar, key bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen

from screens.card_policy import CardPolicy
from screens.host import KioskHost
from screens.widgets.bars import KeyBar, StatusBar, TitleBar
from screens.widgets.text import host_of

if TYPE_CHECKING:
    from reader.events import ReaderEvent


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


class CardAware:
    """What a screen does when a card comes or goes: one policy per screen class (the
    rules are in screens/card_policy.py, the app only acts on them)."""

    card_policy: ClassVar[CardPolicy] = CardPolicy.UNBOUND

    def card_changed(self, event: ReaderEvent | None) -> None:
        """The card in the reader changed (``READS``, ``SWAPS`` and ``STAFF`` screens are
        told): ``event`` is the insertion now in the active reader, None if none is."""


def card_policy_of(screen: object) -> CardPolicy:
    """The policy of any screen on the stack; one not of this kiosk needs no card."""
    return screen.card_policy if isinstance(screen, CardAware) else CardPolicy.UNBOUND


class KioskScreen(LanguageAware, CardAware, Screen[None]):
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


class KioskModal(LanguageAware, CardAware, ModalScreen[None]):
    pass

