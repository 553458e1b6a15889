"""The browser tests (``nhi-kiosk serve`` in a real headless Chromium): no pcscd, so they
are in no xdist group and spread over the workers (tests/integration/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""
