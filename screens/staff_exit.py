"""Leaving the kiosk: only staff, with the configured PIN (demo mode asks to confirm)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from screens.base import KioskModal
from screens.widgets.text import Tr


class StaffExitScreen(KioskModal):
    BINDINGS = [Binding("escape", "close", "key.cancel")]

    def compose(self) -> ComposeResult:
        host = self.host
        with Vertical(id="exit-box"):
            yield Tr("exit.title", classes="screen-title")
            if host.exit_pin_configured():
                yield Tr("exit.prompt")
                yield Input(password=True, max_length=12, id="pin")
                yield Tr("exit.wrong", id="pin-error", classes="error")
            elif host.demo:
                yield Tr("exit.demo_confirm", id="confirm")
            else:
                yield Tr("exit.no_pin", classes="error")

    def on_mount(self) -> None:
        error = self.query("#pin-error")
        if error:
            error.first().display = False

    def key_enter(self) -> None:
        if not self.host.exit_pin_configured() and self.host.demo:
            self.host.leave_kiosk()

    @on(Input.Submitted, "#pin")
    def submit_pin(self, event: Input.Submitted) -> None:
        pin, event.input.value = event.value, ""  # never keep the PIN on screen
        if self.host.check_exit_pin(pin):
            self.host.leave_kiosk()
        else:
            self.query_one("#pin-error").display = True

    def action_close(self) -> None:
        self.dismiss()
