"""Startup: process start → first painted idle screen, against a minimal Textual app.

Target: the kiosk (``python -m kiosk --demo --db <tmp>/db.json``) paints its idle screen
within 1.3x the time a minimal Textual app (one Static) needs to paint, both measured in
the same run. A kiosk is restarted after crashes, updates and power cuts; the counter
should not stare at a blank terminal for long, and most of the fixed cost is Python and
Textual, so the budget is relative to what Textual itself needs on this machine.

How: each program runs in a real pseudo-terminal at 80x24 (TERM=xterm-256color, window
size set with TIOCSWINSZ, the pty is its controlling terminal). The clock starts just
before the process is spawned and stops at the pty read that completes the first frame
showing the zh-TW idle prompt "請插入健保卡" (the marker, then that frame's bottom row).
The baseline app paints the same marker. One untimed warm-up run each (page cache,
bytecode, the store file), then the two programs alternate, each killed after its paint.

    /tmp/venv/bin/python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    IDLE_MARKER,
    MINIMAL_APP,
    PYTHON,
    PtyProcess,
    Row,
    child_env,
    kiosk_command,
    median,
    p90,
    print_table,
)

TARGET_RATIO = 1.3


def time_paint(cmd: list[str], env: dict[str, str]) -> float:
    with PtyProcess(cmd, env=env) as proc:
        return proc.wait_painted(IDLE_MARKER, timeout=60)


def fmt(xs: list[float]) -> str:
    return (f"{median(xs) * 1e3:.0f} ms (min {min(xs) * 1e3:.0f}, p90 {p90(xs) * 1e3:.0f}, "
            f"max {max(xs) * 1e3:.0f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="timed runs of each program (>= 7)")
    args = ap.parse_args(argv)
    runs = max(args.runs, 1)

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        home = Path(tmp)
        minimal = home / "minimal_app.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = child_env(home)
        programs = {
            "kiosk": kiosk_command("--demo", "--db", str(home / "db.json")),
            "minimal": [PYTHON, str(minimal)],
        }
        for cmd in programs.values():  # warm-up, untimed
            time_paint(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in programs}
        for i in range(runs):
            order = list(programs) if i % 2 == 0 else list(reversed(programs))
            for name in order:
                times[name].append(time_paint(programs[name], env))
                time.sleep(0.2)
            print(f"  run {i + 1}/{runs}: kiosk {times['kiosk'][-1] * 1e3:.0f} ms, "
                  f"minimal {times['minimal'][-1] * 1e3:.0f} ms", file=sys.stderr)

    ours, base = times["kiosk"], times["minimal"]
    ratio = median(ours) / median(base)
    rows = [
        Row("start -> first painted idle screen, 80x24 pty (median)", fmt(ours), fmt(base),
            ratio, f"<= {TARGET_RATIO:.2f}x", ratio <= TARGET_RATIO),
        Row("kiosk cost above the minimal app (difference of medians)",
            f"{(median(ours) - median(base)) * 1e3:.0f} ms", "", None, "", None),
    ]
    ok = print_table(
        "Startup: python -m kiosk --demo vs a minimal Textual app", rows,
        [f"{runs} timed runs each, alternating, after one warm-up run each; "
         "ours = kiosk, baseline = one-Static Textual app painting the same marker."],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
