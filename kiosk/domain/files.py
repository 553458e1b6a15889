"""Files the kiosk writes for a person (papers, reports): private and whole."""

from __future__ import annotations

from pathlib import Path

from store._fs import replace_private

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP "CSV injection"): Excel runs
``=cmd|' /C calc'!A0`` or ``@SUM(…)`` from a CSV it opens, so such a cell is written as text."""


def write_private(path: Path, content: str | bytes) -> Path:
    """Write a paper for the holder: mode 0600, replaced atomically.

    The store's own way of replacing a small file (store._fs.replace_private): the text goes
    to a temporary file of its own in the same directory (a new name each time, created
    0600), is fsynced, and only then takes the name with ``os.replace``. Two writers of the
    same file at once never share a temporary name, a reader sees the old file or the new
    one, never half of one, and the last writer wins. A failed write leaves no temporary
    file behind and raises OSError naming ``path``."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    replace_private(path, data, temp_of=path)
    return path


def shown_path(path: Path) -> str:
    """A path as a person reads it on the kiosk: the home folder is ``~``, so the part that
    tells files apart fits in 80 columns (``~/.local/share/nhi-kiosk/papers/slip-….pdf``).
    Anything outside home is shown whole."""
    home = Path.home()
    try:
        rest = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if rest == Path() else f"~/{rest}"


def spreadsheet_cell(value: object) -> object:
    """A CSV cell as a spreadsheet may safely open it: text that starts like a formula
    (FORMULA_LEAD) gets a leading ``'``, which Excel and LibreOffice show as plain text.
    Anything else, numbers included, is written as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value
