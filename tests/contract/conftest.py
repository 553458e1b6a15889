"""The backends the store contract runs against: each opens a store where a kiosk process
would (a file for TinyDB, a database of the suite's private PostgreSQL server), and a second
call opens another handle on the same store, as another process would.

A test runs once per backend (the ``kind`` parameter). The PostgreSQL ones share the one
server of the run: they are put in the xdist group "postgres" (tests/integration/
conftest_postgres.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.api import StoreBackend
from tests.integration.conftest_postgres import (  # noqa: F401
    group_on_the_server,
    pg_dsn,
    postgres,
    with_param,
)


def _tinydb(where: str, files: Path) -> StoreBackend:
    from store.core import Store

    return Store.open(Path(where))


def _postgresql(where: str, files: Path) -> StoreBackend:
    from store.pg import PgStore

    return PgStore.open(where, files=files)


#: name -> how to open that backend's store ``where`` (a path, a DSN), ``files`` the folder
#: of what the kiosk keeps beside it
BACKENDS: dict[str, Callable[[str, Path], StoreBackend]] = {
    "tinydb": _tinydb, "postgresql": _postgresql}


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    group_on_the_server(items, with_param("kind", "postgresql"))


@pytest.fixture(params=sorted(BACKENDS))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def where(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where this test's store is: a file in its temp dir, or a database of its own."""
    if kind == "postgresql":
        return str(request.getfixturevalue("pg_dsn"))
    return str(tmp_path / "store" / "kiosk.json")


@pytest.fixture
def opener(kind: str, where: str, tmp_path: Path) -> Iterator[Callable[[], StoreBackend]]:
    """Opens another handle on the same store (another kiosk process would)."""
    handles: list[StoreBackend] = []

    def open_() -> StoreBackend:
        handles.append(BACKENDS[kind](where, tmp_path / "files"))
        return handles[-1]

    yield open_
    for handle in handles:
        handle.close()


@pytest.fixture
def backend(opener: Callable[[], StoreBackend]) -> Iterator[StoreBackend]:
    yield opener()
