"""Helpers for the PC/SC integration tests (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

READER_0 = "Virtual PCD 00 00"
READER_1 = "Virtual PCD 00 01"
VPCD_READERS = (READER_0, READER_1)
READY_TIMEOUT = 20.0
SESSION_LOCK_TIMEOUT = 90.0
EVENT_TIMEOUT = 10.0
HOLD_TIMEOUT = 60.0
REPO_ROOT = Path(__file__).resolve().parents[2]

INSTALL_HINT = (
    "the PC/SC integration tests need pcscd with vsmartcard's vpcd driver and pyscard: "
    "apt-get install pcscd vsmartcard-vpcd libpcsclite-dev swig && "
    "pip install -e '.[pcsc,test]' (run as root, or start pcscd yourself)"
)


def in_ci() -> bool:
    """CI, or scripts/test (which installs pcscd): a missing PC/SC stack is then a failure."""
    flags = (os.environ.get("CI", ""), os.environ.get("NHI_KIOSK_REQUIRE_PCSC", ""))
    return any(flag.strip().lower() in ("1", "true", "yes") for flag in flags)


def unavailable(reason: str, hint: str = INSTALL_HINT) -> None:
    """A part the tests need is missing: a failure in CI (a skip there would hide it), a
    skip elsewhere; either way saying what to install."""
    if in_ci():
        pytest.fail(f"{reason}; {hint}", pytrace=False)
    pytest.skip(f"{reason}; {hint}")


def pcscd_binary() -> str | None:
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")


def running_pcscd_pids() -> list[int]:
    """Live pcscd processes that serve *this* process (same mount and network namespace).

    A pcscd in another namespace (``unshare --mount --net``, a container) has its own socket
    and vpcd ports: it is neither used nor ever stopped here. Zombies do not count.
    """
    return [
        int(entry.name) for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _is_our_pcscd(int(entry.name))
    ]


def _is_our_pcscd(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        same_ns = all(
            os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}")
            for ns in ("mnt", "net")
        )
    except OSError:
        return False  # gone while we looked, or not ours to inspect
    comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 1 :]
    return same_ns and comm == "pcscd" and rest.split()[0] not in ("Z", "X")


def _scard() -> Any:
    from smartcard import scard

    return scard


def _list_readers() -> list[str] | None:
    """The reader names, or None when pcscd cannot be reached."""
    sc = _scard()
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        return None
    try:
        hr, readers = sc.SCardListReaders(ctx, [])
        if hr == sc.SCARD_S_SUCCESS:
            return list(readers)
        if hr == sc.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return None
    finally:
        sc.SCardReleaseContext(ctx)


def _wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Bounded readiness polling for things that offer nothing to block on."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g} s")
        pause.wait(0.05)


def _vpcd_ready() -> bool:
    readers = _list_readers()
    return readers is not None and all(r in readers for r in VPCD_READERS)


class Pcscd:
    """The pcscd the tests run against; it starts, stops and takes over pcscd processes."""

    def __init__(self, binary: str, log_path: Path) -> None:
        self.binary = binary
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None   # a pcscd this session owns
        self.external = False                              # using someone else's pcscd

    # -- readiness ---------------------------------------------------------------
    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"pcscd exited with {self.proc.returncode}: {self.log_tail()}"
                )
            return _vpcd_ready()

        try:
            _wait_until(ready, timeout, f"pcscd did not list the vpcd readers {VPCD_READERS}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; readers: {_list_readers()}; {self.log_tail()}") from None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no pcscd log)"
        return "pcscd log: " + " | ".join(text.splitlines()[-lines:])

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        """Start a pcscd this session owns and wait until the vpcd readers are listed."""
        assert self.proc is None or self.proc.poll() is not None, "pcscd is already ours"
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                [self.binary, "--foreground"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self.external = False
        self.wait_ready()

    def stop(self) -> None:
        """Stop pcscd: ours, or a pcscd someone else started (taking ownership of it)."""
        if self.proc is not None:
            end_process(self.proc)
        self.proc = None
        for pid in running_pcscd_pids():  # a pcscd we did not start: take it over
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            _wait_until(lambda pid=pid: not _is_our_pcscd(pid), 10, f"pcscd {pid} did not stop")
        self.external = False

    @property
    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return bool(running_pcscd_pids())


@dataclass
class RestartablePcscd:
    daemon: Pcscd

    def stop(self) -> None:
        """Stop pcscd (any pcscd: one this session did not start is taken over)."""
        self.daemon.stop()

    def start(self) -> None:
        """Start a pcscd and wait until it lists both vpcd readers."""
        self.daemon.start()


# -- card presence ------------------------------------------------------------------
def end_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate a server this session started, killing it after 10 s of no answer."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wait_card_state(reader: str, *, present: bool, timeout: float = EVENT_TIMEOUT) -> None:
    """Block (SCardGetStatusChange, no polling) until pcscd sees a card in *reader* or not."""
    sc = _scard()
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    assert hr == sc.SCARD_S_SUCCESS, f"pcscd unreachable: {sc.SCardGetErrorMessage(hr)}"
    deadline = time.monotonic() + timeout
    try:
        state = sc.SCARD_STATE_UNAWARE
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            hr, states = sc.SCardGetStatusChange(ctx, max(left_ms, 0), [(reader, state)])
            if hr == sc.SCARD_E_TIMEOUT:
                break
            assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
            state = states[0][1] & ~sc.SCARD_STATE_CHANGED
            if bool(state & sc.SCARD_STATE_PRESENT) == present:
                return
            if left_ms <= 0:
                break
    finally:
        sc.SCardReleaseContext(ctx)
    raise AssertionError(
        f"{reader}: the card is still {'absent' if present else 'present'} after {timeout:g} s"
    )


# -- the monitor on a thread ---------------------------------------------------------
_DONE = object()


@dataclass
class MonitorRun:
    """A :class:`reader.monitor.PcscMonitor` whose events arrive on a queue."""

    monitor: Any
    events: queue.Queue[Any] = field(default_factory=queue.Queue)
    seen: list[Any] = field(default_factory=list)
    thread: threading.Thread | None = None
    _hold: Callable[[Any], bool] | None = None
    _held: threading.Event = field(default_factory=threading.Event)
    _resume: threading.Event = field(default_factory=threading.Event)

    def start(self) -> MonitorRun:
        self.thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            for event in self.monitor.events():
                hold = self._hold is not None and self._hold(event)
                if hold:
                    self._hold = None
                    self._held.set()
                self.events.put(event)
                if hold:
                    self._resume.wait(timeout=HOLD_TIMEOUT)
        except BaseException as exc:  # surfaced by wait_for
            self.events.put(exc)
        finally:
            self.events.put(_DONE)

    def next(self, timeout: float = EVENT_TIMEOUT, what: str = "a monitor event") -> Any:
        """The next event, or AssertionError when none comes within *timeout*."""
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"{what} did not come within {timeout:g} s; seen: {self._seen_text()}"
            ) from None
        if item is _DONE:
            self.events.put(_DONE)
            raise AssertionError(f"the monitor stopped; seen: {self._seen_text()}")
        if isinstance(item, BaseException):
            self.events.put(_DONE)
            raise AssertionError(f"the monitor raised {item!r}") from item
        self.seen.append(item)
        return item

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float = EVENT_TIMEOUT,
                 what: str = "the expected event") -> Any:
        """Consume events until one matches; AssertionError after *timeout* seconds."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(timeout=max(deadline - time.monotonic(), 0.001), what=what)
            if predicate(event):
                return event
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{what} did not come within {timeout:g} s; seen: {self._seen_text()}"
                )

    def hold_after(self, predicate: Callable[[Any], bool]) -> None:
        """Stop pulling events after the next one matching *predicate*, until :meth:`resume`.

        ``events()`` is a generator: while nobody asks for the next event, the monitor sits
        at its ``yield`` and is *not* in ``SCardGetStatusChange``. Whatever happens to the
        cards meanwhile happens between two of its status checks, as it does while a real
        monitor reads a card or the kiosk handles an event. The hold ends by itself after
        HOLD_TIMEOUT so a failing test cannot hang the session.
        """
        self._held.clear()
        self._resume.clear()
        self._hold = predicate

    def wait_held(self, timeout: float = EVENT_TIMEOUT) -> None:
        """Block until the monitor is held (the event matching hold_after was reported)."""
        if not self._held.wait(timeout):
            raise AssertionError(f"the monitor was not held within {timeout:g} s; "
                                 f"seen: {self._seen_text()}")

    def resume(self) -> None:
        self._resume.set()

    def wait_readers(self) -> None:
        """Wait until the monitor has reported both vpcd readers attached."""
        attached: set[str] = set()
        while not attached >= set(VPCD_READERS):
            event = self.wait_for(lambda e: e.kind == "reader_attached",
                                  what=f"reader_attached for {VPCD_READERS}")
            attached.add(event.reader)

    def _seen_text(self) -> str:
        return ", ".join(
            f"{e.kind}({e.reader or ''}{'/' + e.failure if e.failure else ''}"
            f"{'/' + e.card.name if e.card else ''})"
            for e in self.seen
        ) or "nothing"

    def close(self) -> None:
        """Close the monitor and join its thread.

        ``PcscMonitor.close()`` can lose its SCardCancel when it lands between the monitor's
        loop check and its next blocking SCardGetStatusChange (see
        ``test_close_right_after_an_event_stops_the_monitor``); cancelling again until the
        thread ends keeps that bug from leaking a live monitor into the next test.
        """
        self._hold = None
        self._resume.set()
        self.monitor.close()
        assert self.thread is not None
        deadline = time.monotonic() + EVENT_TIMEOUT
        while self.thread.is_alive() and time.monotonic() < deadline:
            self.thread.join(timeout=0.2)
            if self.thread.is_alive():
                self.monitor.close()
        assert not self.thread.is_alive(), "the monitor thread did not stop on close()"


# -- the CLI as a subprocess -----------------------------------------------------------
def cli_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("nhi-kiosk")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "kiosk", *args]


class LineReader:
    """Reads a subprocess's stdout on a thread; :meth:`wait_line` blocks on a queue."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        self.thread = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_line(self, predicate: Callable[[str], bool], timeout: float = EVENT_TIMEOUT,
                  what: str = "the expected line") -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(
                    f"{what} not printed within {timeout:g} s; stdout so far: {self.seen}"
                ) from None
            if line is None:
                self.lines.put(None)
                raise AssertionError(
                    f"{what}: the process closed stdout (exit {self.proc.poll()}); "
                    f"stdout: {self.seen}"
                )
            self.seen.append(line)
            if predicate(line):
                return line

    def rest(self, timeout: float = EVENT_TIMEOUT) -> list[str]:
        """Every remaining line once the process has closed stdout."""
        self.thread.join(timeout=timeout)
        out = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                break
            out.append(line)
        self.seen += out
        return out


@contextlib.contextmanager
def spawn(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[tuple[Any, LineReader]]:
    """Popen with a stdout LineReader; the process is killed if the test leaves it running."""
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", env=env, cwd=cwd,
    )
    reader = LineReader(proc)
    try:
        yield proc, reader
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        reader.thread.join(timeout=EVENT_TIMEOUT)  # stdout is at EOF once the process ends
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
