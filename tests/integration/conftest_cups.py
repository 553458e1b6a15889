"""The ``cups`` session fixture: a private cupsd with the PDF-capturing ``kiosk-pdf`` queue.

Import it into a conftest (``from tests.integration.conftest_cups import cups  # noqa: F401``)
to make it available; see :mod:`tests.integration.cups` for how the server is set up.

``cups`` (session)
    Starts one :class:`~tests.integration.cups.CupsServer` for the test session (for each
    xdist worker that runs a test using it) and stops it at the end. Every session has its
    own cupsd, socket and temp dir, so sessions running at the same time need no lock, and
    the system's cupsd (if any) is neither used nor touched. When CUPS or cups-pdf is not
    installed the tests FAIL in CI (``CI=true``, or the test command's
    ``NHI_KIOSK_REQUIRE_PCSC``) and are skipped elsewhere; starting cupsd needs root, so a
    non-root session outside CI skips too.

Tests using it share one scheduler: mark them ``pytest.mark.xdist_group("cups")``, and find a
job's PDF by its id (``cups.wait_printed(job=...)``) or in print order (``wait_printed()``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.cups import INSTALL_HINT, CupsServer, missing_parts
from tests.integration.helpers import in_ci, unavailable


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsServer]:
    """A running private cupsd with the cups-pdf queue ``kiosk-pdf`` (module docstring)."""
    missing = missing_parts()
    if missing:
        unavailable(f"CUPS is not installed (missing: {', '.join(missing)})", INSTALL_HINT)
    if os.geteuid() != 0 and not in_ci():
        pytest.skip("starting a private cupsd needs root (its backends run as root)")
    server = CupsServer()
    try:
        server.start()
    except (TimeoutError, RuntimeError, OSError) as exc:
        pytest.fail(f"the private cupsd is not usable: {exc}; {INSTALL_HINT}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
