"""The demo card tray: insert and remove the demo cards with a key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from screens.base import KioskModal
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed, Tr

TRAY_SIZE = 10   # the digits 1–9 and 0


class TrayScreen(KioskModal):
    BINDINGS = [*menu_keys(TRAY_SIZE), Binding("escape", "close", "key.back")]

    title_key = "tray.title"
    box_id = "tray"

    def fields(self) -> ComposeResult:
        yield NumberedMenu(self._cards, label=self._card_label, gap=" ")
        yield Computed(self._present_text, classes="hint")
        yield Tr("tray.hint", classes="note")

    def _present_text(self) -> str:
        present = self.host.demo_present()
        if present is None:
            return self.t("tray.empty")
        return self.t("tray.inserted", card=self.t("demo." + present))

    def _cards(self) -> list[tuple[str, str]]:
        return [(demo.key, demo.key) for demo in self.host.demo_cards()[:TRAY_SIZE]]

    def _card_label(self, key: str) -> str:
        """The card in the reader now is marked."""
        return f"{'▶' if self.host.demo_present() == key else ' '} {self.t('demo.' + key)}"

    def action_pick(self, digit: int) -> None:
        key = self.query_one(NumberedMenu).chosen(digit)
        if key is not None:
            self.dismiss()
            self.host.insert_demo(key)

    def action_close(self) -> None:
        self.dismiss()
