"""The ``postgres`` session fixture and the ``pg_dsn`` database of one test.

Import them into a conftest (``from tests.integration.conftest_postgres import pg_dsn,
postgres  # noqa: F401``) to make them available; see :mod:`tests.integration.postgres` for
how the server is set up.

``postgres`` (session)
    Starts one :class:`~tests.integration.postgres.PgServer` for the test session (for each
    xdist worker that runs a test using it) and stops it at the end, removing its cluster.
    Every session has its own cluster, socket and temp dir, so sessions running at the same
    time need no lock, and the system's PostgreSQL (if any) is neither used nor touched.
    When the server or psycopg is not installed the tests FAIL in CI (``CI=true``, or the
    test command's ``NHI_KIOSK_REQUIRE_PCSC``) and are skipped elsewhere.

``pg_dsn``
    The DSN of a fresh, empty database of that server, made for the test from template0
    and dropped after it (with the sessions the test left open), so tests do not see each
    other's tables.

Tests using them share one cluster: mark them ``pytest.mark.xdist_group("postgres")`` so
``--dist loadgroup`` runs them all on one worker, which then starts the one server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.integration.helpers import unavailable
from tests.integration.postgres import INSTALL_HINT, PgServer, missing_parts


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A running private PostgreSQL server (module docstring)."""
    missing = missing_parts()
    if missing:
        unavailable(f"PostgreSQL is not installed (missing: {', '.join(missing)})",
                    INSTALL_HINT)
    server = PgServer()
    try:
        server.start()
    except (TimeoutError, RuntimeError, OSError) as exc:
        pytest.fail(f"the private PostgreSQL server is not usable: {exc}; {INSTALL_HINT}",
                    pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_dsn(postgres: PgServer) -> Iterator[str]:
    """The DSN of an empty database of its own for this test (module docstring)."""
    from psycopg.conninfo import conninfo_to_dict

    dsn = postgres.new_database()
    yield dsn
    if postgres.proc is not None:  # a test that stopped the server has no database to drop
        postgres.drop_database(str(conninfo_to_dict(dsn)["dbname"]))


@pytest.fixture(scope="session")
def demo_template(postgres: PgServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the store's schema, made for the demo, to copy for each test that
    needs one (``pg_demo_dsn``): a copy costs a third of making the schema anew."""
    from psycopg.conninfo import conninfo_to_dict

    from store.api import DEMO
    from store.pg import PgStore

    dsn = postgres.new_database("demo_template")
    PgStore.open(dsn, files=tmp_path_factory.mktemp("demo-template"), purpose=DEMO).close()
    return str(conninfo_to_dict(dsn)["dbname"])


@pytest.fixture
def pg_demo_dsn(postgres: PgServer, demo_template: str) -> Iterator[str]:
    """The DSN of a database of its own for this test, with the store's schema, made for
    the demo (what the domain tests' ``world`` opens)."""
    from psycopg.conninfo import conninfo_to_dict

    dsn = postgres.new_database(template=demo_template)
    yield dsn
    if postgres.proc is not None:
        postgres.drop_database(str(conninfo_to_dict(dsn)["dbname"]))


def group_on_the_server(items: list[pytest.Item], uses_it: Callable[[pytest.Item], bool]
                        ) -> None:
    """Put the tests ``uses_it`` picks in the xdist group "postgres", so the run's one
    server serves them all. Call it from a ``pytest_collection_modifyitems`` marked
    ``tryfirst``: xdist reads the groups off the items after it."""
    for item in items:
        if uses_it(item):
            item.add_marker(pytest.mark.xdist_group("postgres"))


def with_param(name: str, value: str) -> Callable[[pytest.Item], bool]:
    """Picks the tests whose parameter ``name`` is ``value``."""
    def picks(item: pytest.Item) -> bool:
        spec = getattr(item, "callspec", None)
        return spec is not None and spec.params.get(name) == value

    return picks
