"""The catalog's parsed strings are kept in the user's cache folder (kiosk/domain/i18n.py):
the same strings whether parsed or cached, an edited catalog parsed afresh, and a cache
that is corrupt or cannot be written never an error."""

from __future__ import annotations

import tomllib
from importlib import resources

from kiosk.domain.i18n import catalog_strings

RAW = resources.files("kiosk").joinpath("locales", "en.toml").read_bytes()


def test_a_second_start_reads_the_cache_and_gets_the_same_strings(tmp_path, monkeypatch):
    parsed = catalog_strings("en", RAW, tmp_path)
    assert parsed["menu.login"] and len(list(tmp_path.glob("catalog-en-*.json"))) == 1

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("parsed although the cache holds it")

    monkeypatch.setattr(tomllib, "loads", no_parsing)
    assert catalog_strings("en", RAW, tmp_path) == parsed


def test_an_edited_catalog_is_parsed_again_and_the_old_cache_goes(tmp_path):
    catalog_strings("en", RAW, tmp_path)
    edited = RAW.replace(b'\nlogin = "', b'\nlogin = "EDITED ', 1)
    strings = catalog_strings("en", edited, tmp_path)
    assert strings["menu.login"].startswith("EDITED ")
    assert len(list(tmp_path.glob("catalog-en-*.json"))) == 1   # only the new one


def test_a_corrupt_cache_is_parsed_afresh_and_replaced(tmp_path):
    catalog_strings("en", RAW, tmp_path)
    [cached] = tmp_path.glob("catalog-en-*.json")
    cached.write_text('{"menu.login": 7')                       # cut off mid-write
    assert catalog_strings("en", RAW, tmp_path)["menu.login"] == tomllib.loads(
        RAW.decode())["menu"]["login"]
    cached.write_text('{"menu.login": 7}')                      # valid JSON, wrong shape
    assert isinstance(catalog_strings("en", RAW, tmp_path)["menu.login"], str)


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    folder = tmp_path / "cache"
    folder.write_text("a file where the folder should be")
    assert catalog_strings("en", RAW, folder)["menu.login"] == "Log in"
    assert folder.read_text() == "a file where the folder should be"
