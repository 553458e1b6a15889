"""The one QR code widget of the kiosk.

It draws ``kiosk.domain.qr.qr_lines`` (half blocks, two modules per cell, quiet zone
included) in explicit true-colour black on white, so a phone scans it whatever the
terminal or Textual theme. It fills the space its screen gives it (``1fr`` by default)
and centres the code there; when that space is smaller than the code it shows the
catalog message ``qr.enlarge`` instead. The payload comes from the constructor and
:meth:`QrCode.set_text`.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from kiosk.domain.qr import qr_lines
from screens.widgets.text import host_of

#: Dark modules are the glyph foreground, light ones its background: true colour, so
#: neither the terminal palette nor the Textual theme can remap them.
QR_STYLE = Style.parse("#000000 on #ffffff")


class QrCode(Widget):
    """A QR code for ``text``, or the "enlarge the terminal" message when it cannot fit."""

    DEFAULT_CSS = """
    QrCode {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, text: str = "", *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._lines: list[str] = []
        self._set(text)

    @property
    def text(self) -> str:
        return self._text

    @property
    def cells(self) -> Size:
        """Terminal cells the code needs (quiet zone included)."""
        return Size(len(self._lines[0]) if self._lines else 0, len(self._lines))

    @property
    def fits(self) -> bool:
        need = self.cells
        return self.size.width >= need.width and self.size.height >= need.height

    def _set(self, text: str) -> None:
        self._text = text
        self._lines = qr_lines(text) if text else []

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._set(text)
            self.refresh(layout=True)

    def refresh_text(self) -> None:
        """The language changed: the message (if shown) follows it."""
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.cells.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.cells.height

    def _message_lines(self, width: int) -> list[list[Segment]]:
        text = Text(host_of(self).catalog.t("qr.enlarge"), justify="center",
                    style=self.rich_style)
        console = self.app.console
        return [list(line.render(console)) for line in text.wrap(console, max(width, 1))]

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        if not self._lines or width <= 0:
            return Strip.blank(width, base)
        if not self.fits:
            lines = self._message_lines(width)
            top = max((height - len(lines)) // 2, 0)
            if top <= y < top + len(lines):
                return Strip(lines[y - top]).extend_cell_length(width, base).crop(0, width)
            return Strip.blank(width, base)
        need = self.cells
        top = (height - need.height) // 2
        if not top <= y < top + need.height:
            return Strip.blank(width, base)
        left = (width - need.width) // 2
        right = width - left - need.width
        return Strip([Segment(" " * left, base), Segment(self._lines[y - top], QR_STYLE),
                      Segment(" " * right, base)], width)
