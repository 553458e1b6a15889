"""Fixtures shared by the unit tests: a store on a temporary file, a fixed clock, the domain
world."""

from pathlib import Path

import pytest

from kiosk.domain.clock import FixedClock
from store import Store
from tests.unit.domain_fixtures import NOW, world  # noqa: F401  (the shared domain fixture)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.json"


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def clock() -> FixedClock:
    """The suite's fixed moment (domain_fixtures.NOW); tests advance it themselves."""
    return FixedClock(NOW)
