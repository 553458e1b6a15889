"""A photo file is untrusted input: its size is read from the JPEG's own markers, and a file
that only pretends to be a JPEG, or stops half-way through a header, is refused."""

from __future__ import annotations

import struct

import pytest

from kiosk.domain.replacement.photos import jpeg_size

SOI = b"\xff\xd8"


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def frame(marker: int = 0xC0, width: int = 300, height: int = 400) -> bytes:
    return segment(marker, b"\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\0" * 9)


APP0 = segment(0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0")
DHT = segment(0xC4, b"\0" * 20)   # a Huffman table: 0xC4 sits among the frame markers


@pytest.mark.parametrize("sof", [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC7, 0xC9, 0xCB, 0xCD, 0xCF])
def test_the_size_is_read_from_any_kind_of_frame_header(sof):
    assert jpeg_size(SOI + APP0 + frame(sof, 640, 480)) == (640, 480)


def test_the_size_is_found_after_tables_and_fill_bytes():
    assert jpeg_size(SOI + APP0 + DHT + b"\xff\xff" + frame(width=151, height=4000)) \
        == (151, 4000)


def test_restart_markers_without_a_length_are_stepped_over():
    assert jpeg_size(SOI + b"\xff\xd0" + b"\xff\xd7" + frame()) == (300, 400)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + frame(),                  # not a JPEG at all
    SOI + APP0,                                     # no frame header
    SOI + APP0 + b"\x00" + frame(),                 # garbage where a marker belongs
    SOI + segment(0xDA, b"\0" * 10) + frame(),      # scan data before the frame header
    SOI + b"\xff\xe0\x00\x01" + frame(),            # a length shorter than the length itself
    SOI + frame()[:8],                              # cut off inside the frame header
    SOI + DHT,                                      # only a table that looks like a frame
])
def test_a_file_that_is_not_a_whole_jpeg_has_no_size(data):
    assert jpeg_size(data) is None


def test_a_single_fill_byte_before_a_marker_is_stepped_over():
    assert jpeg_size(SOI + APP0 + b"\xff" + frame(width=640, height=480)) == (640, 480)


@pytest.mark.parametrize("bare", [SOI, b"\xff\x01"], ids=["start-of-image again", "TEM"])
def test_other_markers_without_a_length_are_stepped_over(bare):
    assert jpeg_size(SOI + bare + frame()) == (300, 400)


def test_an_empty_segment_and_one_of_40_kb_are_stepped_over():
    """A length of 2 counts only itself; a camera's EXIF block can exceed 32 KB."""
    exif = segment(0xE1, b"Exif\0\0" + bytes(40_000))
    assert jpeg_size(SOI + segment(0xFE, b"") + exif + frame()) == (300, 400)


def test_the_largest_size_a_frame_header_can_hold_is_read_as_it_is():
    assert jpeg_size(SOI + frame(width=65535, height=40000)) == (65535, 40000)


def test_a_file_that_stops_right_after_the_width_still_has_its_size():
    """Height and width are all the size needs; the missing rest is the truncation check's."""
    assert jpeg_size(SOI + frame(width=640, height=480)[:9]) == (640, 480)
