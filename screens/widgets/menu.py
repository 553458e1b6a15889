"""The numbered menu: a kiosk has no mouse, so a list of choices is picked by its digit.

Items are numbered 1 to 9 in order and the tenth is 0; a menu whose last item leaves
(the staff menu's 0, like a phone's) numbers that one 0 instead. The screen binds the
digits with :func:`menu_keys` and, in ``action_pick(digit)``, asks :meth:`NumberedMenu.chosen`
what the digit stands for; the menu says nothing for a digit it does not show. The items
are read again on every render, so a menu follows the state it depends on (a card's
registration, the demo mode) and the language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding, BindingType

from screens.widgets.text import Computed, host_of

Items = Callable[[], Sequence[tuple[str, Any]]]
"""The items, in order: each the key of its label (in the catalog, unless the menu is given
a ``label`` function) and what choosing it means."""


def digit_of(index: int, size: int, *, zero_last: bool = False) -> int:
    """The digit of the item at ``index`` in a menu of ``size`` items."""
    if zero_last and index == size - 1:
        return 0
    return (index + 1) % 10


def menu_keys(size: int, *, zero_last: bool = False) -> list[BindingType]:
    """The digit keys of a menu of at most ``size`` items, each to ``pick(digit)``."""
    return [Binding(str(digit), f"pick({digit})", show=False)
            for digit in (digit_of(i, size, zero_last=zero_last) for i in range(size))]


class NumberedMenu(Computed):
    """Each item on a line of its own, ``[digit]`` before its label (``indent`` before
    that), under a ``heading`` when given; or, with ``between``, in one line after
    ``lead``. A menu with nothing to show takes no room."""

    def __init__(self, items: Items, *, zero_last: bool = False, heading: str = "",
                 indent: str = "", gap: str = "  ", between: str = "\n",
                 lead: Callable[[], str] | None = None,
                 label: Callable[[str], str] | None = None, **kw: Any) -> None:
        super().__init__(self._text, **kw)
        self.items, self.zero_last, self.label = items, zero_last, label
        self.heading, self.indent, self.gap, self.between = heading, indent, gap, between
        self.lead = lead

    def _t(self, key: str) -> str:
        return host_of(self).catalog.t(key)

    def _label(self, key: str) -> str:
        return self.label(key) if self.label is not None else self._t(key)

    def _text(self) -> Text:
        items = self.items()
        lines = [Text(f"{self.indent}[{digit_of(i, len(items), zero_last=self.zero_last)}]"
                      f"{self.gap}{self._label(key)}") for i, (key, _value) in enumerate(items)]
        if self.lead is not None:
            lines.insert(0, Text(self.lead()))
        if self.heading:
            lines[:0] = [Text(self._t(self.heading), style="bold underline"), Text()]
        self.display = bool(lines)
        return Text(self.between).join(lines)

    def chosen(self, digit: int) -> Any | None:
        """What the item numbered ``digit`` stands for; None when no item has it."""
        items = self.items()
        for i, (_key, value) in enumerate(items):
            if digit_of(i, len(items), zero_last=self.zero_last) == digit:
                return value
        return None
