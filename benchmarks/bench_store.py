"""Benchmark of store/ at 100,000 accounts: lookups and one committed registration.

Why: the kiosk looks accounts up on every card insertion and registers one account per
transaction; both must stay fast as the single JSON file grows. Targets:

* ``Accounts.get_by_id`` median <= 1 ms (median and p99 of many random lookups);
* one committed registration (transaction adding one account) median <= 3x a same-run
  baseline: orjson-encoding the same full tables dict and write+fsync-ing it to a file in the
  same directory. The baseline is the unavoidable cost of rewriting the file, so the ratio
  shows the store's own overhead (lock, change check, TinyDB, backup link, rename, dir fsync)
  independently of the machine's disk speed.

Run: ``python benchmarks/bench_store.py``; exits 1 if a target is missed.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import Accounts, Store

ACCOUNTS = 100_000
LOOKUPS = 20_000
RUNS = 15
LOOKUP_TARGET_MS = 1.0
COMMIT_RATIO_TARGET = 3.0


def make_account(n: int, rng: random.Random) -> dict:
    letter = "ABCDEFGHJKLMNPQRSTUVXYWZIO"[n % 26]
    return {
        "id_no": f"{letter}{1 + n % 2}{n:08d}",
        "card_no": f"{900000000000 + n:012d}",
        "state": "active",
        "password_hash": f"scrypt:32768:8:1${rng.randbytes(8).hex()}${rng.randbytes(32).hex()}",
        "email": f"user{n}@example.com.tw",
        "phone": f"09{rng.randrange(10**8):08d}",
        "created_at": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:{n % 60:02d}:00+08:00",
    }


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def baseline_write(tables: dict, directory: Path) -> float:
    """Encode the full tables dict and write+fsync it, as the irreducible commit cost."""
    start = time.perf_counter()
    data = orjson.dumps(tables)
    fd = os.open(directory / "baseline.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - start


def main() -> int:
    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        directory = Path(tmp)
        store = Store.open(directory / "kiosk.json")
        docs = [make_account(n, rng) for n in range(ACCOUNTS)]
        start = time.perf_counter()
        with store.transaction() as db:
            db.table("accounts").insert_multiple(docs)
        load_s = time.perf_counter() - start
        size_mb = (directory / "kiosk.json").stat().st_size / 1e6

        accounts = Accounts(store)
        start = time.perf_counter()
        accounts.get_by_id(docs[0]["id_no"])  # builds the index
        index_s = time.perf_counter() - start

        lookups = []
        for doc in rng.choices(docs, k=LOOKUPS):
            t = time.perf_counter()
            found = accounts.get_by_id(doc["id_no"])
            lookups.append(time.perf_counter() - t)
            assert found is not None and found["card_no"] == doc["card_no"]

        commits, baselines = [], []
        for i in range(RUNS):  # interleaved so both see the same machine state
            new = make_account(ACCOUNTS + i, rng)
            t = time.perf_counter()
            accounts.add(new)
            commits.append(time.perf_counter() - t)
            baselines.append(baseline_write(store.db().storage.read(), directory))
        assert accounts.count() == ACCOUNTS + RUNS
        store.close()

    lookup_med, lookup_p99 = statistics.median(lookups) * 1e3, pct(lookups, 0.99) * 1e3
    commit_med, base_med = statistics.median(commits) * 1e3, statistics.median(baselines) * 1e3
    ratio = commit_med / base_med
    rows = [
        ("get_by_id (median)", f"{lookup_med:.4f} ms", f"<= {LOOKUP_TARGET_MS} ms",
         lookup_med <= LOOKUP_TARGET_MS),
        ("get_by_id (p99)", f"{lookup_p99:.4f} ms", "(report)", None),
        ("baseline encode+write+fsync (median)", f"{base_med:.1f} ms", "(baseline)", None),
        ("committed registration (median)", f"{commit_med:.1f} ms", "", None),
        ("registration / baseline", f"{ratio:.2f}x", f"<= {COMMIT_RATIO_TARGET}x",
         ratio <= COMMIT_RATIO_TARGET),
    ]  # fmt: skip
    print(f"store benchmark: {ACCOUNTS:,} accounts, file {size_mb:.1f} MB; bulk insert "
          f"{load_s:.2f} s, index build {index_s * 1e3:.0f} ms; {LOOKUPS:,} lookups, "
          f"{RUNS} commits")  # fmt: skip
    print(f"{'metric':<38} {'value':>12}  {'target':<11} result")
    print("-" * 72)
    for name, value, target, ok in rows:
        result = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name:<38} {value:>12}  {target:<11} {result}".rstrip())
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
