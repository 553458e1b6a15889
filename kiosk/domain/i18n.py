"""The one string catalog. Every user-visible text comes from ``kiosk/locales/*.toml``.

Keys are flat dotted names; values are ``str.format`` templates. Both languages must have
the same keys and placeholders (a test enforces it), so a toggle never shows a raw key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("zh-TW", "en")
DEFAULT_LANG = "zh-TW"


@cache
def load_catalog(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    raw = resources.files("kiosk").joinpath("locales", f"{lang}.toml").read_text("utf-8")
    return _flatten(tomllib.loads(raw))


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
