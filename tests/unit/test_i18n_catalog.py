"""The catalog read from kiosk/locales: nested tables become dotted keys, and a language
switch changes every string."""

import pytest

from kiosk.domain.i18n import LANGS, Catalog, load_catalog


@pytest.fixture
def fresh_catalogs():
    """Read the locale files again instead of the copy an earlier test left in the cache."""
    load_catalog.cache_clear()
    yield
    load_catalog.cache_clear()


def test_nested_tables_are_read_as_dotted_keys_holding_text(fresh_catalogs):
    en = load_catalog("en")
    assert en["err.io.disk_full"] == "the disk is full"          # two levels deep
    assert en["err.required"] == "This field is required."      # one level deep
    assert en["idle.primary"] == "Please insert your NHI card"
    assert load_catalog("zh-TW")["err.io.disk_full"] == "磁碟空間已滿"
    assert all(isinstance(value, str) for value in en.values())
    assert all(not key.startswith(".") and ".." not in key for key in en)


def test_an_unknown_language_is_refused_naming_the_choices(fresh_catalogs):
    with pytest.raises(ValueError, match=r"^unknown language 'fr'; choose one of zh-TW, en$"):
        load_catalog("fr")


def test_the_kiosk_starts_in_chinese_and_remembers_the_language_set():
    catalog = Catalog()
    assert catalog.lang == "zh-TW" and catalog.t("idle.primary") == "請插入健保卡"
    catalog.set_lang("en")
    assert catalog.lang == "en" and catalog.t("idle.primary") == "Please insert your NHI card"
    assert catalog.toggle() == "zh-TW" and catalog.lang == "zh-TW"
    assert catalog.toggle() == "en"
    assert LANGS == ("zh-TW", "en")


def test_a_missing_key_shows_itself_and_params_fill_the_template():
    catalog = Catalog("en")
    assert catalog.has("err.required") and not catalog.has("err.no_such_key")
    assert catalog.t("err.no_such_key") == "err.no_such_key"
    assert catalog.t("err.io.other", detail="EIO") == "input/output error: EIO"
    assert catalog.t("err.io.other") == "input/output error: {detail}"
