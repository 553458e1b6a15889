"""What a citizen sees when choosing a card photo: a JPEG from 1 KB to 2 MB whose sides are
150 to 4000 pixels is taken; anything else is refused with the reason and the limits named,
and a taken photo is kept privately, one file per application."""

from __future__ import annotations

import io
import os
import stat
import struct

import pytest
from PIL import Image

from kiosk.domain.i18n import Catalog
from kiosk.domain.replacement.photos import PhotoStore, check_photo, read_photo
from tests.unit.domain_fixtures import refused

MB = 1024 * 1024


def jpeg(width: int = 300, height: int = 400, size: int | None = None,
         plain: bool = False) -> bytes:
    """A real JPEG, the same each time (a grey gradient, or ``plain`` grey: a tiny file);
    ``size``: made exactly that long with zero bytes after its end-of-image marker (as
    some cameras and editors leave them)."""
    out = io.BytesIO()
    picture = Image.new("L", (width, height), 128) if plain else \
        Image.radial_gradient("L").resize((width, height))
    picture.save(out, "JPEG", optimize=True)
    data = out.getvalue()
    if size is not None:
        assert len(data) <= size
        data += bytes(size - len(data))
    return data


def header_only(width: int, height: int) -> bytes:
    """Markers and a frame header of this size, then nothing that decodes: enough for the
    size checks, which come before decoding."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return (b"\xff\xd8" + sof + b"\xff\xfe" + struct.pack(">H", 2002) + bytes(2000)
            + b"\xff\xd9")


def shown(error) -> str:
    return Catalog("en").t(error.key, **error.params)


# -- size of the file -----------------------------------------------------------------------


def test_a_photo_of_exactly_2_mb_is_taken_and_one_byte_more_is_refused_naming_2_mb():
    assert check_photo(jpeg(size=2 * MB)).width == 300
    with refused("err.photo.too_large") as info:
        check_photo(jpeg(size=2 * MB + 1))
    assert info.value.params == {"max_mb": 2}
    assert shown(info.value) == "The photo is larger than 2 MB."


def test_a_photo_of_exactly_1_kb_is_taken_and_one_byte_less_is_not_a_photo():
    assert check_photo(jpeg(150, 150, size=1024, plain=True)).height == 150
    with refused("err.photo.not_jpeg"):
        check_photo(jpeg(150, 150, size=1023, plain=True))


def test_zero_bytes_after_the_end_marker_are_fine_other_bytes_mean_a_cut_file():
    assert check_photo(jpeg() + bytes(500)).width == 300
    with refused("err.photo.truncated"):
        check_photo(jpeg() + b"XX")
    with refused("err.photo.truncated"):
        check_photo(jpeg() + b"  ")
    with refused("err.photo.truncated"):
        check_photo(jpeg()[:-2] + bytes(500))


# -- what the file holds --------------------------------------------------------------------


def test_a_png_is_not_a_jpeg_photo():
    out = io.BytesIO()
    Image.effect_noise((300, 400), 40).convert("RGB").save(out, "PNG")
    assert len(out.getvalue()) > 1024
    with refused("err.photo.not_jpeg") as info:
        check_photo(out.getvalue())
    assert info.value.params == {}


def test_jpeg_markers_around_garbage_are_not_a_photo():
    with refused("err.photo.not_jpeg"):
        check_photo(header_only(300, 400))


def test_a_file_of_several_pictures_in_jpeg_markers_is_not_taken_as_a_jpeg_photo():
    """An MPO (a 3-D camera's pair of pictures) opens as a JPEG but is not one."""
    out = io.BytesIO()
    left, right = Image.new("RGB", (300, 400), (128, 0, 0)), Image.new("RGB", (300, 400))
    left.save(out, "MPO", save_all=True, append_images=[right])
    assert out.getvalue()[:3] == b"\xff\xd8\xff"
    with refused("err.photo.not_jpeg"):
        check_photo(out.getvalue())


# -- the picture's size ---------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(150, 400), (4000, 400), (300, 150),
                                               (300, 4000), (150, 150), (4000, 4000)])
def test_each_side_from_150_to_4000_pixels_is_taken(width, height):
    photo = check_photo(jpeg(width, height))
    assert (photo.width, photo.height) == (width, height)
    assert photo.data == jpeg(width, height)


@pytest.mark.parametrize(("width", "height"), [(149, 400), (4001, 400), (300, 149),
                                               (300, 4001), (149, 4001)])
def test_a_side_of_149_or_4001_pixels_is_refused_with_the_size_and_the_limits(width, height):
    with refused("err.photo.dimensions") as info:
        check_photo(header_only(width, height))
    assert info.value.params == {"width": width, "height": height, "min": 150, "max": 4000}
    assert shown(info.value) == (f"The photo is {width}×{height} pixels; "
                                 "each side must be 150 to 4000.")


# -- a file chosen on the kiosk --------------------------------------------------------------


def test_a_chosen_file_is_read_and_checked(tmp_path):
    path = tmp_path / "me.jpg"
    path.write_bytes(jpeg(320, 480))
    photo = read_photo(path)
    assert (photo.width, photo.height, photo.data) == (320, 480, jpeg(320, 480))
    path.write_bytes(jpeg(100, 480))
    with refused("err.photo.dimensions"):
        read_photo(path)


def test_a_chosen_file_of_2_mb_is_read_and_one_byte_more_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg(size=2 * MB))
    assert read_photo(path).width == 300
    path.write_bytes(jpeg(size=2 * MB + 1))
    with refused("err.photo.too_large") as info:
        read_photo(path)
    assert info.value.params == {"max_mb": 2}
    assert shown(info.value) == "The photo is larger than 2 MB."


def test_a_folder_is_not_a_photo_and_a_missing_file_cannot_be_read(tmp_path):
    with refused("err.photo.not_jpeg"):
        read_photo(tmp_path)
    with refused("err.photo.unreadable"):
        read_photo(tmp_path / "gone.jpg")


# -- the private photo store -----------------------------------------------------------------


def test_photos_are_kept_one_per_application_in_a_private_folder_made_on_first_use(tmp_path):
    store = PhotoStore(tmp_path / "data" / "photos")       # neither folder exists yet
    old = os.umask(0)
    try:
        store.save("7951234567890128", store.check(jpeg(300, 400)))
        store.save("7950000000000017", store.check(jpeg(200, 250)))
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path("7951234567890128").stat().st_mode) == 0o600
    assert store.load("7951234567890128") == jpeg(300, 400)
    assert store.load("7950000000000017") == jpeg(200, 250)
    assert sorted(p.name for p in store.folder.iterdir()) == ["7950000000000017.jpg",
                                                              "7951234567890128.jpg"]


def test_a_new_photo_for_the_same_application_replaces_the_old_one(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    store.save("7951234567890128", store.check(jpeg(300, 400)))
    store.save("7951234567890128", store.check(jpeg(200, 250)))
    assert store.load("7951234567890128") == jpeg(200, 250)
    assert [p.name for p in store.folder.iterdir()] == ["7951234567890128.jpg"]


def test_a_removed_photo_is_gone_and_the_others_stay(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    store.save("7951234567890128", store.check(jpeg()))
    store.save("7950000000000017", store.check(jpeg()))
    store.remove("7951234567890128")
    store.remove("7951234567890128")                        # twice: nothing to do
    assert store.load("7951234567890128") is None
    assert store.load("7950000000000017") == jpeg()
    assert PhotoStore(tmp_path / "none").load("7951234567890128") is None
