"""The README shows the screens as they are: its pictures are the snapshot tests' own
renderings, which the suite compares with the running kiosk on every run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_pictures_are_current_snapshots():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert pictures, "the README shows no screen"
    for picture in pictures:
        assert picture.startswith("tests/ui/__snapshots__/"), picture
        assert (ROOT / picture).is_file(), f"{picture} is no snapshot (renamed test?)"
