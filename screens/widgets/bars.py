"""The frame every screen shares: title with ROC date and time, reader status, keys.

Each bar is one widget: the idle screen is the first thing painted, and every widget
costs start-up time (benchmarks/bench_startup.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

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
        parts.append(t("status.waiting_bound", name=status.bound) if status.bound
                     else t("status.no_reader"))
    else:
        name = status.active or next(iter(status.readers))
        parts.append(t("status.bound_reader" if status.bound else "status.reader", name=name))
        parts.append(t("status.card_in") if status.active else t("status.card_out"))
    if host.demo:
        parts.append(t("status.demo"))
    return " · ".join(parts)


class StatusBar(Computed):
    def __init__(self) -> None:
        super().__init__(lambda: status_text(self), classes="status-bar")


#: How the keys are laid out, roomiest first: the spaces inside a key's cap, and between keys.
#: The first that fits the bar's width is used, so a bar that fits looks as it always did.
KEY_LAYOUTS = ((1, 2), (1, 1), (0, 2), (0, 1))
MORE = "…"


class KeyCap(NamedTuple):
    key: str          # as shown: "ESC", "F5"
    label: str        # in the kiosk's language
    own: bool         # the screen's own key, or one the whole kiosk offers (F2, F7, F8)


def _line(keys: Sequence[KeyCap], pad: int, gap: int, more: bool) -> Text:
    parts = [Text.assemble((f"{' ' * pad}{cap.key}{' ' * pad}", "bold reverse"),
                           f" {cap.label}") for cap in keys]
    if more:
        parts.append(Text(MORE))
    return Text(" " * gap).join(parts)


def key_line(keys: Sequence[KeyCap], width: int) -> Text:
    """The keys in ``width`` cells: every key in the roomiest layout that fits; when even
    the tightest does not hold them all, the kiosk-wide keys at the bar's end go, the last
    first (the demo tray's F8, then F7; the tray itself says that F8 takes the card out),
    and ``…`` ends the bar to say some keys are not shown. A screen's own keys always stay."""
    shown = list(keys)
    while True:
        more = len(shown) < len(keys)
        for pad, gap in KEY_LAYOUTS:
            line = _line(shown, pad, gap, more)
            if line.cell_len <= width:
                return line
        kiosk_wide = [i for i, cap in enumerate(shown) if not cap.own]
        if not kiosk_wide:
            line.truncate(width, overflow="ellipsis")
            return line
        del shown[kiosk_wide[-1]]


class KeyBar(Widget):
    """Like Textual's Footer, but descriptions are catalog keys, so they follow the language,
    and every key fits the bar's width (:func:`key_line`)."""

    def __init__(self) -> None:
        super().__init__(classes="key-bar")
        self.keys: list[KeyCap] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh_text())
        self.refresh_text()

    def refresh_text(self) -> None:
        host = host_of(self)
        keys: list[KeyCap] = []
        seen: set[str] = set()
        for node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.description in seen:
                continue
            seen.add(binding.description)
            key = (binding.key_display or self.app.get_key_display(binding)).upper()
            keys.append(KeyCap(key, host.catalog.t(binding.description),
                               own=node is not self.app))
        self.keys = keys
        self.refresh()

    def on_resize(self) -> None:
        self.refresh()

    def render(self) -> Text:
        return key_line(self.keys, self.content_size.width)
