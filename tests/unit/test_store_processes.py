"""Multi-process tests of store/: no lost updates, crash safety under kill -9, visibility.

Children are plain ``python -c`` subprocesses (nothing to pickle) that report progress on
stdout; the parent waits on those lines or on exit with timeouts, never on fixed sleeps.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from store import journal
from store.core import Store
from store.repos import Accounts

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

PROCESSES = 4
WRITES = 200
KILLS = 30

WORKER = textwrap.dedent(
    """
    import sys
    from store import Accounts, Store
    path, tag, writes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(path, lock_timeout=60)
    accounts = Accounts(store)
    for i in range(writes):
        accounts.add({"id_no": f"{tag}{i:05d}", "card_no": f"C{tag}{i:05d}", "state": "new"})
        with store.transaction() as db:
            counters = db.table("counters")
            n = counters.get(doc_id=1)["n"]
            counters.update({"n": n + 1}, doc_ids=[1])
    print("done", flush=True)
    """
)

WRITER = textwrap.dedent(
    """
    import sys
    from store import Accounts, Store
    store = Store.open(sys.argv[1])
    accounts = Accounts(store)
    i = sum(1 for a in accounts.all() if a["id_no"].startswith("K"))
    while True:
        accounts.add({"id_no": f"K{i:06d}", "card_no": f"K{i:06d}", "seq": i})
        print(i, flush=True)
        i += 1
    """
)


def python(code: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=ROOT,
    )


def test_concurrent_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.json"
    with Store.open(path).transaction() as db:
        db.table("counters").insert({"n": 0})
    procs = [python(WORKER, path, f"P{p}", WRITES) for p in range(PROCESSES)]
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0 and out.strip() == "done"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    store = Store.open(path)
    accounts = Accounts(store)
    total = PROCESSES * WRITES
    assert accounts.count() == total
    for p in range(PROCESSES):
        for i in range(WRITES):
            assert accounts.get_by_id(f"P{p}{i:05d}")["card_no"] == f"CP{p}{i:05d}"
    assert store.db().table("counters").get(doc_id=1)["n"] == total


def test_kill_9_during_writes_never_corrupts(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.json"
    padding = [
        {"id_no": f"X{n:06d}", "card_no": f"{n:012d}", "password_hash": "s" * 100}
        for n in range(3000)
    ]
    with Store.open(path).transaction() as db:  # bigger file: kills land mid-write more often
        db.table("accounts").insert_multiple(padding)
    rng = random.Random(1234)
    acknowledged = -1
    for _ in range(KILLS):
        proc = python(WRITER, path)
        try:
            assert proc.stdout is not None
            stamps = []
            for _ in range(rng.randint(3, 8)):  # wait for a few commits
                line = proc.stdout.readline()
                assert line, "writer died"
                acknowledged = int(line)
                stamps.append(time.perf_counter())
            # Kill at a random point of the next commit cycle (not a synchronisation sleep).
            period = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
            time.sleep(rng.uniform(0, period))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            assert proc.stdout is not None
            acknowledged = max([acknowledged, *map(int, proc.stdout.read().split())])
            proc.stdout.close()

        seqs = [a["seq"] for a in Accounts(Store.open(path)).all() if "seq" in a]
        assert seqs == list(range(len(seqs)))  # a prefix, in order
        # every acknowledged commit survived; at most one unacknowledged (in-flight) one too
        assert acknowledged + 1 <= len(seqs) <= acknowledged + 2
        log = path.with_name("kiosk.json.journal")
        assert journal.scan(log.read_bytes(), log).torn == 0   # open() cut a torn tail off
        assert not [n for n in os.listdir(tmp_path) if ".tmp-" in n]  # open() cleaned them


@pytest.mark.parametrize("via", ["process", "instance"])
def test_change_by_other_writer_is_seen(tmp_path: Path, via: str) -> None:
    path = tmp_path / "kiosk.json"
    store = Store.open(path)
    accounts = Accounts(store)
    accounts.add({"id_no": "A1", "card_no": "C1"})
    assert accounts.get_by_id("A1") is not None  # index built
    code = textwrap.dedent(
        """
        import sys
        from store import Accounts, Store
        accounts = Accounts(Store.open(sys.argv[1]))
        accounts.add({"id_no": "A2", "card_no": "C2"})
        accounts.update("A1", {"card_no": "C9", "id_no": "A9"})
        """
    )
    if via == "process":
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=ENV, timeout=60)
    else:
        other = Accounts(Store.open(path))
        other.add({"id_no": "A2", "card_no": "C2"})
        other.update("A1", {"card_no": "C9", "id_no": "A9"})
    assert accounts.count() == 2
    assert accounts.get_by_id("A2")["card_no"] == "C2"
    assert accounts.get_by_id("A1") is None and accounts.get_by_card("C1") is None
    assert accounts.get_by_card("C9")["id_no"] == "A9"
