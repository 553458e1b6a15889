"""The printed QR (``nhi-kiosk qr --png``) and the matrix's quiet zone and sizes."""

import pytest
import zxingcpp
from PIL import Image

from kiosk.domain.qr import half_block_lines, qr_cells, qr_lines, qr_matrix, qr_png

BLACK, WHITE = (0, 0, 0, 255), (255, 255, 255, 255)


def read(path):
    with Image.open(path) as image:
        image.load()
        return image.copy()


def test_a_printed_code_is_8_pixels_a_module_with_the_full_iso_quiet_zone(tmp_path):
    # "3G4f10m1" is a version-1 QR code (21 modules), 4 light modules each side
    image = read(qr_png("3G4f10m1", tmp_path / "code.png"))
    assert image.size == ((21 + 2 * 4) * 8, (21 + 2 * 4) * 8)
    rgba = image.convert("RGBA")
    assert {rgba.getpixel((x, y)) for x in range(4 * 8) for y in range(image.height)} == {WHITE}
    assert rgba.getpixel((4 * 8, 4 * 8)) == BLACK       # the finder pattern's corner


def test_a_printed_code_is_opaque_black_on_white(tmp_path):
    rgba = read(qr_png("3G4f10m1", tmp_path / "code.png", scale=2)).convert("RGBA")
    assert set(rgba.get_flattened_data()) == {BLACK, WHITE}


def test_a_printed_code_is_a_png_whatever_the_files_name(tmp_path):
    path = qr_png("3G4f10m1", tmp_path / "code-for-counter", scale=2)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_printed_code_is_a_full_qr_code_with_at_least_level_m(tmp_path):
    # 40 digits fit a version-1 code only at level L; level M needs version 2
    with Image.open(qr_png("1" * 40, tmp_path / "digits.png", scale=2)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"), try_invert=False)
    assert [(r.text, r.format) for r in found] == [("1" * 40, zxingcpp.BarcodeFormat.QRCode)]
    assert found[0].ec_level in ("M", "Q", "H")
    with Image.open(qr_png("ab", tmp_path / "short.png", scale=1, border=0)) as image:
        assert image.size == (21, 21)                      # never a Micro QR


def test_a_scale_of_1_is_accepted_and_0_refused(tmp_path):
    assert read(qr_png("3G4f10m1", tmp_path / "one.png", scale=1, border=0)).size == (21, 21)
    with pytest.raises(ValueError, match=r"^scale must be >= 1$"):
        qr_png("3G4f10m1", tmp_path / "zero.png", scale=0)
    assert not (tmp_path / "zero.png").exists()


def test_the_quiet_zone_is_as_wide_as_asked_and_never_negative():
    for border in (0, 1, 3):
        matrix = qr_matrix("3G4f10m1", border=border)
        assert len(matrix) == 21 + 2 * border and {len(r) for r in matrix} == {21 + 2 * border}
        assert matrix[border][border] is True               # the finder pattern's corner
        edge = [matrix[i][j] for i in range(len(matrix)) for j in range(len(matrix))
                if min(i, j, len(matrix) - 1 - i, len(matrix) - 1 - j) < border]
        assert not any(edge)
    with pytest.raises(ValueError, match=r"^border must be >= 0$"):
        qr_matrix("3G4f10m1", border=-1)


def test_a_higher_error_level_needs_a_bigger_code():
    # 40 digits: version 1 at level L (21 modules), version 2 at M (25), version 3 at H (29)
    assert len(qr_matrix("1" * 40, border=0, error="L")) == 21
    assert len(qr_matrix("1" * 40, border=0)) == 25
    assert len(qr_matrix("1" * 40, border=0, error="H")) == 29


def test_the_drawing_takes_the_quiet_zone_asked_and_counts_whole_text_rows():
    assert qr_lines("3G4f10m1", border=0)[0].startswith("█▀▀▀▀▀█")  # the finder at once
    assert len(qr_lines("3G4f10m1", border=0)) == 11
    cols, rows = qr_cells("3G4f10m1", border=0)
    assert (cols, rows) == (21, 11) and isinstance(rows, int)
    assert qr_cells("3G4f10m1", border=1) == (23, 12)


def test_inverting_paints_the_light_modules():
    assert half_block_lines([[True, False], [False, False]], invert=True) == ["▄█"]
    assert qr_lines("3G4f10m1", border=1, invert=True)[0][:3] == "█▀▀"


def test_a_matrix_with_rows_of_different_lengths_is_refused_not_drawn_cut_short():
    with pytest.raises(ValueError):
        half_block_lines([[True, False], [True]])
