"""Idle CPU: the kiosk waiting for a card, with the reader watched, over 30 s.

Target: at most 1 % of one core (absolute) for the idle kiosk, both with a real PC/SC
reader watched (``--reader pcsc``, pcscd + vpcd running, no card) and in ``--demo``
mode. A kiosk idles almost all day on a small box that may also run other things; an
idle screen that polls or repaints burns power and heats the enclosure for nothing.
The minimal Textual app (one Static) idling over the same 30 s is shown as the baseline,
which is what Textual itself costs when idle.

How: the three programs run at once, each in its own pseudo-terminal at 80x24
(TERM=xterm-256color). After each has painted its first screen (the zh-TW idle prompt
"請插入健保卡") and 2 s of settling, CPU time (utime + stime from /proc/<pid>/stat, all
threads, plus any child processes) is sampled every 5 s for the measured window. The
table gives the whole-window percentage (the target) with the spread of the 5 s slices;
as information, the same from /proc/<pid>/task/*/schedstat (nanosecond resolution, live
threads) and the context switches per second of all threads (wake-ups).

pcscd: by default a private one in private mount + network namespaces (see
``_common.pcsc_isolation``); ``--shared-pcscd`` uses the system one.

    /tmp/venv/bin/python benchmarks/bench_idle_cpu.py [--seconds 30] [--shared-pcscd]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    IDLE_MARKER,
    MINIMAL_APP,
    PYTHON,
    VPCD_READER,
    PtyProcess,
    Row,
    child_env,
    kiosk_command,
    pcsc_isolation,
    pcscd_running,
    print_table,
)

TARGET_PCT = 1.0
SLICE_S = 5.0
SETTLE_S = 2.0
TICK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """pid and all its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of pid and its descendants (plus children they already reaped)."""
    total = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError):
            with open(f"/proc/{p}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            # fields after ")" start at 3 (state): utime=14, stime=15, cutime=16, cstime=17
            total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return total / TICK


def cpu_ns(pid: int) -> int:
    """Nanoseconds on CPU of the live threads of pid and its descendants (schedstat)."""
    total = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/schedstat") as fh:
                    total += int(fh.read().split()[0])
    return total


def context_switches(pid: int) -> int:
    total = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/status") as fh:
                    for line in fh:
                        if line.startswith(("voluntary_ctxt_switches",
                                            "nonvoluntary_ctxt_switches")):
                            total += int(line.split()[1])
    return total


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="measured window (default 30)")
    ap.add_argument("--shared-pcscd", action="store_true",
                    help="use the system pcscd instead of a private one")
    args = ap.parse_args(argv)
    mode = pcsc_isolation(__file__, argv, shared=args.shared_pcscd)
    window = max(args.seconds, 1.0)

    with pcscd_running() as pcscd, tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        home = Path(tmp)
        minimal = home / "minimal_app.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = child_env(home)
        programs = {
            "kiosk --reader pcsc": kiosk_command("--reader", "pcsc", "--db",
                                                 str(home / "pcsc.json")),
            "kiosk --demo": kiosk_command("--demo", "--db", str(home / "demo.json")),
            "minimal Textual app": [PYTHON, str(minimal)],
        }
        procs: dict[str, PtyProcess] = {}
        try:
            for name, cmd in programs.items():
                procs[name] = PtyProcess(cmd, env=env)
            for proc in procs.values():
                proc.wait_painted(IDLE_MARKER, timeout=60)
            # The PC/SC kiosk must really be watching: its status bar names the reader.
            procs["kiosk --reader pcsc"].wait_painted(VPCD_READER, timeout=30)
            time.sleep(SETTLE_S)
            pids = {name: proc.pid for name, proc in procs.items()}
            samples: dict[str, list[float]] = {name: [] for name in procs}
            start_cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
            start_cs = {name: context_switches(pid) for name, pid in pids.items()}
            start_ns = {name: cpu_ns(pid) for name, pid in pids.items()}
            t0 = time.monotonic()
            last = dict(start_cpu)
            last_t = t0
            while (now := time.monotonic()) < t0 + window:
                time.sleep(min(SLICE_S, t0 + window - now))
                t = time.monotonic()
                for name, pid in pids.items():
                    c = cpu_seconds(pid)
                    samples[name].append((c - last[name]) / (t - last_t) * 100)
                    last[name] = c
                last_t = t
            elapsed = time.monotonic() - t0
            total = {name: (last[name] - start_cpu[name]) / elapsed * 100 for name in pids}
            wakeups = {name: (context_switches(pid) - start_cs[name]) / elapsed
                       for name, pid in pids.items()}
            precise = {name: (cpu_ns(pid) - start_ns[name]) / 1e9 / elapsed * 100
                       for name, pid in pids.items()}
            for name, proc in procs.items():
                if proc.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited during the window:\n"
                                       + proc.output()[-800:].decode("utf-8", "replace"))
        finally:
            for proc in procs.values():
                proc.stop()

    base = "minimal Textual app"

    def fmt(name: str) -> str:
        s = samples[name]
        return f"{total[name]:.2f} % ({SLICE_S:g} s slices: min {min(s):.2f}, max {max(s):.2f})"

    rows = []
    for name in ("kiosk --reader pcsc", "kiosk --demo"):
        ratio = total[name] / total[base] if total[base] > 0 else None
        rows.append(Row(f"{name}: idle CPU, % of one core", fmt(name), fmt(base), ratio,
                        f"<= {TARGET_PCT:.1f} % (absolute)", total[name] <= TARGET_PCT))
    for name in ("kiosk --reader pcsc", "kiosk --demo"):
        rows.append(Row(f"    {name}: idle CPU from schedstat (ns resolution)",
                        f"{precise[name]:.3f} %", f"{precise[base]:.3f} %",
                        precise[name] / precise[base] if precise[base] else None, "", None))
        rows.append(Row(f"    {name}: context switches/s (all threads)",
                        f"{wakeups[name]:.1f}/s", f"{wakeups[base]:.1f}/s",
                        wakeups[name] / wakeups[base] if wakeups[base] else None, "", None))
    ok = print_table(
        f"Idle CPU over {elapsed:.0f} s, 80x24 pty, no card inserted",
        rows,
        [f"all three programs idle in the same window after painting + {SETTLE_S:g} s; "
         f"CPU from /proc/<pid>/stat (clock tick 1/{TICK} s); pcscd: {pcscd} ({mode}).",
         "ratio compares with the minimal app for information; the target is absolute."],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
