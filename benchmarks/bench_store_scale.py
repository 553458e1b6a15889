"""Benchmark of store/ as it grows (issue 16): a change must cost what the change is, not
what the file is.

At each size of ``--accounts`` (default 10,000, 100,000 and 500,000; 1,000,000 too with
``--full``) a store is filled with one ``Store.append`` in one transaction, then:

1. baseline: an append + fsync of 600 bytes to a file in the store's directory (median of
   many, interleaved with scenario 2's commits in the same process);
2. one committed registration: ``Accounts.add`` of one new account (median of ``--runs``);
3. a read right after another process's commit: process B (long-lived) commits one account,
   then process A's ``get_by_id`` of it is timed; it includes catching up with B's commit
   (median of ``--runs``);
4. cold open + first lookup: a fresh interpreter times ``Store.open`` to the lookup's
   return and reports its peak RSS; the same for main's store code of commit 3e5ac5e
   (``git archive``), which opens a file it made itself, alternating run by run;
5. at 100,000 accounts (``--at``): 8 processes x 250 ``Accounts.add`` against one process
   adding the 2,000 (accounts made here, no password hashing), all present afterwards;
6. at the largest size: the longest ``get_by_id`` of a process looking accounts up in a
   loop while another runs ``Store.compact()``, the median over COMPACTIONS compactions
   (the longest of them reported too; "not available" if the store has none).

Targets (issue 16, each against a baseline of the same run): from 10,000 to 500,000
accounts, (2) and (3) each grow <= 2x; at 500,000, (2) <= 10x (1); (5) <= 3x; (4) at
100,000 <= the old code's; (6) <= 2x the median of (2) at that size.

The bench itself never imports the store (its memory stays small): every store process is
this file run as ``python -P <this file> --worker|--cold``, which imports the ``store``
package from its PYTHONPATH (the work tree, or the old code's copy; checked), and talks to
the bench over pipes, one JSON line per command and per reply. No sleeps.

Run: ``.venv/bin/python benchmarks/bench_store_scale.py [--accounts 10000 100000] [--full]``;
exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # the workers run with -P: _common is imported by the bench side only
    from _common import PipeWorker

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
OLD_COMMIT = "3e5ac5e"   # main's store/ before issue 16
DEFAULT_SIZES = [10_000, 100_000, 500_000]
FULL_SIZE = 1_000_000
STORE_NAME = "kiosk.json"
FSYNC_BYTES = 600
GROWTH_TARGET = 2.0          # (2) and (3), smallest size -> 500,000
COMMIT_FSYNC_TARGET = 10.0   # (2) / (1) at 500,000
CONCURRENT_TARGET = 3.0      # (5) eight processes / one process
COLD_TARGET = 1.0            # (4) ours / old code at 100,000
COMPACT_TARGET = 2.0         # (6) longest lookup / median commit
#: (6) is repeated: the longest of some 20,000 lookups during one compaction is whichever
#: one the scheduler happened to preempt (0.17 to 1.1 ms, run to run, on 2 cores); the
#: median of the longest over several compactions is the blocking a reader can expect.
COMPACTIONS = 5


# -- accounts (as bench_store.py makes them) ---------------------------------------------
def id_no(n: int) -> str:
    return f"{'ABCDEFGHJKLMNPQRSTUVXYWZIO'[n % 26]}{1 + n % 2}{n:08d}"


def card_no(n: int) -> str:
    return f"{900000000000 + n:012d}"


def make_account(n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id_no": id_no(n),
        "card_no": card_no(n),
        "state": "active",
        "password_hash": f"scrypt:32768:8:1${rng.randbytes(8).hex()}${rng.randbytes(32).hex()}",
        "email": f"user{n}@example.com.tw",
        "phone": f"09{rng.randrange(10**8):08d}",
        "created_at": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:{n % 60:02d}:00+08:00",
    }


# -- the store processes (this file run with --worker / --cold) ---------------------------
def add_all(accounts: Any, prepared: list[dict[str, Any]]) -> dict[str, Any]:
    """Add the prepared accounts (in a store process); one that times out waiting for the
    lock (a registration a person would have seen fail) is counted and tried again."""
    from store import StoreLockedError

    timeouts = 0
    t = time.perf_counter()
    for account in prepared:
        while True:
            try:
                accounts.add(account)
                break
            except StoreLockedError:
                timeouts += 1
    return {"s": time.perf_counter() - t, "timeouts": timeouts}


def _reply(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class _Served:
    """One open store in a worker process; ``op_<name>`` answers the command ``name``."""

    def __init__(self, path: str) -> None:
        import store as package
        from store import Accounts, Store

        self.path = Path(path)
        self.store = Store.open(path)
        self.accounts = Accounts(self.store)
        self.rng = random.Random(16)
        self.prepared: list[dict[str, Any]] = []
        _reply(ready=True, code=package.__file__)

    def op_build(self, start: int, count: int) -> dict[str, Any]:
        docs = [make_account(n, self.rng) for n in range(start, start + count)]
        t = time.perf_counter()
        with self.store.transaction():
            self.store.append("accounts", docs)
        return {"s": time.perf_counter() - t}

    def op_get(self, n: int) -> dict[str, Any]:
        t = time.perf_counter()
        doc = self.accounts.get_by_id(id_no(n))
        s = time.perf_counter() - t
        return {"s": s, "found": doc is not None and doc.get("card_no") == card_no(n)}

    def op_add(self, n: int) -> dict[str, Any]:
        account = make_account(n, self.rng)
        t = time.perf_counter()
        self.accounts.add(account)
        return {"s": time.perf_counter() - t}

    def op_commits(self, start: int, runs: int, fsyncs: int) -> dict[str, Any]:
        """Scenario 2 interleaved with its baseline, scenario 1 (``fsyncs`` per commit)."""
        side = self.path.parent / "bench-fsync.bin"
        fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        payload = b"x" * (FSYNC_BYTES - 1) + b"\n"
        commits, syncs = [], []
        try:
            for n in range(start, start + runs):
                account = make_account(n, self.rng)
                t = time.perf_counter()
                self.accounts.add(account)
                commits.append(time.perf_counter() - t)
                for _ in range(fsyncs):
                    t = time.perf_counter()
                    os.write(fd, payload)
                    os.fsync(fd)
                    syncs.append(time.perf_counter() - t)
        finally:
            os.close(fd)
            side.unlink()
        return {"commits": commits, "fsyncs": syncs}

    def op_prepare(self, start: int, count: int) -> dict[str, Any]:
        self.prepared = [make_account(n, self.rng) for n in range(start, start + count)]
        return {"count": count}

    def op_go(self) -> dict[str, Any]:
        return add_all(self.accounts, self.prepared)

    def op_loop(self, ns: list[int]) -> dict[str, Any]:
        """Look accounts up until the next command arrives, then once more, and answer."""
        worst = total = 0.0
        count = missing = 0
        stopping = False
        while True:
            t = time.perf_counter()
            doc = self.accounts.get_by_id(id_no(ns[count % len(ns)]))
            s = time.perf_counter() - t
            worst, total, count = max(worst, s), total + s, count + 1
            missing += doc is None
            if stopping:
                break
            if count == 1:
                _reply(looping=True)
            elif select.select([sys.stdin], [], [], 0)[0]:
                sys.stdin.readline()   # "stop"
                stopping = True
        return {"max": worst, "mean": total / count, "count": count, "missing": missing}

    def op_has_compact(self) -> dict[str, Any]:
        return {"available": callable(getattr(self.store, "compact", None))}

    def op_compact(self) -> dict[str, Any]:
        compact = getattr(self.store, "compact", None)   # issue 16's; may not exist yet
        if not callable(compact):
            raise RuntimeError("Store has no compact()")
        t = time.perf_counter()
        compact()
        return {"s": time.perf_counter() - t}

    def op_verify(self, ranges: list[list[int]]) -> dict[str, Any]:
        found = total = 0
        for start, count in ranges:
            for n in range(start, start + count):
                doc = self.accounts.get_by_id(id_no(n))
                found += doc is not None and doc.get("card_no") == card_no(n)
                total += 1
        return {"found": found, "total": total}


def _serve(path: str) -> int:
    served = _Served(path)
    while line := sys.stdin.readline():
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "quit":
            served.store.close()
            _reply(bye=True)
            return 0
        _reply(**getattr(served, f"op_{op}")(**cmd))
    return 1   # the bench went away


def _cold(path: str, n: int) -> int:
    import store as package
    from store import Accounts, Store

    t = time.perf_counter()
    store = Store.open(path)
    doc = Accounts(store).get_by_id(id_no(n))
    s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = doc is not None and doc.get("card_no") == card_no(n)
    store.close()
    _reply(s=s, rss_mb=rss_mb, found=found, code=package.__file__)
    return 0


# -- the bench's side of the pipes --------------------------------------------------------
def child_env(home: Path, code_root: Path) -> dict[str, str]:
    from _common import child_env as common_env

    return common_env(home, PYTHONPATH=str(code_root))


def workers(*specs: tuple[str, Path, Path, dict[str, str]]
            ) -> contextlib.AbstractContextManager[list[PipeWorker]]:
    """Store processes (role, store path, code root, env) on the store at ``path``."""
    from _common import PipeWorker, pipe_workers

    def start(role: str, path: Path, code_root: Path, env: dict[str, str]
              ) -> Callable[[], PipeWorker]:
        return lambda: PipeWorker(role, Path(__file__).resolve(), [str(path)], env,
                                  path.parent, lambda r, code: check_code(r, code, code_root))

    return pipe_workers([start(*spec) for spec in specs])


def check_code(role: str, code: str, code_root: Path) -> None:
    """The child imported ``store`` from the code it was meant to run, nothing else."""
    if not Path(code).resolve().is_relative_to((code_root / "store").resolve()):
        raise RuntimeError(f"{role} imported store from {code}, not from {code_root}")


def cold_open(path: Path, n: int, code_root: Path, env: dict[str, str]) -> dict[str, Any]:
    run = subprocess.run(
        [PYTHON, "-P", str(Path(__file__).resolve()), "--cold", str(path), str(n)],
        capture_output=True, text=True, env=env, cwd=path.parent, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"cold open with {code_root} failed:\n{run.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(run.stdout)
    check_code("cold open", result["code"], code_root)
    if not result["found"]:
        raise RuntimeError(f"cold open with {code_root}: {id_no(n)} not found")
    return result


def extract_old_code(dest: Path) -> str | None:
    """main's store/ as of OLD_COMMIT under ``dest``; None, or why not."""
    try:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", OLD_COMMIT, "store"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, capture_output=True,
                       check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return f"cannot extract store/ of {OLD_COMMIT}: {exc} {detail.decode(errors='replace')}"
    return None


def store_mb(directory: Path) -> float:
    """The store's own files (snapshot, journal, ...; not its lock or backup link)."""
    return sum(p.stat().st_size for p in directory.iterdir()
               if p.is_file() and p.name.startswith(STORE_NAME)
               and not p.name.endswith((".lock", ".bak"))) / 1e6


# -- one size -------------------------------------------------------------------------------
@dataclass
class SizeResult:
    accounts: int
    file_mb: float = 0.0
    build_s: float = 0.0
    fsyncs: Sequence[float] = ()
    commits: Sequence[float] = ()
    reads: Sequence[float] = ()
    cold: Sequence[dict[str, Any]] = ()
    old_cold: Sequence[dict[str, Any]] = ()
    compaction: dict[str, Any] | None = None
    concurrent: dict[str, Any] | None = None


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build(path: Path, size: int, code_root: Path, env: dict[str, str], role: str) -> float:
    path.parent.mkdir(mode=0o700)
    with workers((role, path, code_root, env)) as (builder,):
        return float(builder.ask("build", start=0, count=size)["s"])


def measure_size(size: int, args: argparse.Namespace, old_root: Path | None,
                 home: Path, *, compaction: bool, concurrent: bool) -> SizeResult:
    result = SizeResult(size)
    env = child_env(home, args.code)
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{size}-") as tmp:
        ours, old = Path(tmp) / "ours" / STORE_NAME, Path(tmp) / "old" / STORE_NAME
        result.build_s = build(ours, size, args.code, env, "builder")
        result.file_mb = store_mb(ours.parent)
        log(f"{size:,} accounts: filled in {ms(result.build_s)}, {result.file_mb:.1f} MB")
        if old_root is not None:
            build(old, size, old_root, child_env(home, old_root), "old-code builder")
        fresh = size   # account numbers not stored yet
        with workers(("A", ours, args.code, env), ("B", ours, args.code, env)) as (a, b):
            a.ask("get", n=0)            # builds A's index
            a.ask("add", n=fresh)        # untimed warm-up
            fresh += 1
            timed = a.ask("commits", start=fresh, runs=args.runs, fsyncs=args.fsyncs)
            fresh += args.runs
            result.commits, result.fsyncs = timed["commits"], timed["fsyncs"]
            log(f"  (1) append+fsync {ms(statistics.median(result.fsyncs))}, "
                f"(2) commit {ms(statistics.median(result.commits))}")
            b.ask("add", n=fresh)        # B catches up with A's commits, untimed
            a.ask("get", n=fresh)        # and A with B's
            fresh += 1
            reads = []
            for _ in range(args.runs):
                b.ask("add", n=fresh)
                read = a.ask("get", n=fresh)
                if not read["found"]:
                    raise RuntimeError(f"A did not see B's account {id_no(fresh)}")
                reads.append(read["s"])
                fresh += 1
            result.reads = reads
            b.close()
            log(f"  (3) read after another's commit {ms(statistics.median(reads))}")
            result.cold, result.old_cold = cold_opens(ours, old if old_root else None,
                                                      size // 2, args, home, old_root)
            log(f"  (4) cold open {ms(med(result.cold, 's'))}"
                + (f", old code {ms(med(result.old_cold, 's'))}" if result.old_cold else ""))
            if compaction:
                result.compaction = compact_while_reading(a, ours, size, args.code, env)
        if concurrent:
            result.concurrent = concurrent_adds(ours, fresh, args, env)
    return result


def cold_opens(ours: Path, old: Path | None, n: int, args: argparse.Namespace, home: Path,
               old_root: Path | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Scenario 4, ours and the old code alternating, after one untimed run of each."""
    env = child_env(home, args.code)
    old_env = child_env(home, old_root) if old_root else env
    mine: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for run in range(args.cold_runs + 1):
        sample = cold_open(ours, n, args.code, env)
        if run:
            mine.append(sample)
        if old is not None and old_root is not None:
            sample = cold_open(old, n, old_root, old_env)
            if run:
                theirs.append(sample)
    return mine, theirs


def compact_while_reading(reader: PipeWorker, path: Path, size: int, code: Path,
                          env: dict[str, str]) -> dict[str, Any]:
    """Scenario 6: ``reader`` looks accounts up in a loop while another process compacts."""
    with workers(("compactor", path, code, env)) as (compactor,):
        if not compactor.ask("has_compact")["available"]:
            log("  (6) Store.compact() is not available")
            return {"available": False}
        ns = random.Random(6).sample(range(size), min(size, 1000))
        rounds = []
        for _ in range(COMPACTIONS):
            reader.send("loop", ns=ns)
            reader.recv()                    # looping
            took = compactor.ask("compact")["s"]
            reader.send("stop")
            rounds.append({"compact_s": took, **reader.recv()})
            log(f"  (6) compaction {took:.2f} s; longest lookup meanwhile "
                f"{ms(rounds[-1]['max'])} of {rounds[-1]['count']:,}")
    return {"available": True,
            "max": statistics.median(r["max"] for r in rounds),
            "worst": max(r["max"] for r in rounds),
            "count": sum(r["count"] for r in rounds),
            "compact_s": statistics.median(r["compact_s"] for r in rounds)}


def one_then_many(open_workers: Callable[[list[str]],
                                         contextlib.AbstractContextManager[list[PipeWorker]]],
                  fresh: int, procs: int, per_proc: int, say: str) -> dict[str, Any]:
    """One process adding ``procs`` x ``per_proc`` accounts numbered from ``fresh``, then
    ``procs`` processes adding as many more at once, each timed from "go" to the last
    answer; ``open_workers(roles)`` starts the store processes. The first number of the
    many's accounts comes back as ``many``."""
    total = procs * per_proc
    with open_workers(["single"]) as (single,):
        single.ask("prepare", start=fresh, count=total)
        t = time.perf_counter()
        timeouts = single.ask("go")["timeouts"]
        single_s = time.perf_counter() - t
    log(f"  {say} one process, {total:,} adds: {single_s:.1f} s")
    many = fresh + total
    with open_workers([f"writer {i + 1}" for i in range(procs)]) as writers:
        for i, writer in enumerate(writers):
            writer.ask("prepare", start=many + i * per_proc, count=per_proc)
        t = time.perf_counter()
        for writer in writers:
            writer.send("go")
        many_timeouts = sum(writer.recv()["timeouts"] for writer in writers)
        many_s = time.perf_counter() - t
    log(f"  {say} {procs} processes x {per_proc:,} adds: {many_s:.1f} s")
    return {"total": total, "single_s": single_s, "many_s": many_s, "timeouts": timeouts,
            "many_timeouts": many_timeouts, "many": many}


def concurrent_adds(path: Path, fresh: int, args: argparse.Namespace,
                    env: dict[str, str]) -> dict[str, Any]:
    """Scenario 5: ``procs`` processes x ``per_proc`` adds against one process adding all."""
    run = one_then_many(lambda roles: workers(*[(r, path, args.code, env) for r in roles]),
                        fresh, args.procs, args.per_proc, "(5)")
    total, many = run["total"], run.pop("many")
    with workers(("verifier", path, args.code, env)) as (verifier,):
        found_single = verifier.ask("verify", ranges=[[fresh, total]])["found"]
        found_many = verifier.ask("verify", ranges=[[many, total]])["found"]
    return {"procs": args.procs, **run, "found_single": found_single, "found_many": found_many}


# -- report -----------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    value = seconds * 1e3
    return f"{value:.3g} ms" if value < 100 else f"{value:,.0f} ms"


def med(samples: Sequence[dict[str, Any]], key: str) -> float:
    return float(statistics.median(sample[key] for sample in samples))


def size_table(results: Sequence[SizeResult]) -> None:
    head = ("accounts", "file MB", "append+fsync 600 B", "commit", "commit / fsync",
            "read after other's commit", "cold open + lookup", "RSS MB",
            f"old code ({OLD_COMMIT}) cold open", "old RSS MB")
    body = []
    for r in results:
        commit, fsync = statistics.median(r.commits), statistics.median(r.fsyncs)
        body.append((
            f"{r.accounts:,}", f"{r.file_mb:.1f}", ms(fsync), ms(commit),
            f"{commit / fsync:,.0f}x", ms(statistics.median(r.reads)), ms(med(r.cold, "s")),
            f"{med(r.cold, 'rss_mb'):.0f}",
            ms(med(r.old_cold, "s")) if r.old_cold else "—",
            f"{med(r.old_cold, 'rss_mb'):.0f}" if r.old_cold else "—",
        ))
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    print("\n## Store cost by size (medians)\n")
    for number, line in enumerate((head, *body)):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def target_rows(results: Sequence[SizeResult], at: int) -> list[Any]:
    from _common import Row

    by_size = {r.accounts: r for r in results}
    lo = min(by_size)
    hi = max((s for s in by_size if s <= 500_000), default=max(by_size))
    rows: list[Row] = []
    commit = {s: statistics.median(r.commits) for s, r in by_size.items()}
    read = {s: statistics.median(r.reads) for s, r in by_size.items()}
    ends = [(hi, True)] + [(s, False) for s in sorted(by_size) if s > hi]
    for name, values in (("(2) committed registration", commit),
                         ("(3) read after another process's commit", read)):
        for end, checked in ends:
            if end == lo:
                continue
            ratio = values[end] / values[lo]
            rows.append(Row(f"{name}: growth {lo:,} -> {end:,} accounts",
                            f"{ms(values[end])} at {end:,}", f"{ms(values[lo])} at {lo:,}",
                            ratio, f"<= {GROWTH_TARGET:.2f}x" if checked else "(report)",
                            ratio <= GROWTH_TARGET if checked else None))
    for size in sorted(by_size):
        r = by_size[size]
        fsync = statistics.median(r.fsyncs)
        ratio = commit[size] / fsync
        checked = size == hi
        rows.append(Row(f"(2) commit vs (1) append+fsync of {FSYNC_BYTES} B at {size:,}",
                        ms(commit[size]), ms(fsync), ratio,
                        f"<= {COMMIT_FSYNC_TARGET:.0f}x" if checked else "(report)",
                        ratio <= COMMIT_FSYNC_TARGET if checked else None))
    r = by_size[at]
    if r.old_cold:
        ours, theirs = med(r.cold, "s"), med(r.old_cold, "s")
        rows.append(Row(f"(4) cold open + first lookup at {at:,} (n={len(r.cold)}) vs old code",
                        ms(ours), f"{ms(theirs)} (old code)", ours / theirs,
                        f"<= {COLD_TARGET:.2f}x", ours / theirs <= COLD_TARGET))
        rows.append(Row(f"(4) peak RSS of that process at {at:,}",
                        f"{med(r.cold, 'rss_mb'):.0f} MB",
                        f"{med(r.old_cold, 'rss_mb'):.0f} MB (old code)",
                        med(r.cold, "rss_mb") / med(r.old_cold, "rss_mb"), "(report)", None))
    else:
        rows.append(Row(f"(4) cold open + first lookup at {at:,}", ms(med(r.cold, "s")),
                        "old code not available", None, f"<= {COLD_TARGET:.2f}x", False))
    c = r.concurrent
    if c is not None:
        ratio = c["many_s"] / c["single_s"]
        rows.append(Row(f"(5) {c['total']:,} adds at {at:,}: {c['procs']} processes vs 1 (wall)",
                        f"{c['many_s']:.2f} s", f"{c['single_s']:.2f} s (1 process)", ratio,
                        f"<= {CONCURRENT_TARGET:.0f}x", ratio <= CONCURRENT_TARGET))
        present = c["found_single"] + c["found_many"]
        rows.append(Row("(5) those accounts present afterwards (fresh process)",
                        f"{c['found_many']:,} + {c['found_single']:,}",
                        f"{c['total']:,} + {c['total']:,}", None, "all",
                        present == 2 * c["total"]))
        rows.append(Row("(5) adds that timed out waiting for the lock (then retried)",
                        f"{c['many_timeouts']:,} ({c['procs']} processes)",
                        f"{c['timeouts']:,} (1 process)", None, "(report)", None))
    largest = max(by_size)
    comp = by_size[largest].compaction
    if comp is not None:
        if comp["available"]:
            ratio = comp["max"] / commit[largest]
            rows.append(Row(f"(6) longest lookup during compact() at {largest:,}, "
                            f"median of {COMPACTIONS}",
                            f"{ms(comp['max'])} (of {comp['count']:,})",
                            f"{ms(commit[largest])} (median commit)", ratio,
                            f"<= {COMPACT_TARGET:.0f}x", ratio <= COMPACT_TARGET))
            rows.append(Row(f"(6) the longest of all {COMPACTIONS} compactions",
                            ms(comp["worst"]), "", comp["worst"] / commit[largest],
                            "(report)", None))
            rows.append(Row("(6) compact() itself (median)", f"{comp['compact_s']:.2f} s", "",
                            None, "(report)", None))
        else:
            rows.append(Row(f"(6) longest lookup during compact() at {largest:,}",
                            "not available (Store has no compact())", "", None,
                            f"<= {COMPACT_TARGET:.0f}x", False))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, nargs="+", default=DEFAULT_SIZES,
                    help="store sizes (default: %(default)s)")
    ap.add_argument("--full", action="store_true", help=f"also {FULL_SIZE:,} accounts")
    ap.add_argument("--runs", type=int, default=15, help="samples of (2) and (3)")
    ap.add_argument("--fsyncs", type=int, default=5, help="samples of (1) per commit of (2)")
    ap.add_argument("--cold-runs", type=int, default=7, help="samples of (4), each code")
    ap.add_argument("--at", type=int, default=100_000,
                    help="size for (4)'s target and (5); the nearest size if not measured")
    ap.add_argument("--procs", type=int, default=8, help="processes of (5)")
    ap.add_argument("--per-proc", type=int, default=250, help="adds per process of (5)")
    ap.add_argument("--code", type=Path, default=REPO,
                    help="folder holding the store/ package to measure (default: this work "
                         "tree)")
    args = ap.parse_args(argv)
    args.code = args.code.resolve()
    sizes = sorted(set(args.accounts) | ({FULL_SIZE} if args.full else set()))
    at = min(sizes, key=lambda s: abs(math.log(s / args.at)))
    sys.path.insert(0, str(HERE))
    from _common import print_table

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        home, old_root = Path(tmp) / "home", Path(tmp) / "old-code"
        home.mkdir()
        old_root.mkdir()
        problem = extract_old_code(old_root)
        if problem:
            log(problem)
        results = [measure_size(size, args, None if problem else old_root, home,
                                compaction=size == sizes[-1], concurrent=size == at)
                   for size in sizes]
        shutil.rmtree(old_root, ignore_errors=True)

    size_table(results)
    grown = 100 * args.procs * args.per_proc / at
    notes = [
        f"sizes {', '.join(f'{s:,}' for s in sizes)}; (2) and (3): median of {args.runs}; "
        f"(1): median of {args.runs * args.fsyncs}; (4): median of {args.cold_runs} per code, "
        "after commits (2) and (3), so the store has a few changes since its bulk fill",
        f"(5) runs after (2)-(4) on the same store: one process first, then "
        f"{args.procs} x {args.per_proc:,} ({grown:.1f}% more accounts by then)",
        f"total {time.monotonic() - started:.0f} s",
    ]
    ok = print_table("Store scale targets (issue 16)", target_rows(results, at), notes)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        raise SystemExit(_serve(sys.argv[2]))
    if sys.argv[1:2] == ["--cold"]:
        raise SystemExit(_cold(sys.argv[2], int(sys.argv[3])))
    raise SystemExit(main())
