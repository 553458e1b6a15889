"""One of a few options in a row (本人／眷屬, 郵寄／現場領卡 ...): ←/→ or Space changes it,
Enter goes on to the next field. The labels come from the catalog and follow F2."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay

from screens.widgets.text import host_of


class Choice(Widget, can_focus=True):
    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; }
    Choice:focus { background: $boost; }
    """
    BINDINGS = [Binding("left", "move(-1)", show=False), Binding("right", "move(1)", show=False),
                Binding("space", "move(1)", show=False), Binding("enter", "next", show=False)]

    class Changed(Message):
        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

    def __init__(self, options: list[tuple[str, str]], value: str | None = None,
                 **kw: Any) -> None:
        """``options`` are (value, catalog key) pairs; the first is picked by default."""
        super().__init__(**kw)
        self.options = options
        self.value = value if value is not None else options[0][0]

    def render(self) -> Text:
        t = host_of(self).catalog.t
        parts = []
        for value, key in self.options:
            mark = "◉" if value == self.value else "○"
            style = "bold" if value == self.value else ""
            parts.append(Text(f"{mark} {t(key)}", style=style))
        return Text("   ").join(parts)

    def refresh_text(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        values = [v for v, _ in self.options]
        self.select(values[(values.index(self.value) + step) % len(values)])

    def select(self, value: str) -> None:
        if value != self.value:
            self.value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    def action_next(self) -> None:
        self.screen.focus_next()


class MenuOverlay(SelectOverlay):
    """The list a :class:`KioskSelect` opens. Textual's own names its Escape key in English
    ("Dismiss menu"), which the key bar showed untranslated; this one names a catalog key."""

    BINDINGS = [Binding("escape", "dismiss", "key.dismiss_menu")]


class KioskSelect(Select[str]):
    """A drop-down (領卡地點, 領卡時間 ...) whose open list's keys follow the language."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield MenuOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact)
