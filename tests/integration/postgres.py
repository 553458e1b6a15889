"""A private PostgreSQL server for the store tests, on a Unix socket in a temp dir.

The PostgreSQL store backend is tested against a real server, never a mock: what it must get
right (transactions, locks, constraint errors, a server that goes away and comes back) is
what a mock would have to guess. :class:`PgServer` runs its own cluster (never the system's
``postgresql`` service, which is neither used nor touched): ``initdb`` into a fresh temp dir,
then ``postgres -D`` in the foreground. Its data, log and socket live in that one dir; it
listens on no TCP address (``listen_addresses = ''``) and only on the socket
``<dir>/.s.PGSQL.<port>``, where the port, a number that was a free TCP port when chosen, only
names the socket file. Every local connection is trusted (``--auth=trust``) as the superuser
``kiosk``; nobody else can reach the socket, because the dir is open to its owner and group
only.

Durability is part of what the store tests check, so the server runs with ``fsync = on`` (and
``synchronous_commit``, ``full_page_writes`` at their defaults, on); only its memory is cut
down for a 2-core CI machine (``shared_buffers = 32MB``). :meth:`PgServer.restart` stops and
starts the same cluster, with a fast shutdown or an immediate one (a crash: the next start
replays the WAL).

initdb and postgres refuse to run as root, and CI runs the tests as root: then both run as
Debian's ``postgres`` user (``nobody`` where there is none), the temp dir owned by that user
and by root's group. The process is started with Popen's ``user``/``group``/``extra_groups``
(setuid just before exec, as ``setpriv`` does) rather than through ``runuser``, which would
stay in between as the parent, turn a SIGTERM into a SIGKILL two seconds later and hide the
postmaster's pid. Root connects all the same (trust authentication).

No fixed sleeps: start-up polls a psycopg connection against a deadline, and a stop waits for
the process to exit. Every failure message carries the tail of the server's log.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from tests.integration.ports import free_port

#: the cluster's superuser; the tests connect as it
USER = "kiosk"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
COMMAND_TIMEOUT = 60.0
POLL_S = 0.05
#: where Debian (and Ubuntu) put each major version's server binaries
DEBIAN_LIB = Path("/usr/lib/postgresql")
SERVER_BINARIES = ("initdb", "postgres")
#: the Debian package that brings the server (postgresql-<major>) and its client tools
APT_PACKAGES = ("postgresql",)
INSTALL_HINT = (
    "the PostgreSQL store tests need a PostgreSQL server (they start a private one) and "
    "psycopg 3: apt-get install --no-install-recommends " + " ".join(APT_PACKAGES)
    + " (run as root) && pip install -e '.[postgres,test]'"
)
TEMP_PREFIX = "nhi-kiosk-pg-"
#: the settings of every cluster, appended to its postgresql.conf by start(); the socket
#: dir and port come with them
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "32MB",
    "max_connections": "100",
    "logging_collector": "off",
}
#: a database name new_database() accepts as it is (no quoting surprises in a DSN)
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _major(path: Path) -> int:
    try:
        return int(path.name)
    except ValueError:
        return -1


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in SERVER_BINARIES)


def server_bindir() -> Path | None:
    """The dir with initdb and postgres: Debian's newest major first, then ``pg_config
    --bindir`` (a server built from source, another distribution)."""
    candidates: list[Path] = []
    if DEBIAN_LIB.is_dir():
        majors = sorted((p for p in DEBIAN_LIB.iterdir() if _major(p) >= 0),
                        key=_major, reverse=True)
        candidates += [p / "bin" for p in majors]
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                  timeout=COMMAND_TIMEOUT, check=False)
            if done.returncode == 0 and done.stdout.strip():
                candidates.append(Path(done.stdout.strip()))
    return next((d for d in candidates if _has_server(d)), None)


def _psycopg_missing() -> list[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return ["psycopg (pip)"]
    return []


def missing_parts() -> list[str]:
    """What this harness needs and does not find (empty when everything is installed)."""
    missing = [] if server_bindir() is not None else [
        f"the PostgreSQL server ({'/'.join(SERVER_BINARIES)} in {DEBIAN_LIB}/<major>/bin "
        "or pg_config --bindir)"
    ]
    return missing + _psycopg_missing()


def run_as_user() -> pwd.struct_passwd | None:
    """Who runs initdb and postgres: None for the current user, Debian's ``postgres`` (else
    ``nobody``) when that is root, which both refuse to be."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and there is neither a 'postgres' nor a 'nobody' "
                       "user to run PostgreSQL as")


def _server_env() -> dict[str, str]:
    """The environment of initdb and postgres: no PG* variables (PGDATA, PGPORT, ...) that
    point elsewhere; everything they need is on their command line."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_dirs() -> None:
    """Remove the temp dirs of killed test sessions: those whose ``session.pid`` names a
    process that is gone and whose postmaster (if it ever ran) is gone too. (Not the
    postmaster's pid alone: between the stop and the start of a restart it is dead while
    its session lives.) A dir without ``session.pid`` is a session just starting: left."""
    for root in Path("/tmp").glob(f"{TEMP_PREFIX}*"):
        try:
            session = int((root / "session.pid").read_text())
        except (OSError, ValueError):
            continue
        try:
            postmaster = int((root / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            postmaster = None
        if not _pid_alive(session) and (postmaster is None or not _pid_alive(postmaster)):
            shutil.rmtree(root, ignore_errors=True)


class PgServer:
    """A private PostgreSQL cluster on a Unix socket; see the module docstring."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.port: int | None = None
        self.bindir: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner: pwd.struct_passwd | None = None
        #: seconds the last start took, initdb included when it ran
        self.start_seconds: float | None = None
        self._names = itertools.count(1)

    # -- where things are ----------------------------------------------------------------
    def _path(self, *parts: str) -> Path:
        assert self.root is not None, "the PostgreSQL server is not started"
        return self.root.joinpath(*parts)

    @property
    def data_dir(self) -> Path:
        return self._path("data")

    @property
    def log_path(self) -> Path:
        return self._path("postgres.log")

    @property
    def socket_dir(self) -> str:
        return str(self._path())

    @property
    def socket_path(self) -> Path:
        return self._path(f".s.PGSQL.{self.port}")

    @property
    def dsn(self) -> str:
        """The libpq keyword string of the ``postgres`` database, as the superuser."""
        return self.dsn_for("postgres")

    def dsn_for(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={USER} dbname={dbname}"

    @property
    def pid(self) -> int:
        """The postmaster's pid."""
        assert self.proc is not None, "the PostgreSQL server is not running"
        return self.proc.pid

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Make a fresh cluster in a temp dir (first call) and start it; return once a
        connection succeeds. After :meth:`restart`'s stop, the same cluster starts again."""
        assert self.proc is None, "the PostgreSQL server is already running"
        began = time.monotonic()
        if self.root is None:
            missing = missing_parts()
            if missing:
                raise RuntimeError(f"missing: {', '.join(missing)}")
            self._make_cluster()
        self._spawn_ready(timeout)
        self.start_seconds = time.monotonic() - began

    def restart(self, mode: str = "fast", timeout: float = READY_TIMEOUT) -> None:
        """Stop the server and start the same cluster again (its data dir, socket, port).

        *mode* ``"fast"``: a clean shutdown (open sessions are ended, a checkpoint is
        written); ``"immediate"``: a crash, the next start recovers from the WAL.
        """
        self._shutdown(mode)
        self._spawn_ready(timeout)

    def halt(self) -> None:
        """Stop the server (fast shutdown) but keep its cluster: :meth:`start` brings the
        same one back, as a database server that went away and came back."""
        self._shutdown("fast")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its temp dir."""
        try:
            self._shutdown("fast")
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None

    def _make_cluster(self) -> None:
        self.bindir = server_bindir()
        assert self.bindir is not None
        self.owner = run_as_user()
        _remove_stale_dirs()
        # Not under pytest's basetemp (0700 dirs of root's, which the postgres user cannot
        # enter); a short path besides: a Unix socket path has at most 107 bytes.
        self.root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir="/tmp"))
        self._path("session.pid").write_text(f"{os.getpid()}\n")
        self.log_path.touch()
        if self.owner is not None:
            # the server's user owns the dir (it creates the data dir and socket there);
            # root's group may enter it, nobody else
            os.chown(self.root, self.owner.pw_uid, 0)
            os.chown(self.log_path, self.owner.pw_uid, 0)
            self.root.chmod(0o770)
        self.port = free_port()
        self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", USER,
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], "initdb")
        settings = {**SETTINGS, "port": str(self.port),
                    "unix_socket_directories": f"'{self.root}'"}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/integration/postgres.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _user_kwargs(self) -> dict[str, Any]:
        if self.owner is None:
            return {}
        return {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}

    def _run(self, args: list[str], what: str) -> None:
        with self.log_path.open("ab") as log:
            done = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=self.root, env=_server_env(),
                                  timeout=COMMAND_TIMEOUT, check=False, **self._user_kwargs())
        if done.returncode != 0:
            raise RuntimeError(f"{what} failed ({done.returncode}); {self.log_tail()}")

    def _spawn_ready(self, timeout: float) -> None:
        """Start the postmaster and wait for a connection; stopped again if none comes."""
        self._spawn()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> None:
        assert self.bindir is not None and self.proc is None
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data_dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.root, env=_server_env(), **self._user_kwargs(),
            )

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        pause = threading.Event()
        last: Exception | None = None
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}; "
                                   f"{self.log_tail()}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"postgres did not accept a connection within "
                                   f"{timeout:g} s (last: {last}); {self.log_tail()}")
            try:
                with psycopg.connect(self.dsn, connect_timeout=max(2, int(left))) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                last = exc
            pause.wait(POLL_S)

    def _shutdown(self, mode: str) -> None:
        """Stop the postmaster: SIGINT is a fast shutdown, SIGQUIT an immediate one; a
        server that does not exit in time is shut down harder."""
        signals = {"fast": [signal.SIGINT, signal.SIGQUIT, signal.SIGKILL],
                   "immediate": [signal.SIGQUIT, signal.SIGKILL]}[mode]
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig in signals:
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=STOP_TIMEOUT)
        if proc.poll() is None:
            raise RuntimeError(f"postgres {proc.pid} did not stop; {self.log_tail()}")

    # -- databases -----------------------------------------------------------------------
    def new_database(self, name: str | None = None, template: str = "template0") -> str:
        """Make a database, empty (from template0) or a copy of ``template`` (a database no
        session is connected to), and return its DSN."""
        import psycopg
        from psycopg import sql

        if name is None:
            name = f"test_{next(self._names)}_{uuid.uuid4().hex[:8]}"
        if not _DB_NAME.match(name) or not _DB_NAME.match(template):
            raise ValueError(f"not a plain database name: {name!r} or {template!r}")
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)))
        except psycopg.Error as exc:
            raise RuntimeError(f"CREATE DATABASE {name} failed: {exc}; "
                               f"{self.log_tail()}") from exc
        return self.dsn_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the sessions a test left connected to it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))

    # -- logs ----------------------------------------------------------------------------
    def log_tail(self, lines: int = 25) -> str:
        """The end of the server's log (initdb's output included)."""
        if self.root is None:
            return "(no PostgreSQL log: the server is not started)"
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no PostgreSQL log at {self.log_path})"
        kept = [line for line in text.splitlines() if line.strip()][-lines:]
        return f"postgres log ({self.log_path}): " + (" | ".join(kept) or "(empty)")
