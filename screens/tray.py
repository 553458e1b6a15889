"""The demo card tray: insert and remove the demo cards with a key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from screens.base import KioskModal
from screens.widgets.text import Computed, Tr

TRAY_KEYS = "1234567890"


class TrayScreen(KioskModal):
    BINDINGS = [
        *(Binding(k, f"insert({i})", show=False) for i, k in enumerate(TRAY_KEYS)),
        Binding("escape", "close", "key.back"),
    ]

    def compose(self) -> ComposeResult:
        cards = self.host.demo_cards()
        with Vertical(id="tray"):
            yield Tr("tray.title", classes="screen-title")
            for key, demo in zip(TRAY_KEYS, cards, strict=False):
                yield Computed(
                    lambda k=key, d=demo: (
                        f"[{k}] {'▶' if self.host.demo_present() == d.key else ' '} "
                        f"{self.t('demo.' + d.key)}"
                    ),
                    classes="tray-item",
                )
            yield Computed(self._present_text, classes="hint")
            yield Tr("tray.hint", classes="note")

    def _present_text(self) -> str:
        present = self.host.demo_present()
        if present is None:
            return self.t("tray.empty")
        return self.t("tray.inserted", card=self.t("demo." + present))

    def action_insert(self, index: int) -> None:
        cards = self.host.demo_cards()
        if index < len(cards):
            self.dismiss()
            self.host.insert_demo(cards[index].key)

    def action_close(self) -> None:
        self.dismiss()
