"""The one string catalog. Every user-visible text comes from ``kiosk/locales/*.toml``.

Keys are flat dotted names; values are ``str.format`` templates. Both languages must have
the same keys and placeholders (a test enforces it), so a toggle never shows a raw key.

Parsing a catalog's TOML (pure-Python tomllib) costs more than a tenth of the kiosk's
start-up beyond Textual's own, so its flattened strings are kept as JSON in the user's
cache folder, named by the TOML's digest: an edited or upgraded catalog is parsed afresh,
and a cache that is missing, unreadable, corrupt or on a read-only disk only means parsing.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

LANGS = ("zh-TW", "en")
DEFAULT_LANG = "zh-TW"


@cache
def load_catalog(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    raw = resources.files("kiosk").joinpath("locales", f"{lang}.toml").read_bytes()
    from platformdirs import user_cache_dir

    return catalog_strings(lang, raw, Path(user_cache_dir("nhi-kiosk")))


def catalog_strings(lang: str, raw: bytes, cache_dir: Path) -> dict[str, str]:
    """The flattened strings of the TOML ``raw``, from ``cache_dir`` when it has them."""
    path = cache_dir / f"catalog-{lang}-{hashlib.sha256(raw).hexdigest()[:20]}.json"
    try:
        found = json.loads(path.read_bytes())
        if isinstance(found, dict) and all(isinstance(v, str) for v in found.values()):
            return found
    except (OSError, ValueError):
        pass
    import tomllib  # only on a cache miss: its import alone costs milliseconds

    strings = _flatten(tomllib.loads(raw.decode("utf-8")))
    _keep(path, strings)
    return strings


def _keep(path: Path, strings: dict[str, str]) -> None:
    """Written whole (a temporary file renamed over), older versions removed; a cache that
    cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}")
        temp.write_text(json.dumps(strings, ensure_ascii=False), "utf-8")
        os.replace(temp, path)
        for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalog text that is another text's parameter (the reason inside "could not be
    saved (…)"): kept as its key and parameters and translated with the message, so a
    message already on screen changes language with everything else."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


class Catalog:
    """The current language and its strings; toggled at any time."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self._strings = load_catalog(lang)
        self.lang = lang

    def set_lang(self, lang: str) -> None:
        self._strings = load_catalog(lang)
        self.lang = lang

    def toggle(self) -> str:
        self.set_lang(LANGS[(LANGS.index(self.lang) + 1) % len(LANGS)])
        return self.lang

    def has(self, key: str) -> bool:
        return key in self._strings

    def t(self, key: str, **params: object) -> str:
        template = self._strings.get(key)
        if template is None:
            return key  # visible and greppable, never a crash; tests forbid it
        if not params:
            return template
        return template.format(**{name: self.t(value.key, **value.params)
                                  if isinstance(value, Phrase) else value
                                  for name, value in params.items()})
