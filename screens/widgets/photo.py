"""A photo drawn in the terminal with half blocks (two pixel rows per cell, true colour),
so the citizen sees the face that will be printed before saving the application."""

from __future__ import annotations

import io
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from screens.errors import log_failure


def half_block_image(data: bytes, width: int, height: int) -> Text:
    """The JPEG scaled to fit ``width`` × ``height`` cells, aspect kept."""
    from PIL import Image  # on use: the kiosk starts without the image stack

    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
        image.thumbnail((width, height * 2))
        w, h = image.size
        pixels = image.load()
        assert pixels is not None       # None only for an image with no pixel data yet
        out = Text()
        for y in range(0, h - 1, 2):
            for x in range(w):
                top, bottom = pixels[x, y], pixels[x, y + 1]
                out.append("▀", Style(color=f"rgb{top}", bgcolor=f"rgb{bottom}"))
            out.append("\n")
        return out


class PhotoPreview(Static):
    def __init__(self, data: bytes, **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self.data = data

    def on_resize(self) -> None:
        try:
            picture = half_block_image(self.data, max(1, self.size.width),
                                       max(1, self.size.height))
        except Exception as error:   # checked before it got here; a preview never takes the
            log_failure(error, "PhotoPreview")   # kiosk down: "?" is what it shows instead
            picture = Text("?")
        self.update(picture)
