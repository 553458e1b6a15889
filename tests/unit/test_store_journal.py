"""The journal: a commit costs its documents, a reader reads only what it has not seen, a torn
tail is an interrupted commit (ignored), a flipped byte is damage (refused, naming the file),
and a compaction lets every process go on without re-reading the store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.commands.base import EXIT_STORE
from store import _fs, journal
from store.check import check
from store.core import OVERLAP_RECORDS, REWRITE_MIN_DOCS, Store
from store.errors import StoreCorruptError
from store.repos import Accounts


def account(n: int, **extra: object) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active", **extra}


def ids(store: Store) -> list[str]:
    return sorted(doc["id_no"] for doc in store.db().table("accounts").all())


def log_of(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """A store with accounts 1, 2, 3 committed one by one: its path."""
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        for n in (1, 2, 3):
            Accounts(store).add(account(n))
    return db


def record_starts(db: Path) -> list[int]:
    data = log_of(db).read_bytes()
    return [start for start, _ in journal.scan(data, log_of(db)).records]


class NoFullRead:
    """Fails the block's test if the store is read whole (snapshot parsed)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*args: object) -> object:
            raise AssertionError("the store was read whole")

        monkeypatch.setattr(_fs, "read_whole", refuse)


# -- what a commit writes -----------------------------------------------------------------------

def test_a_commit_appends_only_what_it_changed(three: Path) -> None:
    snapshot = three.read_bytes()
    before = log_of(three).stat().st_size
    with Store.open(three) as store:
        Accounts(store).update(account(2)["id_no"], {"state": "blocked"})
    data = log_of(three).read_bytes()
    assert three.read_bytes() == snapshot                      # the snapshot is not rewritten
    (_start, record), = journal.scan(data[before:], log_of(three), before).records
    assert record["ops"] == [["accounts", "2", {**account(2), "state": "blocked"}]]


def test_another_process_catches_up_from_the_journal_alone(three: Path, monkeypatch) -> None:
    mine, theirs = Store.open(three), Store.open(three)
    Accounts(mine).get_by_id(account(1)["id_no"])               # indexes built
    NoFullRead(monkeypatch)
    Accounts(theirs).add(account(4))
    Accounts(theirs).update(account(1)["id_no"], {"card_no": "NEW"})
    Accounts(theirs).remove(account(3)["id_no"])
    accounts = Accounts(mine)
    assert accounts.get_by_id(account(4)["id_no"])["card_no"] == account(4)["card_no"]
    assert accounts.get_by_card("NEW")["id_no"] == account(1)["id_no"]
    assert accounts.get_by_card(account(1)["card_no"]) is None
    assert accounts.get_by_id(account(3)["id_no"]) is None
    assert mine.seq == theirs.seq == 6


# -- a torn tail, a flipped byte --------------------------------------------------------------

def test_a_commit_cut_off_anywhere_is_ignored_and_the_next_commit_goes_on(three: Path,
                                                                          caplog) -> None:
    whole = log_of(three).read_bytes()
    last = record_starts(three)[-1]
    for cut in range(last + 1, len(whole)):
        log_of(three).write_bytes(whole[:cut])
        with caplog.at_level(logging.WARNING, logger="store"), Store.open(three) as store:
            assert ids(store) == [account(1)["id_no"], account(2)["id_no"]]
        assert str(log_of(three)) in caplog.text and "cut off" in caplog.text
        assert log_of(three).read_bytes() == whole[:last]        # cut off under the lock
        caplog.clear()
    with Store.open(three) as store:
        Accounts(store).add(account(9))
    with Store.open(three) as store:
        assert ids(store) == [account(n)["id_no"] for n in (1, 2, 9)]


def test_zero_bytes_after_the_last_record_are_a_torn_tail(three: Path) -> None:
    with log_of(three).open("ab") as f:
        f.write(b"\0" * 4096)            # a power loss can leave a file's new blocks zeroed
    with Store.open(three) as store:
        assert len(ids(store)) == 3


@pytest.mark.parametrize("which", ["middle", "last"])
def test_a_flipped_byte_inside_a_record_is_refused_naming_the_journal(three: Path,
                                                                      which: str) -> None:
    starts = record_starts(three)
    whole = log_of(three).read_bytes()
    start, end = (starts[2], starts[3]) if which == "middle" else (starts[3], len(whole))
    for at in range(start, end, 7):
        damaged = bytearray(whole)
        damaged[at] ^= 0x20
        log_of(three).write_bytes(bytes(damaged))
        with pytest.raises(StoreCorruptError) as info:
            Store.open(three)
        assert info.value.path == log_of(three), at
        assert str(log_of(three)) in str(info.value) and f"at byte {start}" in str(info.value)
        assert log_of(three).read_bytes() == bytes(damaged)       # left as it was


def test_db_check_names_a_torn_tail_and_a_damaged_record(three: Path, capsys) -> None:
    whole = log_of(three).read_bytes()
    log_of(three).write_bytes(whole[:-5])
    assert main(["db", "check", "--db", str(three), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"The end of {log_of(three)} holds" in out and "accounts: 2 documents" in out
    assert log_of(three).read_bytes() == whole[:-5]               # a check writes nothing
    damaged = bytearray(whole)
    damaged[record_starts(three)[1] + 30] ^= 1
    log_of(three).write_bytes(bytes(damaged))
    assert main(["db", "check", "--db", str(three), "--lang", "zh-TW"]) == EXIT_STORE
    err = capsys.readouterr().err
    assert str(log_of(three)) in err and "無法讀取" in err


def test_check_counts_what_the_journal_adds_to_the_snapshot(three: Path) -> None:
    report = check(three)
    assert (report.snapshot_seq, report.seq, report.records) == (0, 3, 3)
    assert report.documents == {"accounts": 3} and report.torn == 0


# -- compaction -------------------------------------------------------------------------------

def test_compaction_folds_the_journal_into_the_snapshot(three: Path, capsys) -> None:
    assert main(["db", "compact", "--db", str(three), "--lang", "en"]) == 0
    assert "every commit up to number 3" in capsys.readouterr().out
    report = check(three)
    assert (report.snapshot_seq, report.seq, report.records) == (3, 3, 0)
    assert b"A000000003" in three.read_bytes()


def test_processes_go_on_across_another_ones_compaction_without_reading_it_all(
        three: Path, monkeypatch) -> None:
    mine, compactor = Store.open(three), Store.open(three)
    assert len(ids(mine)) == 3
    assert compactor.compact()
    Accounts(compactor).add(account(4))
    NoFullRead(monkeypatch)
    assert len(ids(mine)) == 4
    Accounts(mine).add(account(5))
    assert Accounts(compactor).get_by_id(account(5)["id_no"]) is not None


def test_a_process_far_behind_a_compaction_reads_the_store_again(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    behind, busy = Store.open(db), Store.open(db)
    assert ids(behind) == []
    for n in range(OVERLAP_RECORDS + 10):
        with busy.transaction() as tx:
            tx.table("accounts").insert(account(n))
    busy.compact()
    assert len(ids(behind)) == OVERLAP_RECORDS + 10
    assert behind.seq == busy.seq


def test_commits_made_during_a_compaction_are_kept(three: Path, monkeypatch) -> None:
    compactor, other = Store.open(three), Store.open(three)
    real = _fs.write_temp

    def write_then_commit_elsewhere(path: Path, chunks: object, **kw: object) -> object:
        written = real(path, chunks, **kw)
        if path == three:                     # the snapshot is written without the lock …
            Accounts(other).add(account(7))   # … so another process commits meanwhile
        return written

    monkeypatch.setattr(_fs, "write_temp", write_then_commit_elsewhere)
    assert compactor.compact()
    monkeypatch.undo()
    with Store.open(three) as fresh:
        assert ids(fresh) == [account(n)["id_no"] for n in (1, 2, 3, 7)]
    assert check(three).snapshot_seq == 3


def test_a_journal_that_outgrows_a_quarter_of_the_snapshot_is_compacted(
        tmp_path: Path, monkeypatch) -> None:
    from store import core

    monkeypatch.setattr(core, "COMPACT_MIN_BYTES", 4096)
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        accounts = Accounts(store)
        for n in range(60):
            accounts.add(account(n, note="x" * 100))
        assert check(db).snapshot_seq > 0                 # compacted by itself
        assert log_of(db).stat().st_size <= max(4096, db.stat().st_size) * 1.5


def test_a_commit_that_changes_a_quarter_of_the_store_is_written_as_its_snapshot(
        three: Path) -> None:
    """A batch import into a young store: one rewrite of the snapshot, not a journal record
    that would have it compacted at once; other processes read it, and the commits after
    it go to the journal again."""
    other = Store.open(three)
    assert len(ids(other)) == 3
    big = [account(n) for n in range(10, 10 + REWRITE_MIN_DOCS)]
    with Store.open(three) as store:
        with store.transaction():
            store.append(Accounts.TABLE, big)
        report = check(three)
        assert report.records == 0 and report.snapshot_seq == 4   # in the snapshot itself
        assert log_of(three).stat().st_size < 200
        assert len(ids(other)) == 3 + REWRITE_MIN_DOCS
        snapshot = three.stat().st_ino
        Accounts(other).add(account(5))
        assert three.stat().st_ino == snapshot and check(three).records == 1
        assert Accounts(store).get_by_id(account(5)["id_no"]) is not None


def test_an_old_store_file_is_migrated_to_a_snapshot_and_a_journal(tmp_path: Path) -> None:
    import orjson

    db = tmp_path / "kiosk.json"
    db.write_bytes(orjson.dumps({"_meta": {"1": {"commit": "ab", "schema": 1}},
                                 "accounts": {"1": account(1)}}))
    db.chmod(0o600)
    with Store.open(db) as store:
        assert ids(store) == [account(1)["id_no"]]
        Accounts(store).add(account(2))
    assert check(db).store_id is not None
    with Store.open(db) as store:
        assert ids(store) == [account(1)["id_no"], account(2)["id_no"]]


def test_a_large_store_once_loaded_is_left_out_of_the_garbage_collectors_walks(
        three: Path, monkeypatch) -> None:
    """A full collection walked every document: 40 ms at 500,000 accounts, in whichever
    lookup it landed (bench_store_scale's lookup during a compaction)."""
    import gc

    from store import catchup

    monkeypatch.setattr(catchup, "FREEZE_BYTES", 1)
    gc.unfreeze()
    try:
        with Store.open(three) as store:
            assert len(ids(store)) == 3
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    monkeypatch.setattr(catchup, "FREEZE_BYTES", 1 << 40)
    with Store.open(three) as store:
        assert len(ids(store)) == 3
        assert gc.get_freeze_count() == 0


def test_db_compact_while_the_lock_stays_busy_says_so_without_a_traceback(
        three: Path, capsys, monkeypatch) -> None:
    from store.errors import StoreLockedError

    def busy(self: Store) -> bool:
        raise StoreLockedError(f"could not lock {self.lock_path} within 10 s")

    monkeypatch.setattr(Store, "compact", busy)
    assert main(["db", "compact", "--db", str(three), "--lang", "en"]) == EXIT_STORE
    err = capsys.readouterr().err
    assert "cannot be used" in err and "could not lock" in err and "Traceback" not in err
