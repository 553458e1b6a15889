"""Run every ``benchmarks/bench_*.py`` in turn and print all their tables.

Each benchmark is its own process (with this interpreter), so one that crashes or misses
its target does not stop the others. Exits non-zero when any benchmark failed.

    /tmp/venv/bin/python benchmarks/run_all.py            # everything, full length
    /tmp/venv/bin/python benchmarks/run_all.py --quick    # shorter runs of ours
    /tmp/venv/bin/python benchmarks/run_all.py startup idle   # only names containing these
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 30 * 60

# Shorter settings for a quick look (benchmarks not listed run as they are).
QUICK_ARGS = {
    "bench_startup.py": ["--runs", "7"],
    "bench_serve.py": ["--runs", "5", "--concurrent-runs", "1"],
    "bench_card_latency.py": ["--cycles", "10"],
    "bench_idle_cpu.py": ["--seconds", "10"],
    "bench_store_scale.py": ["--accounts", "10000", "100000", "--per-proc", "50"],
    "bench_pg_scale.py": ["--accounts", "100000", "--per-proc", "50"],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="run only benchmarks whose file name contains one")
    ap.add_argument("--quick", action="store_true", help="shorter runs where a script allows it")
    args = ap.parse_args(argv)

    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(n in s.name for n in args.names)]
    if not scripts:
        print("no benchmark matched", file=sys.stderr)
        return 2

    results: list[tuple[str, str, float]] = []
    for script in scripts:
        extra = QUICK_ARGS.get(script.name, []) if args.quick else []
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        t0 = time.monotonic()
        try:
            rc = subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent,
                                timeout=TIMEOUT_S).returncode
            status = "PASS" if rc == 0 else f"FAIL (exit {rc})"
        except subprocess.TimeoutExpired:
            status = f"FAIL (timeout {TIMEOUT_S} s)"
        results.append((script.name, status, time.monotonic() - t0))

    width = max(len(name) for name, _, _ in results)
    print("\n## Summary\n")
    for name, status, secs in results:
        print(f"  {name.ljust(width)}  {status}  ({secs:.0f} s)")
    print(flush=True)
    return 0 if all(status == "PASS" for _, status, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
