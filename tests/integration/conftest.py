"""Fixtures for the real PC/SC integration tests: pcscd + vsmartcard's vpcd driver.

The tests drive the whole stack a counter PC uses: pyscard -> libpcsclite -> pcscd ->
vpcd -> a :class:`reader.virtual.VirtualCard` served from this process (or from
``nhi-kiosk virtual-card``). Nothing is mocked.

``pcscd`` (session)
    Makes sure a pcscd with both vpcd readers is running. When pcscd (or pyscard) is not
    installed the tests FAIL in CI (``CI=true``) and are skipped elsewhere. When no pcscd
    runs, one is started with ``pcscd --foreground`` (root, as in CI) and stopped at the end
    of the session. When a pcscd is already running (a developer's machine) it is used as
    is. A pcscd in another mount/network namespace (``unshare``, a container) is neither
    used nor touched. A file lock in the temp dir lets one test session at a time drive
    pcscd and the vpcd ports.

``pcscd_restartable``
    For the service-lost/back test: ``.stop()`` and ``.start()``. A pcscd this session did
    not start is *taken over*: ``stop()`` terminates it (SIGTERM) and ``start()`` replaces
    it with one the session owns, which is stopped at the end of the session like any other
    (a socket-activated system pcscd comes back on the next client; otherwise start yours
    again by hand). A running pcscd is always restored before the next test.

Readiness is never a fixed sleep: starting pcscd polls (bounded, 20 s) until
``SCardListReaders`` lists both vpcd readers, card presence is awaited with a blocking
``SCardGetStatusChange`` and monitor events with ``queue.get(timeout=...)``. pcscd polls vpcd
readers about every 400 ms, so every timeout is generous (10 s) for loaded CI machines.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from store._lock import FileLock, LockTimeout
from tests.integration.conftest_cups import cups  # noqa: F401  (the print tests' server)
from tests.integration.conftest_postgres import (  # noqa: F401  (the store's server)
    pg_dsn,
    postgres,
)
from tests.integration.helpers import (
    INSTALL_HINT,
    REPO_ROOT,
    SESSION_LOCK_TIMEOUT,
    VPCD_READERS,
    MonitorRun,
    Pcscd,
    RestartablePcscd,
    in_ci,
    pcscd_binary,
    running_pcscd_pids,
    unavailable,
    wait_card_state,
)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """A running pcscd listing both vpcd readers (see the module docstring)."""
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        unavailable("pyscard is not installed")
    binary = pcscd_binary()
    if binary is None:
        unavailable("pcscd is not on PATH")
    assert binary is not None
    # One test session at a time drives this machine's pcscd and vpcd ports.
    lock = FileLock(Path(tempfile.gettempdir()) / "nhi-kiosk-pcsc-tests.lock")
    try:
        lock.acquire(timeout=SESSION_LOCK_TIMEOUT)
    except LockTimeout:
        pytest.fail(f"another test session has held {lock.path} for "
                    f"{SESSION_LOCK_TIMEOUT:g} s", pytrace=False)
    daemon = Pcscd(binary, tmp_path_factory.mktemp("pcscd") / "pcscd.log")
    try:
        yield from _run_pcscd(daemon)
    finally:
        lock.release()


def _run_pcscd(daemon: Pcscd) -> Iterator[Pcscd]:
    try:
        if running_pcscd_pids():
            daemon.external = True
            daemon.wait_ready()
        else:
            if os.geteuid() != 0 and not in_ci():
                pytest.skip("no pcscd is running, and starting one needs root: start pcscd")
            daemon.start()
    except (TimeoutError, RuntimeError, OSError) as exc:
        if daemon.proc is not None:
            daemon.stop()
        pytest.fail(f"pcscd is not usable: {exc}; {INSTALL_HINT}", pytrace=False)
    try:
        yield daemon
    finally:
        if daemon.proc is not None:
            daemon.stop()


@pytest.fixture
def pcscd_restartable(pcscd: Pcscd) -> Iterator[RestartablePcscd]:
    """pcscd the test may stop and start; a running pcscd is restored afterwards."""
    yield RestartablePcscd(pcscd)
    if pcscd.running:
        pcscd.wait_ready()
    else:
        pcscd.start()


@pytest.fixture(autouse=True)
def _no_card_left_inserted(pcscd: Pcscd) -> Iterator[None]:
    """Every test starts and ends with both vpcd readers empty."""
    for reader in VPCD_READERS:
        wait_card_state(reader, present=False)
    yield
    for reader in VPCD_READERS:
        wait_card_state(reader, present=False)


@pytest.fixture
def monitor(pcscd: Pcscd) -> Iterator[MonitorRun]:
    """A PcscMonitor on a thread, both readers attached; closed and joined afterwards."""
    from reader.monitor import PcscMonitor

    run = MonitorRun(PcscMonitor(max_backoff_s=0.5)).start()
    try:
        run.wait_readers()
        yield run
    finally:
        run.close()


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment of ``nhi-kiosk`` subprocesses: no user config, no user store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHI_KIOSK_")}
    env |= {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONIOENCODING": "utf-8",
        # the code under test is this working tree, whatever the venv's install points at
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p),
    }
    return env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With pytest-xdist, every integration test runs on one worker (one pcscd, one set of
    vpcd ports); the rest spread over the others (``--dist loadgroup``). The PostgreSQL
    tests (pg/) need no pcscd: they join the run's one server's group instead, where a
    second group would have started a second server. The browser tests (web/) and the
    PKCS#11 tests (pkcs11/) need neither and spread over the workers."""
    here = Path(__file__).parent
    for item in items:
        path = Path(item.path)
        if here in path.parents and not any(path.is_relative_to(here / own)
                                            for own in ("pg", "web", "pkcs11")):
            item.add_marker(pytest.mark.xdist_group("pcscd"))
