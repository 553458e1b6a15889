"""The demo's card tray: the simulated reader (reader/simulated.py) seen as the cards one
puts in with the tray (F7) and takes out with F8. Only the demo has it; on a real kiosk
both keys do nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from reader.demo import DEMO_CARDS, DemoCard

if TYPE_CHECKING:
    from reader.simulated import SimulatedMonitor

#: the app's actions that belong to the tray
ACTIONS = ("tray", "remove_card")


class DemoTray:
    def __init__(self, monitor: object, *, demo: bool, changed: Callable[[], None]) -> None:
        self._monitor = monitor
        self.enabled = demo
        self._changed = changed        # what F8 offers changed: the key bar is redrawn

    def cards(self) -> tuple[DemoCard, ...]:
        cards: tuple[DemoCard, ...] = getattr(self._monitor, "cards", DEMO_CARDS)
        return cards

    def present(self) -> str | None:
        """The key of the demo card in the reader, if one is."""
        present = getattr(self._monitor, "present", None)
        return present.key if present is not None else None

    def insert(self, key: str) -> None:
        cast("SimulatedMonitor", self._monitor).insert(key)
        self._changed()

    def remove(self) -> None:
        cast("SimulatedMonitor", self._monitor).remove()
        self._changed()

    def allows(self, action: str) -> bool:
        """Whether a tray action (F7 ``tray``, F8 ``remove_card``) does anything now."""
        if not self.enabled:
            return False
        return action != "remove_card" or self.present() is not None
