"""The QR widget as Textual paints it at 80x24 decodes with zxing-cpp in both themes, and
a terminal too small for the code gets the "enlarge" message instead."""

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from rich.cells import cell_len
from rich.color import Color
from textual.app import App, ComposeResult
from textual.widgets import Static

from kiosk.domain.i18n import Catalog
from screens.widgets.qr import QrCode

CODE = "3G4f10m1"
LINK = "nhi-kiosk://register/verify?code=3G4f10m1"
UPPER, LOWER, FULL = "▀", "▄", "█"


class QrApp(App[None]):
    """A title line above the widget, the way a kiosk screen would show a code."""

    def __init__(self, payload: str, lang: str = "zh-TW") -> None:
        super().__init__()
        self.catalog = Catalog(lang)
        self.payload = payload

    def compose(self) -> ComposeResult:
        yield Static("掃描 QR 碼 Scan the code")
        yield QrCode(self.payload, id="qr")


def _luma(color: Color | None, default: int) -> int:
    if color is None:
        return default
    r, g, b = color.get_truecolor()
    return round(0.299 * r + 0.587 * g + 0.114 * b)


def screen_pixels(app: App) -> np.ndarray:
    """What the terminal shows, two pixels (top, bottom half) per cell, as grey levels: a
    half covered by the glyph takes its foreground colour, the rest the background."""
    strips = app.screen._compositor.render_strips()
    rows = []
    for strip in strips:
        top: list[int] = []
        bottom: list[int] = []
        for segment in strip:
            style = segment.style
            bg = _luma(style.bgcolor if style else None, 0)
            fg = _luma(style.color if style else None, 255)
            for ch in segment.text:
                cells = cell_len(ch)  # a wide (CJK) character covers two cells
                top += [fg if ch in (UPPER, FULL) else bg] * cells
                bottom += [fg if ch in (LOWER, FULL) else bg] * cells
        rows += [top, bottom]
    return np.array(rows, dtype=np.uint8)


def decode_screen(app: App) -> list[str]:
    image = np.kron(screen_pixels(app), np.ones((4, 4), dtype=np.uint8))
    return [r.text for r in zxingcpp.read_barcodes(Image.fromarray(image), try_invert=False)]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("payload", [CODE, LINK])
async def test_the_painted_code_decodes_in_both_themes(payload, theme):
    app = QrApp(payload)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        widget = app.query_one(QrCode)
        assert widget.fits
        assert decode_screen(app) == [payload]


async def test_the_theme_does_not_touch_the_code_colours():
    app = QrApp(CODE)
    async with app.run_test(size=(80, 24)) as pilot:
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            pixels = screen_pixels(app)
            widget = app.query_one(QrCode)
            region = widget.region
            need = widget.cells
            x = region.x + (region.width - need.width) // 2
            y = region.y + (region.height - need.height) // 2
            code = pixels[2 * y:2 * (y + need.height), x:x + need.width]
            assert set(np.unique(code)) == {0, 255}, theme


async def test_set_text_redraws_the_new_payload():
    app = QrApp(CODE)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(QrCode).set_text(LINK)
        await pilot.pause()
        assert decode_screen(app) == [LINK]


@pytest.mark.parametrize(("lang", "message"), [
    ("zh-TW", "請放大終端機視窗以顯示 QR 碼"),
    ("en", "Enlarge the terminal to show the QR code"),
])
async def test_too_small_terminal_asks_to_enlarge(lang, message):
    app = QrApp(LINK, lang)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        widget = app.query_one(QrCode)
        assert not widget.fits
        shown = "".join(segment.text for strip in app.screen._compositor.render_strips()
                        for segment in strip)
        assert message.replace(" ", "") in shown.replace(" ", "")
        assert FULL not in shown and UPPER not in shown
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert widget.fits
        assert decode_screen(app) == [LINK]
