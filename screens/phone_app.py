"""The demo's stand-in for the 健保快易通 app: it takes a device code (as the app scans or
types it) and names the phone, so a binding can be shown without a phone. The citizen's
device-code screen and the counter's both open it, so it sits with the shared screens."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, Notice, field_row


class AppPanelScreen(FormScreen):
    """Demo only: what the 健保快易通 app does with the code (scan or type it, name the
    phone), so a binding can be shown without a phone."""

    card_policy = CardPolicy.UNBOUND
    title_key = "dev.app_title"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.done = False   # bound: the next Enter goes back, not 「認證碼已使用過」

    def fields(self) -> ComposeResult:
        yield from field_row("code", "dev.app_code", value=self.code, max_length=16)
        yield from field_row("device", "dev.app_device", value=self.t("dev.app_default"),
                             max_length=40)
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-device").focus()

    @on(Input.Changed)
    def _edited(self) -> None:
        self.done = False   # another code typed in: Enter sends it

    def submit(self) -> None:
        if self.done:
            self.dismiss()
            return
        device = self.attempt(self.host.devices.redeem, self.value("code"),
                              self.value("device"))
        if device is not FAILED:
            self.query_one("#done", Notice).say("dev.bound", name=device["name"])
            self.done = True
