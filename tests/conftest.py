"""Shared by every test: scrypt at a test cost.

Production hashes cost 128 MiB and half a second each (kiosk.domain.passwords); a suite
that logs in hundreds of times cannot pay that. Tests that are about the cost itself, or
run the kiosk in a subprocess, use the real parameters: mark them ``real_scrypt``.
"""

from __future__ import annotations

import pytest

from kiosk.domain import passwords

TEST_N = 2**10


@pytest.fixture(autouse=True)
def cheap_scrypt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_scrypt") is None:
        monkeypatch.setattr(passwords, "SCRYPT_N", TEST_N)
