"""The frame every screen shares: title with ROC date and time, reader status, keys.

Each bar is one widget: the idle screen is the first thing painted, and every widget
costs start-up time (benchmarks/bench_startup.py).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from kiosk.domain.dates import roc_datetime
from screens.widgets.text import Computed, host_of


class TitleBar(Widget):
    """The kiosk's name on the left, the ROC date and time on the right."""

    def __init__(self) -> None:
        super().__init__(classes="title-bar")

    def render(self) -> Text:
        host = host_of(self)
        title = host.catalog.t("app.title")
        clock = roc_datetime(host.clock.now(), host.catalog)
        gap = max(1, self.size.width - 2 - cell_len(title) - cell_len(clock))
        return Text.assemble(" ", (title, "bold"), " " * gap, clock, " ")

    def refresh_text(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.refresh()  # the clock is right-aligned to the width


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
        super().__init__("", classes="key-bar", markup=False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh_text())
        self.refresh_text()

    def refresh_text(self) -> None:
        host = host_of(self)
        parts: list[Text] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.description in seen:
                continue
            seen.add(binding.description)
            key = (binding.key_display or self.app.get_key_display(binding)).upper()
            parts.append(Text.assemble((f" {key} ", "bold reverse"),
                                       f" {host.catalog.t(binding.description)}"))
        self.update(Text("  ").join(parts))
