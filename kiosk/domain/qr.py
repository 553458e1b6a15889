"""QR codes for the kiosk and for ``nhi-kiosk qr``: one matrix, one half-block drawing.

The matrix comes from segno (the faster of segno and qrcode for our payloads, see
``benchmarks/bench_qr.py`` and docs/qr.md). A text line holds two module rows: each
character cell is split into a top and a bottom half and drawn with ``▀ ▄ █`` or a space.

*Ink* is what the glyph's foreground paints. By default ink is a dark module, so the
text reads correctly wherever the glyph foreground is darker than the background: the
kiosk widget (explicit black on white, whatever the terminal theme), paper, a light
terminal theme. ``invert=True`` paints the light modules instead (quiet zone included),
for plain output on a dark terminal theme, where the foreground is the light colour.

No Textual and no rich here: this sits in the domain layer.
"""

from __future__ import annotations

from pathlib import Path

import segno

#: Light modules around the code. ISO 18004 asks for 4; 2 is what phone scanners
#: need in practice and keeps a ``nhi-kiosk://`` link (version 3, 29 modules) at
#: 17 text rows, which leaves room for a title and the key bar in an 80x24 terminal.
QUIET_ZONE = 2
ERROR_LEVEL = "M"

UPPER, LOWER, FULL, EMPTY = "▀", "▄", "█", " "
_GLYPHS = {(True, True): FULL, (True, False): UPPER, (False, True): LOWER,
           (False, False): EMPTY}


def qr_matrix(text: str, *, border: int = QUIET_ZONE, error: str = ERROR_LEVEL
              ) -> list[list[bool]]:
    """The modules of a QR code for ``text`` (True = dark), ``border`` light modules
    around it. The error level is a minimum: segno raises it when the size allows."""
    if border < 0:
        raise ValueError("border must be >= 0")
    code = segno.make(text, error=error.lower(), micro=False)
    size = len(code.matrix) + 2 * border
    light = [False] * size
    pad = [False] * border
    rows = [list(light) for _ in range(border)]
    rows.extend(pad + [bool(v) for v in row] + pad for row in code.matrix)
    rows.extend(list(light) for _ in range(border))
    return rows


def half_block_lines(matrix: list[list[bool]], *, invert: bool = False) -> list[str]:
    """Two module rows per line. Ink (the glyph foreground) is a dark module, or a light
    one with ``invert``. An odd last row is paired with a light row (quiet zone)."""
    if not matrix:
        return []
    width = len(matrix[0])
    rows = matrix if len(matrix) % 2 == 0 else [*matrix, [False] * width]
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2], strict=True):
        lines.append("".join(_GLYPHS[(t != invert, b != invert)]
                             for t, b in zip(top, bottom, strict=True)))
    return lines


def qr_lines(text: str, *, border: int = QUIET_ZONE, invert: bool = False) -> list[str]:
    """The kiosk's drawing of ``text``: ``half_block_lines(qr_matrix(text))``."""
    return half_block_lines(qr_matrix(text, border=border), invert=invert)


def qr_cells(text: str, *, border: int = QUIET_ZONE) -> tuple[int, int]:
    """(columns, rows) of terminal cells the drawing of ``text`` needs."""
    side = len(qr_matrix(text, border=border))
    return side, (side + 1) // 2


def qr_png(text: str, path: str | Path, *, scale: int = 8, border: int = 4) -> Path:
    """Write a black-on-white PNG for printing (the full ISO quiet zone by default)."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    path = Path(path)
    segno.make(text, error=ERROR_LEVEL.lower(), micro=False).save(
        str(path), kind="png", scale=scale, border=border, dark="#000000", light="#ffffff")
    return path
