"""Files the kiosk writes for a person (papers, reports): private and whole."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP "CSV injection"): Excel runs
``=cmd|' /C calc'!A0`` or ``@SUM(…)`` from a CSV it opens, so such a cell is written as text."""


def write_private(path: Path, text: str) -> Path:
    """Write a paper for the holder: mode 0600, replaced atomically.

    The text goes to a temporary file of its own in the same directory (``mkstemp``: a new
    name each time, created 0600) and only then takes the name with ``os.replace``, a
    rename within one file system. Two writers of the same file at once never share a
    temporary name, a reader sees the old file or the new one, never half of one, and the
    last writer wins. A failed write leaves no temporary file behind."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


def spreadsheet_cell(value: object) -> object:
    """A CSV cell as a spreadsheet may safely open it: text that starts like a formula
    (FORMULA_LEAD) gets a leading ``'``, which Excel and LibreOffice show as plain text.
    Anything else, numbers included, is written as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value
