"""The idle screen: the bilingual prompt and the menu of workflows that work."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from screens.base import KioskScreen
from screens.widgets.text import Computed


class IdleScreen(KioskScreen):
    BINDINGS = [Binding(str(n), f"menu({n})", show=False) for n in range(1, 10)]

    def menu_items(self) -> list[tuple[str, Callable[[], object]]]:
        """(catalog key, action) for each item; only what works is listed."""
        host = self.host
        items: list[tuple[str, Callable[[], object]]] = [
            ("menu.show_card", self._show_card),
            ("menu.lang", host.toggle_language),
        ]
        if host.demo:
            items.append(("menu.tray", self.app.action_tray))  # type: ignore[attr-defined]
        return items

    def body(self) -> ComposeResult:
        yield Computed(self._prompt, id="prompt-box")
        yield Computed(self._menu, id="menu")

    def _prompt(self) -> Text:
        return Text.assemble((self.t("idle.primary"), "bold"), "\n",
                             (self.t("idle.secondary"), "dim"))

    def _menu(self) -> Text:
        lines = [Text(self.t("idle.menu"), style="bold underline"), Text()]
        lines += [Text(f"  [{n}]  {self.t(key)}")
                  for n, (key, _action) in enumerate(self.menu_items(), start=1)]
        return Text("\n").join(lines)

    def action_menu(self, number: int) -> None:
        items = self.menu_items()
        if 1 <= number <= len(items):
            items[number - 1][1]()

    def _show_card(self) -> None:
        if not self.host.show_current_card():
            self.notify(self.t("idle.need_card"), timeout=4)
