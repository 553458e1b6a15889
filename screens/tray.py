"""The demo card tray: insert and remove the demo cards with a key. A page holds ten
cards (the digits 1–9 and 0); PgDn and PgUp turn to the other pages."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from screens.base import KioskModal
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed, Tr

TRAY_SIZE = 10   # the digits 1–9 and 0: the cards of one page


class TrayScreen(KioskModal):
    BINDINGS = [*menu_keys(TRAY_SIZE),
                Binding("pagedown", "page(1)", "key.next_page"),
                Binding("pageup", "page(-1)", "key.prev_page"),
                Binding("escape", "close", "key.back")]

    title_key = "tray.title"
    box_id = "tray"

    def __init__(self) -> None:
        super().__init__()
        self.page = 0

    def fields(self) -> ComposeResult:
        yield NumberedMenu(self._cards, label=self._card_label, gap=" ")
        yield Computed(self._page_text, id="tray-page", classes="note")
        yield Computed(self._present_text, classes="hint")
        yield Tr("tray.hint", classes="note")

    def _pages(self) -> int:
        return max(1, -(-len(self.host.demo_cards()) // TRAY_SIZE))

    def _page_text(self) -> str:
        pages = self._pages()
        return self.t("tray.page", page=self.page + 1, pages=pages) if pages > 1 else ""

    def _present_text(self) -> str:
        present = self.host.demo_present()
        if present is None:
            return self.t("tray.empty")
        return self.t("tray.inserted", card=self.t("demo." + present))

    def _cards(self) -> list[tuple[str, str]]:
        start = self.page * TRAY_SIZE
        return [(demo.key, demo.key)
                for demo in self.host.demo_cards()[start:start + TRAY_SIZE]]

    def _card_label(self, key: str) -> str:
        """The card in the reader now is marked."""
        return f"{'▶' if self.host.demo_present() == key else ' '} {self.t('demo.' + key)}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":
            step = parameters[0] if parameters and isinstance(parameters[0], int) else 0
            return 0 <= self.page + step < self._pages()
        return True

    def action_page(self, step: int) -> None:
        if 0 <= self.page + step < self._pages():
            self.page += step
            self.refresh_language()   # the menu and the page line are read again
            self.refresh_bindings()

    def action_pick(self, digit: int) -> None:
        key = self.query_one(NumberedMenu).chosen(digit)
        if key is not None:
            self.dismiss()
            self.host.insert_demo(key)

    def action_close(self) -> None:
        self.dismiss()
