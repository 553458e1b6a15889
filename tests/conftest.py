"""Shared by every test: scrypt at a test cost.

Production hashes cost 128 MiB and half a second each (kiosk.domain.passwords); a suite
that logs in hundreds of times cannot pay that. Tests that are about the cost itself, or
run the kiosk in a subprocess, use the real parameters: mark them ``real_scrypt``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from kiosk.domain import passwords

# Property tests are about what the code does, not how fast: speed lives in benchmarks/.
# Hypothesis's deadline and too-slow check time each example, and on a loaded 2-core
# machine (CI, a mutation run) they failed tests whose every example was right.
settings.register_profile("kiosk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kiosk")

TEST_N = 2**10


@pytest.fixture(autouse=True)
def cheap_scrypt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_scrypt") is None:
        monkeypatch.setattr(passwords, "SCRYPT_N", TEST_N)
