"""QR codes: the matrix, its half-block drawing and ``nhi-kiosk qr`` decode with zxing-cpp."""

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk.cli import EXIT_USAGE, main
from kiosk.domain.qr import (
    QUIET_ZONE,
    half_block_lines,
    qr_cells,
    qr_lines,
    qr_matrix,
    qr_png,
)

PAYLOADS = [
    "3G4f10m1",
    "nhi-kiosk://register/verify?code=3G4f10m1",
    "https://myhealthbank.nhi.gov.tw/verify?token=Zq7Lx0aB3kP9",
    "健保卡 ABC-123",
]
DARK, LIGHT = 0, 255
HALVES = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


# try_invert=False: many phone scanners do not try light-on-dark codes either.
def decode(pixels: np.ndarray, scale: int = 6, margin: int = 0) -> list[str]:
    """Decode a greyscale module image (uint8), enlarged and optionally framed in white."""
    image = np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
    if margin:
        image = np.pad(image, margin * scale, constant_values=LIGHT)
    return [r.text for r in zxingcpp.read_barcodes(Image.fromarray(image), try_invert=False)]


def matrix_pixels(matrix) -> np.ndarray:
    return np.array([[DARK if m else LIGHT for m in row] for row in matrix], dtype=np.uint8)


def text_pixels(lines: list[str], *, foreground: int, background: int) -> np.ndarray:
    """What a terminal shows for plain text: each cell is one module wide and two tall,
    the glyph's painted halves in the foreground colour, the rest in the background."""
    rows = []
    for line in lines:
        top, bottom = [], []
        for ch in line:
            upper, lower = HALVES[ch]
            top.append(foreground if upper else background)
            bottom.append(foreground if lower else background)
        rows += [top, bottom]
    return np.array(rows, dtype=np.uint8)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_matrix_decodes(payload):
    matrix = qr_matrix(payload)
    assert len(matrix) == len(matrix[0])
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # the quiet zone
    assert decode(matrix_pixels(matrix)) == [payload]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_half_blocks_decode_dark_glyphs_on_light(payload):
    lines = qr_lines(payload)
    assert set("".join(lines)) <= set(HALVES)
    assert len({len(line) for line in lines}) == 1
    assert decode(text_pixels(lines, foreground=DARK, background=LIGHT)) == [payload]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inverted_half_blocks_decode_light_glyphs_on_dark(payload):
    lines = qr_lines(payload, invert=True)
    pixels = text_pixels(lines, foreground=LIGHT, background=DARK)
    # a dark terminal all around: only the drawn quiet zone separates the code from it
    framed = np.pad(pixels, 3, constant_values=DARK)
    assert decode(framed) == [payload]


def test_dark_glyphs_on_a_dark_theme_need_invert():
    lines = qr_lines("3G4f10m1")
    pixels = np.pad(text_pixels(lines, foreground=LIGHT, background=DARK), 3,
                    constant_values=DARK)
    assert decode(pixels) == []


def test_half_blocks_pair_rows_and_pad_an_odd_row_light():
    matrix = [[True, False], [True, True], [False, True]]
    assert half_block_lines(matrix) == ["█▄", " ▀"]
    assert half_block_lines(matrix, invert=True) == [" ▀", "█▄"]
    assert half_block_lines([]) == []


def test_sizes_fit_an_80x24_terminal():
    assert qr_cells("3G4f10m1") == (21 + 2 * QUIET_ZONE, 13)
    cols, rows = qr_cells("nhi-kiosk://register/verify?code=3G4f10m1")
    assert (cols, rows) == (29 + 2 * QUIET_ZONE, 17)
    assert QUIET_ZONE >= 2


def test_png_decodes(tmp_path):
    path = qr_png("3G4f10m1", tmp_path / "code.png", scale=4)
    assert decode_file(path) == ["3G4f10m1"]


def decode_file(path) -> list[str]:
    with Image.open(path) as image:
        return [r.text for r in zxingcpp.read_barcodes(image.convert("L"), try_invert=False)]


# -- nhi-kiosk qr ----------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_cli_prints_what_the_kiosk_draws_and_it_decodes(payload, capsys):
    assert main(["qr", payload]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out  # no colours: the glyphs alone carry the code
    lines = out.rstrip("\n").split("\n")
    assert lines == qr_lines(payload)
    assert decode(text_pixels(lines, foreground=DARK, background=LIGHT)) == [payload]


def test_cli_invert_decodes_on_a_dark_terminal(capsys):
    payload = "nhi-kiosk://register/verify?code=3G4f10m1"
    assert main(["qr", "--invert", payload]) == 0
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    pixels = np.pad(text_pixels(lines, foreground=LIGHT, background=DARK), 3,
                    constant_values=DARK)
    assert decode(pixels) == [payload]


def test_cli_png_for_printing(tmp_path, capsys):
    path = tmp_path / "counter.png"
    assert main(["qr", "--lang", "en", "3G4f10m1", "--png", str(path)]) == 0
    captured = capsys.readouterr()
    assert str(path) in captured.err and "PNG" in captured.err
    assert decode_file(path) == ["3G4f10m1"]


def test_cli_rejects_what_no_qr_can_hold(capsys):
    assert main(["qr", "--lang", "en", "x" * 5000]) == EXIT_USAGE
    assert "Too much text" in capsys.readouterr().err


def test_cli_png_write_failure(tmp_path, capsys):
    assert main(["qr", "--lang", "en", "abc", "--png", str(tmp_path / "no" / "a.png")]) \
        == EXIT_USAGE
    assert "Cannot write" in capsys.readouterr().err
