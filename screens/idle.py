"""The idle screen: the bilingual prompt and the menu of workflows that work."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical

from screens.base import KioskScreen
from screens.widgets.text import Computed, Tr


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
        with Vertical(id="idle-body"):
            with Center(id="prompt-box"):
                yield Tr("idle.primary", id="prompt-primary")
                yield Tr("idle.secondary", id="prompt-secondary")
            with Vertical(id="menu"):
                yield Tr("idle.menu", classes="menu-title")
                for number, (key, _action) in enumerate(self.menu_items(), start=1):
                    yield Computed(
                        lambda n=number, k=key: f"[{n}]  {self.t(k)}", classes="menu-item"
                    )

    def action_menu(self, number: int) -> None:
        items = self.menu_items()
        if 1 <= number <= len(items):
            items[number - 1][1]()

    def _show_card(self) -> None:
        if not self.host.show_current_card():
            self.notify(self.t("idle.need_card"), timeout=4)
