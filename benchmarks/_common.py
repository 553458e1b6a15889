"""Shared helpers for the on-demand benchmarks (not a benchmark itself: run_all skips it).

* spawning a program in a real pseudo-terminal of a given size and timing strings in
  what it draws,
* starting ``pcscd --foreground`` when no PC/SC service answers (and stopping only what
  was started here),
* statistics and the common result table: metric, ours, same-run baseline, ratio,
  target, PASS/FAIL.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IDLE_MARKER = "請插入健保卡"  # the zh-TW idle prompt (kiosk/locales/zh-TW.toml, idle.primary)
VPCD_READER = "Virtual PCD 00 00"

# The baseline program: the smallest Textual app that paints one Static with the same
# marker string, so both programs are detected by exactly the same bytes.
MINIMAL_APP = f'''\
from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static({IDLE_MARKER!r})


if __name__ == "__main__":
    Minimal().run()
'''


def ensure_repo_importable() -> None:
    """Import the project from this work tree (the editable install may be stale)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for programs under test: no NHI_KIOSK_* settings, no user
    config file (XDG dirs point into ``home``), UTF-8, the work tree importable."""
    # PYTHONDONTWRITEBYTECODE goes too: an installed kiosk runs from .pyc files, as the
    # site-packages Textual of the baseline does; the untimed warm-up run writes them.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NHI_KIOSK_", "TEXTUAL", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"))}
    env.update(
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    env.update(extra)
    return env


def kiosk_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "kiosk", *args]


def nhi_kiosk_script() -> list[str]:
    """The ``nhi-kiosk`` console script of this interpreter's environment."""
    script = Path(PYTHON).with_name("nhi-kiosk")
    return [str(script)] if script.exists() else kiosk_command()


# -- pseudo-terminal ---------------------------------------------------------------
class PtyProcess:
    """A program whose stdin/stdout/stderr are a fresh pty (its controlling terminal).

    A thread drains the master side continuously (so the program never blocks on a full
    pty) and notes when a watched byte string first shows up.
    """

    def __init__(
        self,
        cmd: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path = REPO,
        size: tuple[int, int] = (80, 24),
    ) -> None:
        cols, rows = size
        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._master = master
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._eof = False
        self._reads: list[tuple[int, float]] = []  # (buffer length after the read, when)
        self.rows = rows
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            list(cmd), stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
            start_new_session=True, preexec_fn=_take_controlling_tty, close_fds=True,
        )
        os.close(slave)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                data = b""
            now = time.perf_counter()
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._buf += data
                self._reads.append((len(self._buf), now))
                self._cond.notify_all()

    def output(self) -> bytes:
        with self._cond:
            return bytes(self._buf)

    def wait_painted(self, marker: str, timeout: float = 30.0) -> float:
        """Seconds from spawn until ``marker`` and then the bottom row of that frame
        (``ESC [ rows ; 1 H``) have been written: the first full paint showing it."""
        needle = marker.encode()
        last_row = f"\x1b[{self.rows};1H".encode()
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                at = self._buf.find(needle)
                end = self._buf.find(last_row, at) if at >= 0 else -1
                if end >= 0:
                    end += len(last_row)
                    when = next(t for length, t in self._reads if length >= end)
                    return when - self.t0
                if self._eof:
                    raise RuntimeError(f"program ended before painting {marker!r}:\n"
                                       + self._tail())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{marker!r} not painted within {timeout:g}s:\n"
                                       + self._tail())
                self._cond.wait(left)

    def _tail(self) -> str:
        return bytes(self._buf[-1500:]).decode("utf-8", "replace")

    def stop(self) -> None:
        """Kill the program (its own session: only what it started) and close the pty."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._thread.join(timeout=2)

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _take_controlling_tty() -> None:
    # Runs in the child after setsid() and after stdin became the pty slave.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


# -- pcscd ---------------------------------------------------------------------------
NS_ENV = "NHI_BENCH_PRIVATE_PCSCD"


def pcsc_isolation(script: str, argv: Sequence[str], *, shared: bool) -> str:
    """Run this benchmark against a private pcscd unless ``shared``.

    Other people's tests on this machine start and stop the system pcscd and insert their
    own virtual cards in the same vpcd slot; sharing it makes latencies meaningless and
    breaks their runs. So by default the script re-executes itself (as root, with
    util-linux ``unshare``) in new mount and network namespaces: a private
    ``/run/pcscd`` (tmpfs) and a private loopback, where it starts its own
    ``pcscd --foreground`` with the same vpcd driver. Returns "private", "shared" or
    "shared (no unshare)"; in the parent process of a re-exec this does not return.
    """
    if os.environ.get(NS_ENV) == "1":
        _enter_private_namespace()
        return "private"
    if shared:
        return "shared"
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        print("note: cannot make a private pcscd (needs root and unshare); "
              "using the shared one", file=sys.stderr)
        return "shared (no unshare)"
    env = {**os.environ, NS_ENV: "1"}
    cmd = ["unshare", "--mount", "--net", "--fork", "--kill-child", PYTHON, script, *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe("unshare", cmd, env)
    raise AssertionError("unreachable")


def _enter_private_namespace() -> None:
    import socket

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        ifr = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, siocgifflags, ifr))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sh", b"lo", flags | iff_up))
    Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run/pcscd"],
                   check=True)


def pcsc_answers() -> bool:
    ensure_repo_importable()
    from reader.pcsc import pcsc_available

    return pcsc_available()


def _readers() -> list[str]:
    from smartcard import scard as sc

    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        return []
    try:
        hr, readers = sc.SCardListReaders(ctx, [])
        return list(readers) if hr == sc.SCARD_S_SUCCESS else []
    finally:
        sc.SCardReleaseContext(ctx)


@contextlib.contextmanager
def pcscd_running(timeout: float = 15.0) -> Iterator[str]:
    """Use the running pcscd, or start ``pcscd --foreground`` and stop it afterwards.

    Yields "existing" or "started". Waits until the vpcd reader is listed.
    """
    started: subprocess.Popen[bytes] | None = None
    if not pcsc_answers():
        exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
        log = tempfile.NamedTemporaryFile(prefix="bench-pcscd-", suffix=".log", delete=False)
        started = subprocess.Popen([exe, "--foreground"], stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL)
        log.close()
    try:
        deadline = time.monotonic() + timeout
        while VPCD_READER not in _readers():
            if started is not None and started.poll() is not None:
                raise RuntimeError(f"pcscd exited with {started.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no reader {VPCD_READER!r} after {timeout:g}s "
                                   "(is vsmartcard-vpcd installed?)")
            time.sleep(0.1)
        yield "existing" if started is None else "started"
    finally:
        if started is not None:
            started.terminate()
            try:
                started.wait(timeout=5)
            except subprocess.TimeoutExpired:
                started.kill()
                started.wait()


# -- statistics and the table ----------------------------------------------------------
def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def p90(xs: Sequence[float]) -> float:
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    k = 0.9 * (len(s) - 1)
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def spread_ms(xs: Sequence[float]) -> str:
    """``median (min–max, p90) n=N`` in milliseconds."""
    return (f"{median(xs) * 1e3:.0f} ms (min {min(xs) * 1e3:.0f}, max {max(xs) * 1e3:.0f}, "
            f"p90 {p90(xs) * 1e3:.0f}; n={len(xs)})")


@dataclass
class Row:
    metric: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    ok: bool | None  # None: information only, no target


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> bool:
    """Print the table; True when every row with a target passed."""
    head = ("metric", "ours", "baseline (same run)", "ratio", "target", "result")
    body = [
        (r.metric, r.ours, r.baseline, "" if r.ratio is None else f"{r.ratio:.2f}x", r.target,
         "info" if r.ok is None else ("PASS" if r.ok else "FAIL"))
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in (head, *body)) for i in range(len(head))]

    def fmt(line: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |"

    print()
    print(f"## {title}")
    print()
    print(fmt(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in body:
        print(fmt(line))
    for note in notes:
        print(f"  {note}")
    print(flush=True)
    return all(r.ok is not False for r in rows)


# -- store processes on pipes (bench_store_scale, bench_pg_scale) ----------------------------
class PipeWorker:
    """A benchmark's store process: ``script`` run as ``python -P <script> --worker ARGS``,
    one JSON line per command and per reply, no sleeps. Its first line names the
    ``store/__init__.py`` it imported, which ``check(role, code)`` verifies (the work tree,
    or the copy of old code asked for). Start several, then :meth:`ready` each: they open
    their stores in parallel."""

    def __init__(self, role: str, script: Path, args: Sequence[str], env: dict[str, str],
                 cwd: Path, check: Callable[[str, str], None]) -> None:
        self.role = role
        self._check = check
        self.proc = subprocess.Popen(
            [PYTHON, "-P", str(script), "--worker", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd,
        )
        self._ready = False

    def ready(self) -> PipeWorker:
        if not self._ready:
            self._check(self.role, self.recv()["code"])
            self._ready = True
        return self

    def send(self, op: str, **fields: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"store process {self.role} ended (exit {self.proc.wait()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ask(self, op: str, **fields: Any) -> dict[str, Any]:
        self.ready()
        self.send(op, **fields)
        return self.recv()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ready().ask("quit")
                self.proc.wait(timeout=120)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def pipe_workers(make: Sequence[Callable[[], PipeWorker]]) -> Iterator[list[PipeWorker]]:
    """The workers ``make`` starts, all ready; each closed (or killed) afterwards."""
    started: list[PipeWorker] = []
    try:
        for start in make:
            started.append(start())
        for worker in started:
            worker.ready()
        yield started
    except BaseException:
        for worker in started:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()
        raise
    finally:
        for worker in started:
            worker.close()
