"""Fixtures shared by the unit tests: a store on a temporary file, the domain world."""

from pathlib import Path

import pytest

from store import Store
from tests.unit.domain_fixtures import world  # noqa: F401  (the shared domain fixture)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.json"


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path)
    yield s
    s.close()
