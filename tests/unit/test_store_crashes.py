"""Crash tests of the journaled store (issue 16): kill -9 during compactions and batch imports.

After every kill the store must open, hold every commit its writer reported done, hold no
half of any commit, leave no temp file behind once opened, and pass ``store.check``. (Kills
during ordinary commits: tests/unit/test_store_processes.py.)

Children are plain ``python -c`` subprocesses that report progress on stdout; the parent
waits on those lines with timeouts, never on fixed sleeps, and kills at a random point of
the cycle that follows. Each test works in its own ``tmp_path`` and shares nothing, so
pytest-xdist may run the two (and any other test) on different workers at the same time.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from store import journal
from store.check import check
from store.core import Store, raw_table
from store.outbox import Outbox
from store.repos import Accounts

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

KILLS = 30
PADDING = 3000      # accounts already in the store: a compaction then takes long enough to hit
UNIT = 200          # (account, mail) pairs per unit of the batch import
LINE_TIMEOUT = 30.0

# Each test runs 30 rounds of child start, a few cycles, a kill and the checks; well below
# the suite's 120 s, but a hung child must not hold an xdist worker for long either.
pytestmark = pytest.mark.timeout(100)

COMPACTOR = textwrap.dedent(
    """
    import sys
    from store import Accounts, Store
    store = Store.open(sys.argv[1])
    accounts = Accounts(store)
    i = sum(1 for a in accounts.all() if "seq" in a)
    while True:
        accounts.add({"id_no": f"K{i:06d}", "card_no": f"K{i:06d}", "seq": i})
        print(i, flush=True)
        if not store.compact():
            raise SystemExit("compact() found another process's compaction")
        print("k", flush=True)
        i += 1
    """
)

READER = textwrap.dedent(
    """
    import signal, sys, time
    from store import Accounts, Store
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    accounts = Accounts(Store.open(sys.argv[1]))
    latest, reads = -1, 0
    print("ready", flush=True)
    while not stop:
        if latest >= 0:
            found = accounts.get_by_id(f"K{latest:06d}")
            if found is None or found["seq"] != latest:
                raise AssertionError(f"K{latest:06d} was read before, now {found!r}")
        following = accounts.get_by_id(f"K{latest + 1:06d}")
        reads += 1
        if following is not None:
            latest += 1
            print(latest, flush=True)
        else:
            time.sleep(0.001)   # pacing on a shared machine, not a synchronisation
    print("reads", reads, flush=True)
    """
)

IMPORTER = textwrap.dedent(
    """
    import sys
    from store import Store, core
    from store.bulk import add_new_accounts
    store = Store.open(sys.argv[1])
    size = int(sys.argv[2])
    if sys.argv[3] == "rewrite":   # every unit commits by writing the snapshot anew
        core.REWRITE_SHARE, core.REWRITE_MIN_DOCS = 0, 1
    else:                          # every unit appends a journal record
        core.REWRITE_MIN_DOCS = 10**9
    units = {a["unit"] for a in store.db().table("accounts").all() if "unit" in a}
    unit = max(units, default=-1) + 1
    while True:
        pairs = []
        for k in range(size):
            id_no = f"U{unit:04d}{k:04d}"
            pairs.append((
                {"id_no": id_no, "card_no": None, "unit": unit},
                {"to": f"{id_no}@example.tw", "account": id_no, "unit": unit},
            ))
        if len(add_new_accounts(store, pairs)) != size:
            raise SystemExit(f"unit {unit}: some accounts were there already")
        print(unit, flush=True)
        unit += 1
    """
)


# Deterministic kill points of a compaction: kill -9 just before the new snapshot, or the
# new journal (the snapshot already in place), is renamed into place.
KILLED_IN_COMPACTION = textwrap.dedent(
    """
    import os, signal, sys
    from store import Accounts, Store, _fs
    path, at = sys.argv[1], sys.argv[2]
    real_install = _fs.install
    def install(tmp, target, backup):
        if target.name.endswith(at):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_install(tmp, target, backup)
    store = Store.open(path)
    _fs.install = install
    Accounts(store).add({"id_no": "K000000", "card_no": "K000000", "seq": 0})
    print(0, flush=True)
    store.compact()
    print("k", flush=True)
    """
)

# A compaction paused after writing its snapshot's temp file (done without the lock) until
# the parent says go on.
PAUSED_COMPACTION = textwrap.dedent(
    """
    import sys
    from store import Store, _fs
    real_write_temp = _fs.write_temp
    def write_temp(target, chunks, **kw):
        written = real_write_temp(target, chunks, **kw)
        if target.name == "kiosk.json":
            print("written", flush=True)
            sys.stdin.readline()
        return written
    store = Store.open(sys.argv[1])
    _fs.write_temp = write_temp
    print("compacted" if store.compact() else "lost to another", flush=True)
    """
)


class Child:
    """A ``python -c`` child whose stdout lines a thread collects, so the parent can wait
    on them with a timeout (and a chatty child never blocks on a full pipe)."""

    def __init__(self, code: str, *args: object, stderr: Any = None, stdin: Any = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *map(str, args)],
            stdin=stdin, stdout=subprocess.PIPE, stderr=stderr, text=True, env=ENV, cwd=ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def line(self) -> str:
        try:
            got = self.lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no line from the child within {LINE_TIMEOUT:g} s") from None
        assert got is not None, f"the child died (exit code {self.proc.wait(timeout=30)})"
        return got

    def kill(self) -> list[str]:
        """kill -9 (if still running); the lines it printed that were not read yet."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._drain.join(timeout=30)
        rest = []
        while (got := self.lines.get_nowait()) is not None:
            rest.append(got)
        return rest


def kill_in_next_cycle(child: Child, rng: random.Random, lines: int) -> list[str]:
    """Read ``lines`` lines, then kill -9 the child at a random point of the next of its
    cycles (measured from those lines); every line it printed, in order."""
    seen, stamps = [], []
    try:
        for _ in range(lines):
            seen.append(child.line())
            stamps.append(time.perf_counter())
    except BaseException:
        child.kill()
        raise
    period = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    time.sleep(rng.uniform(0, period))   # where the kill lands, not a synchronisation
    return seen + child.kill()


def temp_files(directory: Path) -> list[str]:
    return [n for n in os.listdir(directory) if ".tmp-" in n]


def pad(path: Path, table_docs: list[dict[str, Any]]) -> None:
    store = Store.open(path)
    with store.transaction():
        store.append(Accounts.TABLE, table_docs)
    store.close()


def padding() -> list[dict[str, Any]]:
    return [{"id_no": f"X{n:06d}", "card_no": f"{n:012d}", "password_hash": "s" * 100}
            for n in range(PADDING)]


def assert_clean(path: Path, store: Store, accounts: int, mails: int) -> None:
    """What ``Store.open`` left: no torn tail, no temp file, and ``check`` agrees."""
    log = store.journal_path
    assert journal.scan(log.read_bytes(), log).torn == 0   # open() cut a torn tail off
    assert temp_files(path.parent) == []                    # open() cleared them
    report = check(path)
    assert report.torn == 0 and report.seq == store.seq
    assert report.documents.get(Accounts.TABLE, 0) == accounts
    assert report.documents.get(Outbox.TABLE, 0) == mails


def test_kill_9_during_compaction_loses_no_commit(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    reader = Child(READER, path, stderr=subprocess.PIPE)
    assert reader.line() == "ready"
    rng = random.Random(1616)
    acknowledged, in_compaction, left_temps = -1, 0, 0
    try:
        for _ in range(KILLS):
            printed = kill_in_next_cycle(Child(COMPACTOR, path), rng, rng.randint(3, 8))
            numbers = [int(n) for n in printed if n != "k"]
            acknowledged = max([acknowledged, *numbers])
            in_compaction += printed[-1] != "k"   # killed after a commit, before "k"
            left_temps += bool(temp_files(tmp_path))

            store = Store.open(path)
            seqs = [a["seq"] for a in Accounts(store).all() if "seq" in a]
            assert seqs == list(range(len(seqs)))   # a prefix, in order
            # every reported commit survived; at most one unreported (in-flight) one too
            assert acknowledged + 1 <= len(seqs) <= acknowledged + 2
            assert Accounts(store).get_by_id(f"X{PADDING - 1:06d}") is not None
            assert_clean(path, store, PADDING + len(seqs), 0)
            store.close()
        # the reader followed every compaction up to the last commit, never failing
        last = len(seqs) - 1
        deadline = time.monotonic() + LINE_TIMEOUT
        while (seen := int(reader.line())) < last:
            assert time.monotonic() < deadline, f"the reader stopped at {seen} of {last}"
    finally:
        reader.proc.send_signal(signal.SIGTERM)
        reader.proc.wait(timeout=30)
    assert reader.proc.stderr is not None
    err = reader.proc.stderr.read()
    assert reader.proc.returncode == 0, err
    assert err == ""
    rest = reader.kill()
    assert rest and rest[-1].startswith("reads "), rest   # it ended at SIGTERM, as asked
    assert in_compaction >= KILLS // 3, f"only {in_compaction} kills landed in a compaction"
    print(f"{in_compaction} of {KILLS} kills in a compaction, {left_temps} left a temp file")


@pytest.mark.parametrize("commit", ["journal", "rewrite"])
def test_kill_9_during_batch_import_never_half_applies(tmp_path: Path, commit: str) -> None:
    """Killed while units are committed as journal records, or as new snapshots (a commit
    that changes much of the store, Store._rewrite_commit)."""
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    rng = random.Random(1617)
    acknowledged = -1
    for _ in range(KILLS):
        printed = kill_in_next_cycle(Child(IMPORTER, path, UNIT, commit), rng,
                                     rng.randint(2, 3))
        acknowledged = max([acknowledged, *map(int, printed)])

        store = Store.open(path)
        db = store.db()
        accounts, mails = raw_table(db, Accounts.TABLE), raw_table(db, Outbox.TABLE)
        per_unit = Counter(a["unit"] for a in accounts.values() if "unit" in a)
        mails_per_unit = Counter(m["unit"] for m in mails.values())
        units = sorted(per_unit)
        assert units == list(range(len(units)))   # units in order, none skipped
        # every reported unit survived; at most one unreported (in-flight) one too
        assert acknowledged + 1 <= len(units) <= acknowledged + 2
        # all of a unit or none of it: accounts and mails alike, never one without the other
        assert set(per_unit.values()) <= {UNIT}, per_unit
        assert mails_per_unit == per_unit
        ids = {a["id_no"] for a in accounts.values()}
        assert len(ids) == len(accounts) == PADDING + UNIT * len(units)
        assert all(m["account"] in ids and m["status"] == "queued" for m in mails.values())
        assert_clean(path, store, len(accounts), len(mails))
        if commit == "rewrite":
            assert check(path).records == 0   # the units are in the snapshot, not the journal
        store.close()


@pytest.mark.parametrize("at", [".json", ".journal"], ids=["before-snapshot", "before-journal"])
def test_kill_9_at_each_step_of_a_compaction(tmp_path: Path, at: str) -> None:
    """kill -9 with the new snapshot written but not in place, or in place with the old
    journal still beside it: the commit made before is there, nothing else changed."""
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    child = Child(KILLED_IN_COMPACTION, path, at)
    assert child.line() == "0"
    assert child.proc.wait(timeout=LINE_TIMEOUT) == -signal.SIGKILL   # it killed itself
    assert child.kill() == []
    store = Store.open(path)
    assert [a["seq"] for a in Accounts(store).all() if "seq" in a] == [0]
    assert_clean(path, store, PADDING + 1, 0)
    store.close()


KILLED_AFTER_REWRITE = textwrap.dedent(
    """
    import os, signal, sys
    from store import Store, _fs, core
    from store.bulk import add_new_accounts
    core.REWRITE_SHARE, core.REWRITE_MIN_DOCS = 0, 1
    real_install = _fs.install
    def install(tmp, target, backup):
        if target.name.endswith(".journal"):   # the new snapshot is in place
            os.kill(os.getpid(), signal.SIGKILL)
        return real_install(tmp, target, backup)
    store = Store.open(sys.argv[1])
    _fs.install = install
    add_new_accounts(store, [({"id_no": "R000000", "card_no": None},
                              {"to": "r@example.tw", "account": "R000000"})])
    print("reported", flush=True)
    """
)


def test_kill_9_between_a_rewritten_snapshot_and_its_journal(tmp_path: Path) -> None:
    """A commit written as a new snapshot, killed before the new journal: the commit is in
    (the snapshot was in place), a process that was reading before sees it, and the next
    commit — from that process, whose journal ends before the snapshot — is kept too."""
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    reading = Store.open(path)
    assert Accounts(reading).get_by_id("R000000") is None
    child = Child(KILLED_AFTER_REWRITE, path)
    assert child.proc.wait(timeout=LINE_TIMEOUT) == -signal.SIGKILL   # it killed itself
    assert child.kill() == []                                         # never reported
    assert Accounts(reading).get_by_id("R000000") is not None
    Accounts(reading).add({"id_no": "S000000", "card_no": "S000000"})
    reading.close()
    store = Store.open(path)
    assert {"R000000", "S000000"} <= {a["id_no"] for a in Accounts(store).all()}
    assert_clean(path, store, PADDING + 2, 1)
    store.close()


def test_open_clears_a_journal_temp_left_by_a_kill(tmp_path: Path) -> None:
    """The new journal's temp file (copies of recent commits, which Store.files() does not
    list) does not stay behind a compaction killed before renaming it."""
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    child = Child(KILLED_IN_COMPACTION, path, ".journal")
    assert child.line() == "0"
    assert child.proc.wait(timeout=LINE_TIMEOUT) == -signal.SIGKILL   # it killed itself
    assert child.kill() == []
    assert temp_files(tmp_path)   # the kill left the new journal's temp file
    Store.open(path).close()
    assert temp_files(tmp_path) == []


def test_open_elsewhere_during_compaction_keeps_it_going(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.json"
    pad(path, padding())
    child = Child(PAUSED_COMPACTION, path, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.proc.stdin is not None and child.proc.stderr is not None
    try:
        assert child.line() == "written"
        Store.open(path).close()   # another kiosk process starts meanwhile
        child.proc.stdin.write("\n")
        child.proc.stdin.close()
        child.proc.wait(timeout=LINE_TIMEOUT)
        assert child.lines.get(timeout=LINE_TIMEOUT) == "compacted", child.proc.stderr.read()
    finally:
        child.kill()
