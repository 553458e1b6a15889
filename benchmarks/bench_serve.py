"""Serve: a browser's kiosk session (``nhi-kiosk serve``) against the same kiosk in a pty.

Targets, each against a baseline measured in the same run:

1. Session start, median: at most 1.25x the pty kiosk's start. The clock starts just
   before the WebSocket handshake to ``ws://127.0.0.1:PORT/ws?width=80&height=24`` and
   stops at the binary message that completes the first frame showing the zh-TW idle
   prompt "請插入健保卡": the messages' bytes, accumulated, hold the marker and then that
   frame's bottom row (``ESC [ 24 ; 1 H``), the detection bench_startup uses on a pty.
   Baseline: the session's own kiosk command (``python -m kiosk run --demo --db
   <folder>/demo.json --lang zh-TW``) in an 80x24 pty, spawn to the same paint. Serve
   seeds the demo's store once at start and gives each session a copy; each pty run gets
   a copy of the store its warm-up run seeded, so both sides do the same work and the
   difference is what serving costs (the shell, pipes, textual-serve's framing, aiohttp).
2. Memory per session, median: the session's kiosk process (a direct child of serve: the
   shell execs it) at most 1.10x the pty kiosk's VmRSS (/proc/PID/status), both read once
   the kiosk has painted and then settled (at most one clock tick of CPU in a SETTLE_S
   window: see settle). The peak (VmHWM) and the CPU each kiosk used until then are
   shown for information, and so is serve's own RSS with no session (just started, and
   after every session ended) and with four.
3. Four browsers at once: four WebSockets opened together (``--max-sessions 4``), until
   all four have painted, at most 1.25x four pty kiosks started together until all four
   have painted.

How: serve runs as ``python -m kiosk serve --port <free> --lang zh-TW --max-sessions 4``
in an isolated config (XDG dirs, TMPDIR for the session folders, no NHI_KIOSK_*). The
bench waits for its "http://127.0.0.1:PORT" line, then does one untimed warm-up of a
session and of the pty kiosk, then alternates the two. A session is closed once its
kiosk has painted and settled, and the next run waits until that kiosk has exited and
serve has said the session ended; a pty kiosk is killed. Serve is stopped with SIGTERM
at the end (a run where it does not exit 0 fails).

    .venv/bin/python benchmarks/bench_serve.py [--runs 7] [--concurrent-runs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import aiohttp
from _common import (
    IDLE_MARKER,
    REPO,
    PtyProcess,
    Row,
    child_env,
    ensure_repo_importable,
    kiosk_command,
    median,
    p90,
    print_table,
)

START_RATIO = 1.25
RSS_RATIO = 1.10
TOGETHER_RATIO = 1.25
SESSIONS = 4
SIZE = (80, 24)
SETTLE_S = 0.3          # the window in which a process counts as idle (see settle)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAINT_TIMEOUT_S = 60.0
LANG = "zh-TW"
MARKER = IDLE_MARKER.encode()
LAST_ROW = f"\x1b[{SIZE[1]};1H".encode()


# -- /proc ----------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from every /proc/N/stat's ppid field)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != b"Z":
            found.append(int(entry))
    return found


def status_kb(pid: int, field: str = "VmRSS") -> int:
    """A memory line of /proc/PID/status (VmRSS, VmHWM: the peak), in kB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def cpu_s(pid: int) -> float:
    """utime + stime of ``pid`` so far, in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    fields = stat[stat.rfind(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def settle(pid: int, timeout: float = 20.0) -> None:
    """Until ``pid`` is idle: at most one clock tick of CPU in a SETTLE_S window. After its
    first paint a kiosk builds its services (kiosk/app.py ``_services_and_events``), and on
    a demo store not seeded yet it seeds it (the scrypt hashes: 128 MiB and over a second
    of a core); memory read before that is done lands anywhere on that saw-tooth."""
    deadline = time.monotonic() + timeout
    before = cpu_s(pid)
    while True:
        time.sleep(SETTLE_S)
        now = cpu_s(pid)
        if now - before <= 1.5 / CLOCK_TICKS:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {pid} still busy after {timeout:g} s")
        before = now


def footprint(pid: int) -> tuple[int, int, float]:
    """Settled: (VmRSS kB, VmHWM kB, CPU seconds since it started)."""
    settle(pid)
    return status_kb(pid), status_kb(pid, "VmHWM"), cpu_s(pid)


def kiosk_children(server: int) -> list[int]:
    """Serve's children that are kiosks already (not the shell before its exec)."""
    kiosks = []
    for pid in children(server):
        with contextlib.suppress(OSError):
            words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"kiosk" in words and b"run" in words:
                kiosks.append(pid)
    return kiosks


# -- the server -----------------------------------------------------------------------
class Server:
    """``nhi-kiosk serve`` on a free port; its stdout lines read on a thread."""

    def __init__(self, home: Path, env: dict[str, str], most: int) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws?width={SIZE[0]}&height={SIZE[1]}"
        strings = tomllib.loads((REPO / "kiosk/locales" / f"{LANG}.toml").read_text("utf-8"))
        self._ended = strings["serve"]["session_closed"].split("{", 1)[0]
        self.lines: list[str] = []
        self.expected_ended = 0   # sessions the bench has closed so far
        self._cond = threading.Condition()
        self._log = home / "serve.stderr"
        with open(self._log, "wb") as err:
            self.proc = subprocess.Popen(
                kiosk_command("serve", "--port", str(self.port), "--lang", LANG,
                              "--max-sessions", str(most)),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
                encoding="utf-8", env=env, cwd=REPO, start_new_session=True,
            )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append("")   # EOF mark: the thread is done
            self._cond.notify_all()

    def wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done():
                left = deadline - time.monotonic()
                if self.proc.poll() is not None and not done():
                    raise RuntimeError(f"serve exited ({self.proc.returncode}) before {what}:"
                                       f"\n{self.tail()}")
                if left <= 0:
                    raise TimeoutError(f"{what}: not within {timeout:g} s\n{self.tail()}")
                self._cond.wait(min(left, 0.05))

    def wait_listening(self, timeout: float = 60.0) -> None:
        self.wait(lambda: any(self.origin in line for line in self.lines), timeout,
                  f"its line naming {self.origin}")

    def ended(self) -> int:
        """How many "a browser session ended" lines serve has printed."""
        return sum(self._ended in line for line in self.lines)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until serve has said :attr:`expected_ended` sessions ended in all, and has no
        child process left."""
        ended = self.expected_ended
        self.wait(lambda: self.ended() >= ended and not children(self.proc.pid), timeout,
                  f"{ended} sessions ended and their kiosks gone")

    def tail(self) -> str:
        err = self._log.read_text("utf-8", "replace")[-1500:]
        return "stdout: " + " | ".join(self.lines[-8:]) + "\nstderr: " + err

    def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM, then wait; the exit code (None: it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)   # serve's own session only
                self.proc.wait()
                return None
        return self.proc.returncode


def free_port() -> int:
    ensure_repo_importable()
    from tests.integration.ports import free_port as pick

    return pick()


# -- a browser's session ----------------------------------------------------------------
def painted_at(buf: bytes | bytearray) -> int:
    """The end of the first frame showing the marker (its bottom row), or -1."""
    at = buf.find(MARKER)
    end = buf.find(LAST_ROW, at) if at >= 0 else -1
    return end + len(LAST_ROW) if end >= 0 else -1


async def open_session(http: aiohttp.ClientSession, server: Server,
                       ) -> tuple[aiohttp.ClientWebSocketResponse, float, float]:
    """A WebSocket whose kiosk has painted its idle screen: (socket, start, painted),
    both times from perf_counter."""
    t0 = time.perf_counter()
    ws = await http.ws_connect(server.ws_url, headers={"Origin": server.origin})
    buf = bytearray()
    last = "no message"
    try:
        async with asyncio.timeout(PAINT_TIMEOUT_S):
            async for msg in ws:
                now = time.perf_counter()
                last = msg.type.name
                if msg.type == aiohttp.WSMsgType.BINARY:
                    buf += msg.data
                    if painted_at(buf) >= 0:
                        return ws, t0, now
                elif msg.type != aiohttp.WSMsgType.TEXT:
                    break
        raise RuntimeError(f"the session ended before painting ({last}): "
                           + bytes(buf[-1000:]).decode("utf-8", "replace"))
    except BaseException:
        await ws.close()
        raise


async def close_sessions(server: Server,
                         sockets: list[aiohttp.ClientWebSocketResponse]) -> float:
    """Close the sockets, wait until serve said they ended and their kiosks are gone;
    seconds that took."""
    t0 = time.perf_counter()
    await asyncio.gather(*(ws.close() for ws in sockets))
    await asyncio.to_thread(server.wait_idle)
    return time.perf_counter() - t0


# -- the pty kiosk ----------------------------------------------------------------------
def pty_command(folder: Path) -> list[str]:
    return kiosk_command("run", "--demo", "--db", str(folder / "demo.json"), "--lang", LANG)


def seeded_folder(home: Path) -> Path:
    """A folder for one pty kiosk: a copy of the demo store the warm-up run seeded, as
    serve gives each session a copy of the store it seeded at start (the warm-up itself
    gets an empty folder and seeds it)."""
    folder = Path(tempfile.mkdtemp(prefix="pty-", dir=home))
    template = home / "pty-template"
    if template.exists():
        shutil.copytree(template, folder, dirs_exist_ok=True)
    else:
        folder.rename(template)
        folder = template
    return folder


def pty_run(env: dict[str, str], home: Path) -> tuple[float, tuple[int, int, float]]:
    """(spawn -> painted seconds, the settled kiosk's footprint)."""
    folder = seeded_folder(home)
    with PtyProcess(pty_command(folder), env=env, size=SIZE) as proc:
        took = proc.wait_painted(IDLE_MARKER, timeout=PAINT_TIMEOUT_S)
        return took, footprint(proc.pid)


def pty_together(env: dict[str, str], home: Path, n: int) -> float:
    """Start ``n`` pty kiosks at once; seconds until the last has painted."""
    start = time.perf_counter()
    procs: list[PtyProcess] = []
    try:
        for _ in range(n):
            folder = seeded_folder(home)
            procs.append(PtyProcess(pty_command(folder), env=env, size=SIZE))
        return max(p.t0 + p.wait_painted(IDLE_MARKER, timeout=PAINT_TIMEOUT_S)
                   for p in procs) - start
    finally:
        for p in procs:
            p.stop()


# -- the runs ---------------------------------------------------------------------------
Results = dict[str, list[float]]


async def single_runs(http: aiohttp.ClientSession, server: Server, env: dict[str, str],
                      home: Path, runs: int, res: Results) -> None:
    async def one_session(timed: bool) -> None:
        ws, t0, painted = await open_session(http, server)
        kiosks = kiosk_children(server.proc.pid)
        if len(kiosks) != 1:
            await ws.close()
            raise RuntimeError(f"expected one kiosk under serve, found {kiosks}")
        rss, peak, cpu = await asyncio.to_thread(footprint, kiosks[0])
        server.expected_ended += 1
        took = await close_sessions(server, [ws])
        if timed:
            for key, value in (("session", painted - t0), ("session_rss", rss),
                               ("session_peak", peak), ("session_cpu", cpu),
                               ("close", took)):
                res[key].append(value)

    async def one_pty(timed: bool) -> None:
        took, (rss, peak, cpu) = await asyncio.to_thread(pty_run, env, home)
        if timed:
            for key, value in (("pty", took), ("pty_rss", rss), ("pty_peak", peak),
                               ("pty_cpu", cpu)):
                res[key].append(value)

    await one_session(False)   # warm-ups, untimed
    await one_pty(False)
    for i in range(runs):
        for step in ((one_session, one_pty) if i % 2 == 0 else (one_pty, one_session)):
            await step(True)
            await asyncio.sleep(0.2)
        print(f"  run {i + 1}/{runs}: session {res['session'][-1] * 1e3:.0f} ms "
              f"({res['session_rss'][-1] / 1024:.1f} MB), pty {res['pty'][-1] * 1e3:.0f} ms "
              f"({res['pty_rss'][-1] / 1024:.1f} MB)", file=sys.stderr)


async def together_runs(http: aiohttp.ClientSession, server: Server, env: dict[str, str],
                        home: Path, rounds: int, res: Results) -> None:
    async def sessions() -> None:
        start = time.perf_counter()
        opened = await asyncio.gather(*(open_session(http, server) for _ in range(SESSIONS)),
                                      return_exceptions=True)
        sockets = [o[0] for o in opened if not isinstance(o, BaseException)]
        failed = [o for o in opened if isinstance(o, BaseException)]
        if failed:
            await asyncio.gather(*(ws.close() for ws in sockets))
            raise failed[0]
        res["together"].append(max(o[2] for o in opened if not isinstance(o, BaseException))
                               - start)
        for pid in kiosk_children(server.proc.pid):
            await asyncio.to_thread(settle, pid)
        res["serve_rss_4"].append(status_kb(server.proc.pid))
        server.expected_ended += SESSIONS
        await close_sessions(server, sockets)

    async def ptys() -> None:
        res["pty_together"].append(await asyncio.to_thread(pty_together, env, home, SESSIONS))

    for i in range(rounds):
        for step in ((sessions, ptys) if i % 2 == 0 else (ptys, sessions)):
            await step()
            await asyncio.sleep(0.2)
        print(f"  {SESSIONS} at once {i + 1}/{rounds}: sessions "
              f"{res['together'][-1] * 1e3:.0f} ms, pty {res['pty_together'][-1] * 1e3:.0f} ms",
              file=sys.stderr)


async def measure(server: Server, env: dict[str, str], home: Path, runs: int,
                  rounds: int) -> Results:
    res: Results = defaultdict(list)
    await asyncio.to_thread(server.wait_listening)
    await asyncio.to_thread(settle, server.proc.pid)
    res["serve_rss_0"].append(status_kb(server.proc.pid))
    async with aiohttp.ClientSession() as http:
        await single_runs(http, server, env, home, runs, res)
        await together_runs(http, server, env, home, rounds, res)
    await asyncio.to_thread(settle, server.proc.pid)
    res["serve_rss_0_after"].append(status_kb(server.proc.pid))
    return res


def fmt_ms(xs: list[float]) -> str:
    return (f"{median(xs) * 1e3:.0f} ms (min {min(xs) * 1e3:.0f}, p90 {p90(xs) * 1e3:.0f}, "
            f"max {max(xs) * 1e3:.0f})")


def fmt_mb(xs: list[float]) -> str:
    if len(xs) == 1:
        return f"{xs[0] / 1024:.1f} MB"
    return f"{median(xs) / 1024:.1f} MB (min {min(xs) / 1024:.1f}, max {max(xs) / 1024:.1f})"


def fmt_s(xs: list[float]) -> str:
    return f"{median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def ratio_of(res: Results, ours: str, base: str) -> float:
    return median(res[ours]) / median(res[base])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7,
                    help="timed single sessions and pty kiosks, each (default 7)")
    ap.add_argument("--concurrent-runs", type=int, default=2,
                    help=f"timed rounds of {SESSIONS} at once, each side (default 2)")
    args = ap.parse_args(argv)
    runs, rounds = max(args.runs, 1), max(args.concurrent_runs, 1)

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        home = Path(tmp)
        (home / "sessions").mkdir()
        env = child_env(home)
        server = Server(home, env | {"TMPDIR": str(home / "sessions")}, SESSIONS)
        try:
            res = asyncio.run(measure(server, env, home, runs, rounds))
        finally:
            code = server.stop()
        stopped = "exit 0" if code == 0 else f"exit {code}: {server.tail()}"

    start_ratio = ratio_of(res, "session", "pty")
    mem_ratio = ratio_of(res, "session_rss", "pty_rss")
    together_ratio = ratio_of(res, "together", "pty_together")
    rows = [
        Row("session start -> first painted idle screen, 80x24 (median)",
            fmt_ms(res["session"]), fmt_ms(res["pty"]), start_ratio,
            f"<= {START_RATIO:.2f}x", start_ratio <= START_RATIO),
        Row("serving's cost above the pty kiosk (difference of medians)",
            f"{(median(res['session']) - median(res['pty'])) * 1e3:+.0f} ms", "", None, "—",
            None),
        Row("kiosk VmRSS once painted and settled (median)", fmt_mb(res["session_rss"]),
            fmt_mb(res["pty_rss"]), mem_ratio, f"<= {RSS_RATIO:.2f}x", mem_ratio <= RSS_RATIO),
        Row("kiosk VmHWM, its peak (median)", fmt_mb(res["session_peak"]),
            fmt_mb(res["pty_peak"]), ratio_of(res, "session_peak", "pty_peak"), "—", None),
        Row("kiosk CPU, start -> settled (median)", fmt_s(res["session_cpu"]),
            fmt_s(res["pty_cpu"]), ratio_of(res, "session_cpu", "pty_cpu"), "—", None),
        Row(f"{SESSIONS} at once -> all {SESSIONS} painted (median)", fmt_ms(res["together"]),
            fmt_ms(res["pty_together"]), together_ratio, f"<= {TOGETHER_RATIO:.2f}x",
            together_ratio <= TOGETHER_RATIO),
        Row("serve VmRSS, 0 sessions (just started)", fmt_mb(res["serve_rss_0"]), "", None,
            "—", None),
        Row(f"serve VmRSS, {SESSIONS} sessions painted and settled",
            fmt_mb(res["serve_rss_4"]), "", None, "—", None),
        Row(f"serve VmRSS, 0 sessions (after {server.expected_ended} sessions)",
            fmt_mb(res["serve_rss_0_after"]), "", None, "—", None),
        Row("session end: WebSocket close -> kiosk exited, serve said so (median)",
            fmt_ms(res["close"]), "", None, "—", None),
    ]
    ok = print_table(
        "Serve: a browser's session (nhi-kiosk serve) vs the same kiosk in a pty", rows,
        [f"{runs} timed runs each, alternating, after one warm-up each; {rounds} "
         f"round(s) of {SESSIONS} at once each side. Serve stopped on SIGTERM: {stopped}.",
         f"ours = a WebSocket session (python -m kiosk run --demo --lang {LANG}, on a copy "
         "of the store serve seeded); baseline = the same command in an 80x24 pty, on a "
         "copy of the store its warm-up seeded."],
    )
    return 0 if ok and code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
