"""The PostgreSQL harness itself: the private server the store tests run against is isolated
per test, durable across restarts and crashes, reachable only on its Unix socket, and not run
as root.

Everything goes through psycopg 3 (and its pool) to the real server; nothing is mocked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.integration.helpers import in_ci
from tests.integration.postgres import PgServer

# never skipped in CI: there a missing psycopg fails the collection
psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")




def _uids(pid: int) -> list[int] | None:
    """The real, effective, saved and filesystem uids of process *pid* (None when it has
    exited: a backend of a connection that has just closed)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        if line.startswith("Uid:"):
            return [int(uid) for uid in line.split()[1:]]
    raise AssertionError(f"no Uid line for process {pid}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat_line[stat_line.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    """The sockets process ``pid`` holds open; none if it has exited meanwhile (a backend
    of a connection that just closed)."""
    inodes: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _tcp_listeners(inodes: set[str]) -> list[str]:
    """The lines of /proc/net/tcp{,6} that are listening sockets (state 0A) with these
    inodes."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found += [line for line in lines
                  if line.split()[3] == "0A" and line.split()[9] in inodes]
    return found


def test_two_new_databases_are_isolated(postgres: PgServer) -> None:
    first, second = postgres.new_database(), postgres.new_database()
    assert first != second

    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE patients (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO patients VALUES (1, '王小明')")

    with psycopg.connect(second) as conn:
        assert conn.execute("SELECT to_regclass('patients')").fetchone() == (None,)
    with psycopg.connect(first) as conn:
        assert conn.execute("SELECT name FROM patients").fetchall() == [("王小明",)]


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_committed_rows_survive_a_restart(postgres: PgServer, mode: str) -> None:
    dsn = postgres.new_database()
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE visits (id int PRIMARY KEY)")
        conn.execute("INSERT INTO visits SELECT generate_series(1, 1000)")
    before = postgres.pid
    held = psycopg.connect(dsn)  # a session the restart must end
    held.execute("INSERT INTO visits VALUES (0)")  # ...with its transaction not committed

    postgres.restart(mode=mode)

    assert postgres.pid != before
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*), min(id), max(id) FROM visits").fetchone() == (
            1000, 1, 1000)


def test_the_server_listens_on_its_unix_socket_and_no_tcp_port(postgres: PgServer) -> None:
    assert stat.S_ISSOCK(postgres.socket_path.stat().st_mode)
    assert postgres.dsn.startswith(f"host={postgres.socket_dir} port={postgres.port} ")

    listeners = [line for pid in [postgres.pid, *_children(postgres.pid)]
                 for line in _tcp_listeners(_socket_inodes(pid))]
    assert listeners == [], "the server listens on TCP"
    for host in ("127.0.0.1", "::1"):
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(f"host={host} port={postgres.port} user=kiosk dbname=postgres "
                            "connect_timeout=5")
    with psycopg.connect(postgres.dsn) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)


def test_the_server_never_runs_as_root(postgres: PgServer) -> None:
    pids = [postgres.pid, *_children(postgres.pid)]
    assert len(pids) > 1, "the postmaster has no child processes (checkpointer, ...)"
    uids = {pid: _uids(pid) for pid in pids}
    assert uids[postgres.pid] is not None, "the postmaster is gone"
    seen = {uid for each in uids.values() if each is not None for uid in each}
    if os.geteuid() == 0:
        assert postgres.owner is not None
        assert postgres.owner.pw_uid != 0
        assert seen == {postgres.owner.pw_uid}, uids
    else:
        assert seen == {os.geteuid()}, uids


def test_pg_dsn_is_an_empty_utf8_database_with_durable_settings(pg_dsn: str) -> None:
    from psycopg_pool import ConnectionPool

    with ConnectionPool(pg_dsn, min_size=1, max_size=2, open=True, timeout=10) as pool:
        with pool.connection() as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone() == (0,)
            assert conn.execute("SELECT current_user, current_database() = %s",
                                [conn.info.dbname]).fetchone() == ("kiosk", True)
            for setting, value in (("server_encoding", "UTF8"), ("fsync", "on"),
                                   ("synchronous_commit", "on"),
                                   ("full_page_writes", "on"), ("shared_buffers", "32MB"),
                                   ("max_connections", "100")):
                assert conn.execute(f"SHOW {setting}").fetchone() == (value,), setting
        with pool.connection() as a, pool.connection() as b:
            assert a.info.backend_pid != b.info.backend_pid


def test_drop_database_ends_the_sessions_left_open(postgres: PgServer) -> None:
    """What pg_dsn does after each test: a test that leaves a connection open does not keep
    its database (or break the drop)."""
    dsn = postgres.new_database()
    name = dsn.rsplit("dbname=", 1)[1]
    left_open = psycopg.connect(dsn)
    left_open.execute("CREATE TABLE left_behind (id int)")

    postgres.drop_database(name)

    with psycopg.connect(postgres.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            [name]).fetchone() == (0,)
    with pytest.raises(psycopg.OperationalError):
        left_open.execute("SELECT 1")
    left_open.close()
