"""Both languages complete, and every key the code uses exists."""

import re
import string
from pathlib import Path

from kiosk.domain.dates import roc_date, roc_datetime
from kiosk.domain.i18n import LANGS, Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[2]
KEY_LITERAL = re.compile(r"""(?:\bt|Tr|catalog\.t|self\.t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
DESCRIPTION = re.compile(r"""Binding\([^)]*?["'](key\.[a-z_]+)["']""")


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# English shows the Gregorian year beside the ROC one; Chinese does not need it.
GREGORIAN_ONLY_IN_EN = {"date.day": {"y"}, "date.moment": {"y"}}


def test_languages_have_the_same_keys_and_placeholders():
    zh, en = (load_catalog(lang) for lang in LANGS)
    assert set(zh) == set(en)
    for key in zh:
        extra = GREGORIAN_ONLY_IN_EN.get(key, set())
        assert _fields(zh[key]) | extra == _fields(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


# Strings shaped like keys that are not: a data file name and a Textual action.
NOT_KEYS = {"address.json", "app.go_idle"}


def _key_like_literals() -> set[str]:
    """Every plain string in kiosk/ and screens/ shaped like a key of a catalog table."""
    import ast

    tables = {key.split(".")[0] for key in load_catalog("zh-TW")}
    shape = re.compile(r"[a-z_]+(\.[a-z0-9_]+)+")
    found = set()
    for folder in ("kiosk", "screens"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                           for part in node.values}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and id(node) not in in_fstrings
                        and node.value not in NOT_KEYS
                        and shape.fullmatch(node.value)
                        and node.value.split(".")[0] in tables):
                    found.add(node.value)
    return found


def test_every_key_shaped_string_in_the_code_exists():
    catalog = load_catalog("en")
    found = _key_like_literals()
    assert {"err.login.locked", "registry.err.id", "err.contact.email"} <= found
    assert sorted(k for k in found if k not in catalog) == []


def test_keys_built_at_run_time_exist():
    catalog = load_catalog("en")
    families = [f"err.identity.{g}" for g in ("household", "address", "resident")]
    families += [f"err.register.already_{s}" for s in ("active", "pending", "suspended")]
    families += [f"card.kind_{k}" for k in ("national", "resident_ui", "resident_arc")]
    families += [f"demo.{d.key}" for d in __import__("reader.demo").demo.DEMO_CARDS]
    assert [k for k in families if k not in catalog] == []


def test_every_literal_key_in_the_code_exists():
    catalog = load_catalog("zh-TW")
    used = set()
    for folder in ("kiosk", "screens"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            used |= set(KEY_LITERAL.findall(text)) | set(DESCRIPTION.findall(text))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in catalog)
    assert not missing


def test_toggle_switches_language():
    catalog = Catalog("zh-TW")
    assert catalog.t("idle.primary") == "請插入健保卡"
    catalog.toggle()
    assert catalog.t("idle.primary") == "Please insert your NHI card"


def test_roc_dates_in_both_languages():
    from datetime import date, datetime

    from kiosk.domain.clock import TAIPEI

    zh, en = Catalog("zh-TW"), Catalog("en")
    assert roc_date(date(1969, 1, 1), zh) == "民國 58/01/01"
    assert roc_date(date(1969, 1, 1), en) == "1969-01-01 (ROC 58/01/01)"
    moment = datetime(2026, 11, 23, 9, 5, tzinfo=TAIPEI)
    assert roc_datetime(moment, zh) == "民國 115 年 11 月 23 日（一）09:05"
    assert roc_datetime(moment, en) == "Mon 2026-11-23 09:05 (ROC 115)"
