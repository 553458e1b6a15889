"""The PostgreSQL store's own tests: all on the run's one private server (the xdist group
"postgres", tests/integration/conftest_postgres.py), none needing pcscd, each with a data
dir of its own (where a counter keeps its files for a database: kiosk.wiring.pg_files) and
no NHI_KIOSK_* setting from the developer's shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.conftest_postgres import group_on_the_server

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    group_on_the_server(items, lambda item: item.path.is_relative_to(HERE))


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in [n for n in os.environ if n.startswith("NHI_KIOSK_")]:
        monkeypatch.delenv(name)
    return tmp_path / "data"
