"""The backends the store contract runs against: each opens a store at a path, as a kiosk
process would. The PostgreSQL backend joins this list when it exists (issue 17)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.api import StoreBackend


def _tinydb(path: Path) -> StoreBackend:
    from store.core import Store

    return Store.open(path)


#: name -> how to open that backend's store at a path (a second call: another handle on it)
BACKENDS: dict[str, Callable[[Path], StoreBackend]] = {"tinydb": _tinydb}


@pytest.fixture(params=sorted(BACKENDS))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def opener(kind: str, tmp_path: Path) -> Callable[[], StoreBackend]:
    """Opens another handle on the same store (another kiosk process would)."""
    path = tmp_path / "store" / "kiosk.json"
    handles: list[StoreBackend] = []

    def open_() -> StoreBackend:
        handles.append(BACKENDS[kind](path))
        return handles[-1]

    yield open_
    for handle in handles:
        handle.close()


@pytest.fixture
def backend(opener: Callable[[], StoreBackend]) -> Iterator[StoreBackend]:
    yield opener()
