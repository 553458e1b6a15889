"""The idle screen: the bilingual prompt and the menu of workflows that work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult

from screens.base import KioskScreen
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed


class IdleScreen(KioskScreen):
    BINDINGS = menu_keys(10)

    def menu_items(self) -> list[str]:
        """Catalog keys of the items, in order; only workflows that work are listed."""
        items = ["menu.register", "menu.login", "menu.qr_login", "menu.phone_auth",
                 "menu.forgot", "menu.code", "menu.show_card", "menu.lang"]
        if self.host.demo:
            items += ["menu.outbox", "menu.tray"]
        return items

    def _open(self, key: str) -> None:
        # Imported on use: the first paint needs none of the workflow screens.
        from screens.binding.phone_auth import PhoneAuthScreen
        from screens.binding.qr_login import QrLoginFormScreen
        from screens.outbox import OutboxScreen
        from screens.registration.forgot_password import ForgotScreen
        from screens.registration.mail_code import CodeScreen
        from screens.registration.register import TermsScreen
        from screens.registration.sign_in import LoginScreen

        screens: dict[str, Callable[[], Any]] = {
            "menu.register": TermsScreen, "menu.login": LoginScreen,
            "menu.forgot": ForgotScreen, "menu.code": CodeScreen, "menu.outbox": OutboxScreen,
            "menu.qr_login": QrLoginFormScreen, "menu.phone_auth": PhoneAuthScreen,
        }
        if key in screens:
            self.app.push_screen(screens[key]())
        elif key == "menu.show_card":
            self._show_card()
        elif key == "menu.lang":
            self.host.toggle_language()
        elif key == "menu.tray":
            self.host.action_tray()

    def body(self) -> ComposeResult:
        yield Computed(self._prompt, id="prompt-box")
        yield NumberedMenu(lambda: [(key, key) for key in self.menu_items()],
                           heading="idle.menu", indent="  ", id="menu")

    def _prompt(self) -> Text:
        """Insert the card — or, with an NHI card already in the reader (back from its
        screen, or a session ended with it left in), choose what to do with it."""
        card_in = self.host.current_card() is not None
        primary, secondary = (("idle.card_in", "idle.card_in_secondary") if card_in
                              else ("idle.primary", "idle.secondary"))
        return Text.assemble((self.t(primary), "bold"), "\n", (self.t(secondary), "dim"))

    def refresh_status(self) -> None:
        super().refresh_status()
        for prompt in self.query("#prompt-box").results(Computed):   # none before mounting
            prompt.refresh_text()

    def action_pick(self, digit: int) -> None:
        key = self.query_one(NumberedMenu).chosen(digit)
        if key is not None:
            self._open(key)

    def _show_card(self) -> None:
        if not self.host.show_current_card():
            self.notify(self.t("idle.need_card"), timeout=4)
