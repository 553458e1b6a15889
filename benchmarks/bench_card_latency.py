"""Card latency: insertion → card screen (and → ``--watch`` line), against raw pyscard.

Target: from the moment a card goes in, (a) ``PcscMonitor.events()`` yields its
``inserted`` event, (b) the kiosk shows ``CardScreen`` and (c) ``nhi-kiosk card --watch
--json`` prints its ``inserted`` line, each within 1.15x (median) of what a bare pyscard
loop needs on the same pcscd + vpcd stack in the same run: ``SCardGetStatusChange``
blocking on "Virtual PCD 00 00", then ``SCardConnect`` + ``SCardTransmit`` SELECT + READ.
The citizen waits at the counter for exactly this; whatever the kiosk adds on top of the
PC/SC stack must stay small.

How: a virtual card (``VirtualCard.from_demo("national")``) is inserted through vpcd and
removed again, ≥ 10 cycles per variant, the variants interleaved (rotating order). Each
cycle starts a fresh consumer, waits until it is blocked waiting, inserts, stops the clock
when the consumer has the card (time 0 = just before ``VirtualCard.insert()``), removes
the card, waits until both the consumer and an independent probe saw the removal, and
tears the consumer down. The kiosk variant runs ``KioskApp`` with a real ``PcscMonitor``
under ``app.run_test(size=(80, 24))`` and polls ``app.screen`` every 5 ms; the ``--watch``
variant is a subprocess read line by line.

pcscd polls vpcd every 400 ms, so most of every latency is waiting for the next poll.
To compare like with like, insertions are phase-locked to that poll: a separate probe
process timestamps each removal (a poll instant), and cycle i inserts at a fixed offset
after a later poll, the offsets spread evenly over 30–370 ms of the 400 ms period; every
variant gets the same offsets. The medians therefore include an average poll wait, as a
person would see, while the differences between variants are the software's own cost.

By default the script re-executes itself in private mount + network namespaces with its
own pcscd (see ``_common.pcsc_isolation``), because other runs on the machine share the
system pcscd and its vpcd slots; ``--shared-pcscd`` uses the system one instead.

    /tmp/venv/bin/python benchmarks/bench_card_latency.py [--cycles 12] [--shared-pcscd]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from _common import (
    PYTHON,
    REPO,
    VPCD_READER,
    Row,
    child_env,
    ensure_repo_importable,
    median,
    nhi_kiosk_script,
    p90,
    pcsc_isolation,
    pcscd_running,
    print_table,
)

ensure_repo_importable()

from smartcard import scard as sc  # noqa: E402

from reader.apdu import READ_PROFILE, SELECT_NHI  # noqa: E402
from reader.virtual import VirtualCard  # noqa: E402

TARGET_RATIO = 1.15
POLL_S = 0.400                      # pcscd's PCSCLITE_STATUS_POLL_RATE for vpcd
PHASE_LO, PHASE_HI = 0.030, 0.370   # insertion offsets after a poll instant
STEP_TIMEOUT = 10.0
clock = time.monotonic              # CLOCK_MONOTONIC: comparable across processes
STATS = {"monitor_close_lost": 0, "watch_sigterm_ignored": 0}

# An independent observer of the reader (own process, own GIL): prints the monotonic
# time of every presence change, so removals give us pcscd's poll instants.
PROBE = r"""
import sys, time
from smartcard import scard as sc
R = sys.argv[1]
hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
assert hr == sc.SCARD_S_SUCCESS, hr
hr, st = sc.SCardGetStatusChange(ctx, 0, [(R, sc.SCARD_STATE_UNAWARE)])
assert hr == sc.SCARD_S_SUCCESS, hr
state = st[0][1] & ~sc.SCARD_STATE_CHANGED
print("READY", "P" if state & sc.SCARD_STATE_PRESENT else "A", flush=True)
while True:
    hr, st = sc.SCardGetStatusChange(ctx, 3600000, [(R, state)])
    now = time.monotonic()
    if hr == sc.SCARD_E_TIMEOUT:
        continue
    if hr != sc.SCARD_S_SUCCESS:
        print("ERROR", hex(hr & 0xFFFFFFFF), flush=True)
        break
    new = st[0][1] & ~sc.SCARD_STATE_CHANGED
    if (new ^ state) & sc.SCARD_STATE_PRESENT:
        print("P" if new & sc.SCARD_STATE_PRESENT else "A", repr(now), flush=True)
    state = new
"""


class Probe:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([PYTHON, "-c", PROBE, VPCD_READER], env=env,
                                     stdout=subprocess.PIPE, text=True, cwd=REPO)
        self._events: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
        first = self.proc.stdout.readline().split()  # type: ignore[union-attr]
        if not first or first[0] != "READY":
            raise RuntimeError(f"probe failed: {first}")
        if first[1] != "A":
            raise RuntimeError(f"{VPCD_READER} already holds a card: is someone else using it?")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            kind, _, value = line.strip().partition(" ")
            self._events.put((kind, float(value) if kind in ("P", "A") else 0.0))

    def wait(self, kind: str) -> float:
        deadline = clock() + STEP_TIMEOUT
        while True:
            try:
                got, at = self._events.get(timeout=max(0.0, deadline - clock()))
            except queue.Empty:
                raise TimeoutError(f"probe saw no {kind!r}") from None
            if got == "ERROR":
                raise RuntimeError("probe lost pcscd")
            if got == kind:
                return at

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def sleep_until(t: float) -> None:
    left = t - clock()
    if left > 0.003:
        time.sleep(left - 0.002)
    while clock() < t:
        pass


def insertion_time(poll_at: float, offset: float, not_before: float) -> float:
    """The first ``poll_at + k*POLL_S + offset`` (k >= 1) not earlier than ``not_before``."""
    k = 1
    while poll_at + k * POLL_S + offset < not_before:
        k += 1
    return poll_at + k * POLL_S + offset


# -- consumers ------------------------------------------------------------------------
class ThreadConsumer:
    """Runs ``body(ready, inserted, removed, stop)`` on a thread; the queues get times."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.inserted: queue.SimpleQueue[float] = queue.SimpleQueue()
        self.removed: queue.SimpleQueue[float] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(STEP_TIMEOUT):
            raise TimeoutError(f"{type(self).__name__} not ready")
        time.sleep(0.1)  # let it reach the blocking call

    def _run(self) -> None:
        try:
            self.body()
        except BaseException as exc:  # reported by the waiting side
            self.error = exc
            self.inserted.put(float("nan"))
            self.removed.put(float("nan"))

    def body(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def wait(self, q: queue.SimpleQueue[float], what: str) -> float:
        try:
            at = q.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"{type(self).__name__}: no {what}") from None
        if self.error is not None:
            raise RuntimeError(f"{type(self).__name__} failed") from self.error
        return at


class RawPyscard(ThreadConsumer):
    """The baseline: GetStatusChange on the reader, then Connect + SELECT + READ."""

    def __init__(self) -> None:
        super().__init__()
        hr, self.ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
        if hr != sc.SCARD_S_SUCCESS:
            raise RuntimeError(sc.SCardGetErrorMessage(hr))

    def body(self) -> None:
        ctx = self.ctx
        hr, st = sc.SCardGetStatusChange(ctx, 0, [(VPCD_READER, sc.SCARD_STATE_UNAWARE)])
        state = st[0][1] & ~sc.SCARD_STATE_CHANGED
        present = bool(state & sc.SCARD_STATE_PRESENT)
        self.ready.set()
        while True:
            hr, st = sc.SCardGetStatusChange(ctx, 60_000, [(VPCD_READER, state)])
            if hr == sc.SCARD_E_CANCELLED:
                return
            if hr == sc.SCARD_E_TIMEOUT:
                continue
            if hr != sc.SCARD_S_SUCCESS:
                raise RuntimeError(sc.SCardGetErrorMessage(hr))
            state = st[0][1] & ~sc.SCARD_STATE_CHANGED
            now_present = bool(state & sc.SCARD_STATE_PRESENT)
            if now_present and not present:
                hr, hcard, proto = sc.SCardConnect(
                    ctx, VPCD_READER, sc.SCARD_SHARE_SHARED,
                    sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
                if hr != sc.SCARD_S_SUCCESS:
                    raise RuntimeError(sc.SCardGetErrorMessage(hr))
                hr, r1 = sc.SCardTransmit(hcard, proto, SELECT_NHI)
                hr2, r2 = sc.SCardTransmit(hcard, proto, READ_PROFILE)
                done = clock()
                sc.SCardDisconnect(hcard, sc.SCARD_LEAVE_CARD)
                if hr or hr2 or r1[-2:] != [0x90, 0x00] or r2[-2:] != [0x90, 0x00]:
                    raise RuntimeError(f"raw read failed: {hr:x} {hr2:x} {r1[-2:]} {r2[-2:]}")
                self.inserted.put(done)
            elif present and not now_present:
                self.removed.put(clock())
            present = now_present

    def stop(self) -> None:
        sc.SCardCancel(self.ctx)
        self._thread.join(timeout=5)
        sc.SCardReleaseContext(self.ctx)


class MonitorThread(ThreadConsumer):
    """(a) PcscMonitor.events() on a thread."""

    def body(self) -> None:
        from reader.events import EventKind
        from reader.monitor import PcscMonitor

        self.monitor = PcscMonitor()
        for event in self.monitor.events():
            now = clock()
            if event.kind is EventKind.READER_ATTACHED and event.reader == VPCD_READER:
                self.ready.set()
            elif event.kind is EventKind.INSERTED and event.reader == VPCD_READER:
                if event.card is None:
                    raise RuntimeError(f"monitor could not read the card: {event}")
                self.inserted.put(now)
            elif event.kind is EventKind.REMOVED and event.reader == VPCD_READER:
                self.removed.put(now)

    def stop(self) -> None:
        # A cancel that lands while the monitor thread is between its _closed check and
        # SCardGetStatusChange is lost (pcsc-lite cancels only a call in progress) and the
        # thread then blocks for wait_ms (60 s). Older PcscMonitor.close() sent a single
        # SCardCancel; guard against that here and count it in the notes.
        self.monitor.close()
        self._thread.join(timeout=0.2)
        if self._thread.is_alive():
            STATS["monitor_close_lost"] += 1
        while self._thread.is_alive():
            self.monitor.close()
            self._thread.join(timeout=0.2)
        # Older versions also never released the context on close; do it if still held.
        ctx = getattr(self.monitor, "_ctx", None)
        if ctx is not None:
            sc.SCardReleaseContext(ctx)


class WatchProcess:
    """(c) ``nhi-kiosk card --watch --json`` as a subprocess, its lines timestamped."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([*nhi_kiosk_script(), "card", "--watch", "--json"],
                                     env=env, cwd=REPO, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.ready = threading.Event()
        self.inserted: queue.SimpleQueue[float] = queue.SimpleQueue()
        self.removed: queue.SimpleQueue[float] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(STEP_TIMEOUT):
            self.proc.kill()
            raise TimeoutError("--watch printed no reader_attached: "
                               + (self.proc.stderr.read() if self.proc.stderr else ""))
        time.sleep(0.1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            now = clock()
            event = json.loads(line)
            if event.get("reader") != VPCD_READER:
                continue
            if event["event"] == "reader_attached":
                self.ready.set()
            elif event["event"] == "inserted":
                if not event.get("card"):
                    raise RuntimeError(f"--watch could not read the card: {line}")
                self.inserted.put(now)
            elif event["event"] == "removed":
                self.removed.put(now)
        self.inserted.put(float("nan"))

    def wait(self, q: queue.SimpleQueue[float], what: str) -> float:
        try:
            at = q.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"--watch: no {what}") from None
        if at != at:
            raise RuntimeError("--watch ended early")
        return at

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            STATS["watch_sigterm_ignored"] += 1
            self.proc.kill()
            self.proc.wait()
        self._thread.join(timeout=2)


# -- one cycle per variant ----------------------------------------------------------------
def cycle_threaded(make: Callable[[], ThreadConsumer | WatchProcess], card: VirtualCard,
                   probe: Probe, poll_at: float, offset: float) -> tuple[float, float]:
    """Returns (latency, next poll instant)."""
    consumer = make()
    try:
        consumer.start()
        t_ins = insertion_time(poll_at, offset, clock() + 0.02)
        sleep_until(t_ins)
        t0 = clock()
        card.insert()
        got = consumer.wait(consumer.inserted, "insertion")
        probe.wait("P")
        card.remove()
        poll_at = probe.wait("A")
        consumer.wait(consumer.removed, "removal")
    finally:
        consumer.stop()
    return got - t0, poll_at


def cycle_kiosk(card: VirtualCard, probe: Probe, poll_at: float, offset: float,
                db: Path) -> tuple[float, float]:
    from kiosk.app import KioskApp
    from kiosk.domain.config import Config
    from kiosk.wiring import build_services
    from reader.monitor import PcscMonitor
    from screens.card import CardScreen
    from screens.idle import IdleScreen
    from store import Store

    async def run() -> tuple[float, float]:
        monitor = PcscMonitor()
        config = Config(reader="pcsc", db=db)
        app = KioskApp(config, monitor, build_services(config, Store.open(db), demo=False))
        async with app.run_test(size=(80, 24)) as pilot:
            deadline = clock() + STEP_TIMEOUT
            while VPCD_READER not in app.status.readers:
                if clock() > deadline:
                    raise TimeoutError(f"kiosk never listed {VPCD_READER}")
                await pilot.pause(0.01)
            await pilot.pause(0.1)
            if not isinstance(app.screen, IdleScreen):
                raise RuntimeError(f"kiosk not idle before insertion: {app.screen!r}")
            t_ins = insertion_time(poll_at, offset, clock() + 0.02)
            await asyncio.sleep(max(0.0, t_ins - clock() - 0.003))
            sleep_until(t_ins)
            t0 = clock()
            card.insert()
            deadline = t0 + STEP_TIMEOUT
            while not isinstance(app.screen, CardScreen):
                if clock() > deadline:
                    raise TimeoutError(f"no CardScreen; screen is {app.screen!r}")
                await pilot.pause(0.005)
            got = clock()
            await asyncio.to_thread(probe.wait, "P")
            card.remove()
            next_poll = await asyncio.to_thread(probe.wait, "A")
            deadline = clock() + STEP_TIMEOUT
            while not isinstance(app.screen, IdleScreen):
                if clock() > deadline:
                    raise TimeoutError(f"kiosk did not go idle; screen is {app.screen!r}")
                await pilot.pause(0.01)
        return got - t0, next_poll

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=12, help="insert/remove cycles per variant")
    ap.add_argument("--shared-pcscd", action="store_true",
                    help="use the system pcscd instead of a private one")
    args = ap.parse_args(argv)
    mode = pcsc_isolation(__file__, argv, shared=args.shared_pcscd)
    n = max(args.cycles, 1)
    offsets = [PHASE_LO + (i + 0.5) / n * (PHASE_HI - PHASE_LO) for i in range(n)]
    # Same offsets for all variants, in a scrambled but fixed order.
    order = sorted(range(n), key=lambda i: (i * 7919) % n)
    offsets = [offsets[i] for i in order]

    variants = ["baseline", "monitor", "kiosk", "watch"]
    lat: dict[str, list[float]] = {v: [] for v in variants}
    with pcscd_running() as pcscd, tempfile.TemporaryDirectory(prefix="bench-card-") as tmp:
        env = child_env(Path(tmp))
        probe = Probe(env)
        card = VirtualCard.from_demo("national")
        try:
            # One warm-up cycle each (imports, first connections), then reference poll.
            card.insert()
            probe.wait("P")
            card.remove()
            poll_at = probe.wait("A")
            makers: dict[str, Callable[[], ThreadConsumer | WatchProcess]] = {
                "baseline": RawPyscard, "monitor": MonitorThread,
                "watch": lambda: WatchProcess(env),
            }
            for i in range(-1, n):
                offset = offsets[i] if i >= 0 else 0.2
                rot = variants[i % len(variants):] + variants[:i % len(variants)]
                for v in rot:
                    if v == "kiosk":
                        dt, poll_at = cycle_kiosk(card, probe, poll_at, offset,
                                                  Path(tmp) / "db.json")
                    else:
                        dt, poll_at = cycle_threaded(makers[v], card, probe, poll_at, offset)
                    if i >= 0:
                        lat[v].append(dt)
                if i >= 0:
                    print(f"  cycle {i + 1}/{n} (offset {offset * 1e3:.0f} ms): "
                          + ", ".join(f"{v} {lat[v][-1] * 1e3:.0f}" for v in variants),
                          file=sys.stderr)
        finally:
            with contextlib.suppress(Exception):
                card.remove()
            probe.close()

    base = lat["baseline"]

    def fmt(xs: list[float]) -> str:
        return (f"{median(xs) * 1e3:.0f} ms (min {min(xs) * 1e3:.0f}, p90 {p90(xs) * 1e3:.0f}, "
                f"max {max(xs) * 1e3:.0f})")

    labels = {
        "monitor": "(a) insert -> PcscMonitor 'inserted' event",
        "kiosk": "(b) insert -> kiosk shows CardScreen (run_test)",
        "watch": "(c) insert -> 'card --watch --json' inserted line",
    }
    rows = []
    for v, label in labels.items():
        ratio = median(lat[v]) / median(base)
        rows.append(Row(label, fmt(lat[v]), fmt(base), ratio, f"<= {TARGET_RATIO:.2f}x",
                        ratio <= TARGET_RATIO))
    for v in labels:
        diffs = [a - b for a, b in zip(lat[v], base, strict=True)]
        rows.append(Row(f"    {v}: cost over baseline at the same poll phase (median)",
                        f"{median(diffs) * 1e3:+.1f} ms (min {min(diffs) * 1e3:+.1f}, "
                        f"max {max(diffs) * 1e3:+.1f})", "", None, "", None))
    ok = print_table(
        "Card latency: vpcd insertion -> card available, vs raw pyscard",
        rows,
        [f"{n} cycles per variant, interleaved; insertions phase-locked to pcscd's 400 ms "
         f"vpcd poll at offsets {PHASE_LO * 1e3:.0f}-{PHASE_HI * 1e3:.0f} ms, same for all;",
         f"pcscd: {pcscd} ({mode}); baseline = SCardGetStatusChange + Connect + SELECT + "
         "READ on 'Virtual PCD 00 00'.",
         f"teardown: PcscMonitor.close() lost its cancel {STATS['monitor_close_lost']} "
         f"time(s) (re-sent every 0.2 s); 'card --watch' outlived SIGTERM by > 1 s "
         f"{STATS['watch_sigterm_ignored']} time(s) of {n + 1} (then killed)."],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
