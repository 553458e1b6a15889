"""The photo for a card with a photo: only a .jpg file may be uploaded (只限上傳 .jpg 檔).

A file is accepted by what it holds, not by its name: a JPEG's start-of-image marker, a
frame header with its size, and the end-of-image marker; within size and dimension limits.
Accepted photos are kept beside the store, one file per application, mode 0600 (a face is
personal data).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.errors import KioskError
from store._fs import replace_private

MAX_BYTES = 2 * 1024 * 1024
MIN_BYTES = 1024
MIN_SIDE, MAX_SIDE = 150, 4000
# start-of-frame markers (baseline, progressive, lossless, arithmetic); not DHT/JPG/DAC
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class PhotoRefused(KioskError):
    """The chosen file cannot be the card photo; the key says why."""


@dataclass(frozen=True, slots=True)
class Photo:
    data: bytes
    width: int
    height: int


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first frame header, or None when this is not a JPEG."""
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:   # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if length < 2:
            return None
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker == 0xDA:          # scan data before any frame header: broken
            return None
        i += 2 + length
    return None


def check_photo(data: bytes) -> Photo:
    """Raise PhotoRefused (too large, too small, not a JPEG, truncated, wrong size)."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused("err.photo.too_large", max_mb=MAX_BYTES // (1024 * 1024))
    if len(data) < MIN_BYTES:
        raise PhotoRefused("err.photo.not_jpeg")
    size = jpeg_size(data)
    if size is None:
        raise PhotoRefused("err.photo.not_jpeg")
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise PhotoRefused("err.photo.truncated")
    width, height = size
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise PhotoRefused("err.photo.dimensions", width=width, height=height,
                           min=MIN_SIDE, max=MAX_SIDE)
    if not decodes(data):
        raise PhotoRefused("err.photo.not_jpeg")
    return Photo(data, width, height)


def decodes(data: bytes) -> bool:
    """Markers can be right around garbage: the photo must decode as the printer will."""
    from PIL import Image  # on use: only a chosen photo needs the image stack

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                return False
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def read_photo(path: Path) -> Photo:
    """A chosen file, read with its own reasons for failing (missing, a folder, too big)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PhotoRefused("err.photo.too_large", max_mb=MAX_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except IsADirectoryError:
        raise PhotoRefused("err.photo.not_jpeg") from None
    except OSError:
        raise PhotoRefused("err.photo.unreadable") from None
    return check_photo(data)


class PhotoStore:
    """Photos in a private folder next to the store file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def check(self, data: bytes) -> Photo:
        return check_photo(data)

    def path(self, atm_no: str) -> Path:
        return self.folder / f"{atm_no}.jpg"

    def save(self, atm_no: str, photo: Photo) -> None:
        """Whole or not at all, 0600, through a temporary file of its own (store._fs)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path(atm_no)
        replace_private(target, photo.data, temp_of=target)

    def load(self, atm_no: str) -> bytes | None:
        try:
            return self.path(atm_no).read_bytes()
        except OSError:
            return None

    def remove(self, atm_no: str) -> None:
        self.path(atm_no).unlink(missing_ok=True)
