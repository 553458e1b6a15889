"""行動裝置認證 and 行動裝置管理作業 after login: a device code shown as text and QR with
its countdown, and the bound devices with unbinding."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList

from kiosk.domain.codes import Code
from kiosk.domain.dates import roc_datetime, roc_year
from kiosk.domain.records import Device
from screens.base import KioskModal, KioskScreen
from screens.card_policy import CardPolicy
from screens.code_qr import CodeQrScreen
from screens.errors import FAILED
from screens.forms import Notice
from screens.phone_app import AppPanelScreen
from screens.widgets.plain import PlainOptionList, option
from screens.widgets.text import Tr


class DeviceCodeScreen(CodeQrScreen):
    """產生裝置認證碼: the code as text beside its QR, and the time it has left; once a
    device is bound with it (the app, the demo's F9 panel, the CLI), the device's name.
    As on the NHIA's page (001 Q12, step 3 「請點選產生裝置認證碼」), no code is made on
    opening: the person presses 【產生裝置認證碼】 (F5) first."""

    card_policy = CardPolicy.BOUND
    title_key, intro_key = "dev.code_title", "dev.code_intro"
    watches = "devices"
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("f5", "new_code", "key.device_code"),
                Binding("f9", "app_panel", "key.demo_app")]

    def __init__(self) -> None:
        super().__init__()
        self.code: Code | None = None
        self.bound: Device | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "app_panel":
            return self.host.demo and self.code is not None
        return True

    def action_new_code(self) -> None:
        session = self.host.session
        if session is None:
            return
        code = self.attempt(self.host.devices.new_code, session)   # not saved: says why
        if code is not FAILED:
            self.code, self.bound = code, None
            self.show_code(code.code, code.expires_at)
            self.refresh_bindings()   # F9, the demo app, has a code to type now

    def status_text(self) -> str:
        if self.code is None:
            return self.t("dev.code_press")
        if self.bound is not None:
            return self.t("dev.code_used", name=self.bound["name"])
        return super().status_text()

    def read_again(self) -> None:
        """Has the code bound a device meanwhile (wherever it was typed)?"""
        if self.code is not None and self.bound is None:
            self.bound = self.read(self.host.devices.bound_with, self.code.code,
                                   default=None)

    def action_app_panel(self) -> None:
        if self.code is not None:
            self.app.push_screen(AppPanelScreen(self.code.code), lambda _: self.read_now())

    def action_close(self) -> None:
        self.dismiss()


class DevicesScreen(KioskScreen):
    """行動裝置管理作業: name, bound at, last used; Delete unbinds after a confirmation."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("delete", "unbind", "key.unbind")]
    error_notice = "#done"
    title_key = "dev.list_title"

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}

    def fields(self) -> ComposeResult:
        yield Notice(id="empty", classes="message")
        yield PlainOptionList(id="devices")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#devices", OptionList).focus()

    def _when(self, iso: str, *, exact: bool = False) -> str:
        """A moment to the minute; ``exact``: to the second, which tells apart devices
        of one name bound in the same minute."""
        moment = datetime.fromisoformat(iso)
        if not exact:
            return roc_datetime(moment, self.host.catalog)
        return self.t("date.moment", roc=roc_year(moment), y=moment.year,
                      m=f"{moment.month:02d}", d=f"{moment.day:02d}",
                      wd=self.t(f"date.weekday.{moment.weekday()}"),
                      hh=f"{moment.hour:02d}", mm=f"{moment.minute:02d}:{moment.second:02d}")

    def reload(self) -> None:
        session = self.host.session
        devices = self.read(self.host.devices.of, session, default=[]) if session else []
        self.names = {d["device_id"]: d["name"] for d in devices}
        # a name two devices share: each row says to the second when it was bound
        seen = Counter(d["name"].casefold() for d in devices)
        listing = self.query_one("#devices", OptionList)
        listing.clear_options()
        listing.add_options(
            option(self.t("dev.row", name=d["name"],
                          bound=self._when(d["bound_at"],
                                           exact=seen[d["name"].casefold()] > 1),
                          used=self._when(d["last_used"])), id=d["device_id"])
            for d in devices)
        if devices:
            listing.highlighted = 0
        self.query_one("#empty", Notice).say(None if devices else "dev.none")

    def refresh_language(self) -> None:
        super().refresh_language()
        self.reload()

    def action_unbind(self) -> None:
        listing = self.query_one("#devices", OptionList)
        if listing.highlighted is None:
            return
        option = listing.get_option_at_index(listing.highlighted)
        name = self.names.get(option.id or "", "")

        def confirmed(yes: bool | None) -> None:
            session = self.host.session
            if yes and session is not None and option.id and self.attempt(
                    self.host.devices.unbind, session, option.id) is not FAILED:
                self.reload()
                self.query_one("#done", Notice).say("dev.unbound", name=name)

        self.app.push_screen(ConfirmUnbind(name), confirmed)

    def action_close(self) -> None:
        self.dismiss()


class ConfirmUnbind(KioskModal[bool]):
    BINDINGS = [Binding("enter", "answer(True)", "key.confirm"),
                Binding("escape", "answer(False)", "key.cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.device_name = name

    title_key = "dev.unbind_title"

    def fields(self) -> ComposeResult:
        yield Tr("dev.unbind_ask", params={"name": self.device_name}, classes="message")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
