"""The frame every screen shares: title with ROC date and time, reader status, keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.domain.dates import roc_datetime
from screens.widgets.text import Computed, host_of


class TitleBar(Horizontal):
    def compose(self) -> ComposeResult:
        host = host_of(self)
        yield Computed(lambda: host.catalog.t("app.title"), id="title")
        yield Computed(lambda: roc_datetime(host.clock.now(), host.catalog), id="clock")


def status_text(node: object) -> str:
    host = host_of(node)
    t, status = host.catalog.t, host.status
    parts = [t("status.backend_pcsc") if status.backend == "pcsc" else t("status.backend_sim")]
    if not status.service_up:
        parts.append(t("status.service_lost"))
    elif not status.readers:
        parts.append(t("status.no_reader"))
    else:
        name = status.active or next(iter(status.readers))
        parts.append(t("status.reader", name=name))
        parts.append(t("status.card_in") if status.active else t("status.card_out"))
    if host.demo:
        parts.append(t("status.demo"))
    return " · ".join(parts)


class StatusBar(Computed):
    def __init__(self) -> None:
        super().__init__(lambda: status_text(self), classes="status-bar")


class KeyBar(Static):
    """Like Textual's Footer, but descriptions are catalog keys, so they follow the language."""

    def __init__(self) -> None:
        super().__init__("", classes="key-bar")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh_text())
        self.refresh_text()

    def refresh_text(self) -> None:
        host = host_of(self)
        parts = []
        seen: set[str] = set()
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.description in seen:
                continue
            seen.add(binding.description)
            key = (binding.key_display or self.app.get_key_display(binding)).upper()
            parts.append(f"[b reverse] {key} [/] {host.catalog.t(binding.description)}")
        self.update("  ".join(parts))
