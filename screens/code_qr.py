"""A short-lived code shown as text beside its QR, with the time it has left: the device
verification code and the login QR are read the same way by the same app.

A screen whose code another terminal answers (a phone approving the login QR, the app
binding a device with the code) names the table that answer lands in (``watches``) and
reads it again (``read_again``): once a second with a store that tells nobody of commits
(a file); with one that does (PostgreSQL's NOTIFY, StoreChanged) when told, and only every
UNTOLD_READ_S seconds besides."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from screens.base import KioskScreen, StoreChanged
from screens.forms import Notice
from screens.widgets.qr import QrCode
from screens.widgets.text import Computed, Tr

#: seconds between reads of what a code waits for while the store tells of commits (a
#: safety net: a notification lost with a connection is made up for by the listener itself)
UNTOLD_READ_S = 10


class CodeQrScreen(KioskScreen):
    """Subclasses set the title and intro keys, call :meth:`show_code`, and may say more
    than the countdown by overriding :meth:`status_text`; one that waits for another
    terminal sets :attr:`watches` and overrides :meth:`read_again`."""

    title_key = ""
    intro_key = ""
    error_notice = "#qr-error"
    #: the table whose commits may answer the code ("": none; nothing is read again)
    watches = ""

    def __init__(self) -> None:
        super().__init__()
        self.shown_code = ""
        self.expires_at: datetime | None = None
        self._ticks = 0

    def body(self) -> ComposeResult:
        with Horizontal(id="device-code"):
            with Vertical(id="device-code-text"):
                yield Tr(self.title_key, classes="screen-title")
                yield Tr(self.intro_key, classes="message")
                yield Computed(lambda: self.shown_code, id="code-text")
                yield Computed(self.status_text, id="countdown", classes="hint")
                yield Notice(id="qr-error", classes="form-error")
            yield QrCode(id="code-qr")

    def on_mount(self) -> None:
        self.set_interval(1, self.tick)

    def show_code(self, code: str, expires_at: datetime, payload: str | None = None) -> None:
        self.shown_code, self.expires_at = code, expires_at
        self.query_one("#code-qr", QrCode).set_text(payload or code)
        self.refresh_language()

    def seconds_left(self) -> int:
        if self.expires_at is None:
            return 0
        return max(0, int((self.expires_at - self.host.clock.now()).total_seconds()))

    def status_text(self) -> str:
        if self.expires_at is None:
            return ""
        seconds = self.seconds_left()
        if seconds <= 0:
            return self.t("dev.expired")
        return self.t("dev.left", mm=seconds // 60, ss=f"{seconds % 60:02d}")

    def tick(self) -> None:
        """Once a second: the countdown, and what the code waits for read again (module
        docstring: when)."""
        self._ticks += 1
        if self.watches and (not self.host.store_events or self._ticks % UNTOLD_READ_S == 0):
            self.read_again()
        self.refresh_countdown()

    def on_store_changed(self, message: StoreChanged) -> None:
        if self.watches and message.table == self.watches:
            self.read_now()

    def read_now(self) -> None:
        """What the code waits for, read again at once, and the countdown with it."""
        self.read_again()
        self.refresh_countdown()

    def read_again(self) -> None:
        """Read what the code waits for (a screen that :attr:`watches` a table)."""

    def refresh_countdown(self) -> None:
        self.query_one("#countdown", Computed).refresh_text()
