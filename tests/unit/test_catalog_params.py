"""A catalog string with a placeholder is never shown without its value.

``Catalog.t(key)`` without parameters returns the template as it is, so a caller that
forgets ``days=`` would put ``{days}`` on the screen (and so would a ``Tr`` widget without
``params``). This reads every such call with a literal key in the kiosk's code and checks
that one without parameters names a string without placeholders, in both languages.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

from kiosk.domain.i18n import LANGS, Catalog

ROOT = Path(__file__).resolve().parents[2]


def _bare_calls() -> list[tuple[str, str]]:
    """(where, key) of each ``x.t("key")`` and ``Tr("key")`` given no parameters."""
    found = []
    for path in [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("screens/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and len(node.args) == 1
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            by_t = (isinstance(node.func, ast.Attribute) and node.func.attr == "t"
                    and not node.keywords)
            by_tr = (isinstance(node.func, ast.Name) and node.func.id == "Tr"
                     and all(k.arg != "params" for k in node.keywords))
            if by_t or by_tr:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value))
    return found


def test_the_scan_finds_the_calls_it_checks():
    assert len(_bare_calls()) > 50


def test_a_string_shown_without_parameters_has_no_placeholder():
    missing = []
    for lang in LANGS:
        catalog = Catalog(lang)
        for where, key in _bare_calls():
            text = catalog.t(key)
            names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
            if names:
                missing.append(f"{where}: {key} ({lang}) needs {names}")
    assert missing == []
