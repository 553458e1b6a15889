"""Fixtures shared by the unit tests: a store on a temporary file, a fixed clock, the domain
world with its staff (chen01 at the counter), and the card applications and payments on it."""

from pathlib import Path

import pytest

from kiosk.domain.binding.devices import Devices
from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.desk import Counter
from kiosk.domain.counter.staff import Staff, StaffSession
from kiosk.domain.replacement.applications import Applications
from kiosk.domain.replacement.payments import Payments
from kiosk.domain.replacement.photos import PhotoStore
from store import Store
from tests.integration.conftest_postgres import (  # noqa: F401
    demo_template,
    group_on_the_server,
    pg_demo_dsn,
    pg_dsn,
    postgres,
    with_param,
)
from tests.unit.domain_fixtures import (  # noqa: F401  (world: the shared domain fixture)
    NOW,
    STAFF_PASSWORD,
    store_kind,
    world,
)

#: the backends a module marked ``both_stores`` runs its ``world`` tests on
BOTH = ("tinydb", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A workflow module marked ``both_stores`` runs each test that uses ``world`` on the
    TinyDB store and on PostgreSQL (docs/postgresql.md lists the modules)."""
    if "world" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "both_stores"):
        metafunc.parametrize("store_kind", BOTH, indirect=True)


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The PostgreSQL runs share the one server of the run: its xdist group."""
    group_on_the_server(items, with_param("store_kind", "postgresql"))


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


@pytest.fixture
def apps(world, tmp_path: Path) -> Applications:  # noqa: F811  (world: the imported fixture)
    """The card applications of the domain world, photos kept under tmp_path."""
    return Applications(world.services, PhotoStore(tmp_path / "photos"))


@pytest.fixture
def payments(apps: Applications) -> Payments:
    return Payments(apps)


@pytest.fixture
def staff(world) -> Staff:  # noqa: F811  (world: the imported fixture)
    """The world's staff accounts, with chen01 (陳櫃員) added under STAFF_PASSWORD."""
    staff = Staff(world.store, world.clock)
    staff.add("chen01", "陳櫃員", STAFF_PASSWORD)
    return staff


@pytest.fixture
def desk(world, staff: Staff) -> tuple[Counter, StaffSession]:  # noqa: F811  (world: as above)
    """The counter, and chen01 signed in at it."""
    counter = Counter(world.services, staff, world.registration, Devices(world.services))
    return counter, staff.sign_in("chen01", STAFF_PASSWORD)
