"""Typed and stored text is shown as text, never as markup.

A name, device, street, reason or file name is whatever a citizen, a clerk or an import
put there: ``[/x]`` must not crash a screen, ``[@click=app.quit]`` must not become a
button. Textual parses a plain ``str`` as content markup in OptionList prompts, DataTable
cells and column labels, Tree labels (DirectoryTree file names) and notifications, so the
screens use the widgets here, which take every ``str`` literally. Static and its kin are
built with ``markup=False`` (Tr, Computed, Notice); tests/ui/test_plain_text.py checks
that no screen module goes around this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, DirectoryTree, OptionList
from textual.widgets.data_table import ColumnKey
from textual.widgets.option_list import Option

from kiosk.domain.files import shown_path


def literal(value: object) -> Content:
    """``value`` as it is: no markup, no emoji codes, no click actions. A Rich ``Text``
    keeps its styles (its characters are never parsed either)."""
    if isinstance(value, Content):
        return value
    if isinstance(value, Text):
        return Content.from_rich_text(value)
    return Content(str(value))


def _cell(value: object) -> object:
    return Text(value, end="") if isinstance(value, str) else value


ColumnLabel = str | Text | tuple[str | Text, str]   # a label, or (label, key)


def _column(label: ColumnLabel) -> Text | tuple[str | Text, str]:
    return Text(label, end="") if isinstance(label, str) else label


class PlainOptionList(OptionList):
    """An OptionList whose string prompts are literal."""

    def __init__(self, *content: Any, **kw: Any) -> None:
        kw.setdefault("markup", False)
        super().__init__(*content, **kw)


def option(prompt: str | Text, id: str | None = None, *, disabled: bool = False) -> Option:
    """An option whose prompt is literal, wherever it is shown."""
    return Option(literal(prompt), id=id, disabled=disabled)


class PlainTable(DataTable[Any]):
    """A DataTable whose string cells and column labels are literal."""

    def add_columns(self, *labels: ColumnLabel) -> list[ColumnKey]:
        return super().add_columns(*(_column(label) for label in labels))

    def add_row(self, *cells: Any, **kw: Any) -> Any:
        return super().add_row(*(_cell(cell) for cell in cells), **kw)

    def add_rows(self, rows: Iterable[Iterable[Any]]) -> list[Any]:
        return [self.add_row(*row) for row in rows]

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
        super().update_cell(row_key, column_key, _cell(value), **kw)

    def update_cell_at(self, coordinate: Any, value: Any, **kw: Any) -> None:
        super().update_cell_at(coordinate, _cell(value), **kw)

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        """Textual 8.2.8 (pinned) sizes auto-width columns on idle, after the first rows
        may already be drawn, and its render caches are not keyed by column widths: those
        rows then stayed cut (a 16-digit ATM NO read "958388"), whatever the cursor did.
        Once the widths are known, whatever was drawn before is drawn again."""
        widths = [column.content_width for column in self.ordered_columns]
        super()._update_dimensions(new_rows)
        if widths != [column.content_width for column in self.ordered_columns]:
            self._clear_caches()
            self.refresh()


class PlainDirectoryTree(DirectoryTree):
    """A DirectoryTree whose file names are literal (``[b].csv`` is a file, not bold), and
    whose root reads as the kiosk shows every path (``~/…``, files.shown_path)."""

    def process_label(self, label: str | Text) -> Text:
        if isinstance(label, str) and os.sep in label:   # only the root's label is a path
            label = shown_path(Path(label))
        text = Text(label) if isinstance(label, str) else label
        return text.split()[0] if text.plain else text
