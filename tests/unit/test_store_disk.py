"""The store's files when the disk misbehaves: private folders and files whatever the umask;
a commit (one record appended to the journal) that fails at its write or its fsync, raising
an ``OSError`` that names the store file and leaving neither the commit nor half of it; a
snapshot written (by a compaction, or when a store is made) that fails at any step (temp
file, write, backup link, rename, folder sync), leaving the previous snapshot and journal
whole; and a large store written in pieces and not read back after its own commit."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import NoReturn

import pytest

from store import _fs, journal
from store.core import REWRITE_MIN_DOCS, Store
from store.errors import StoreError, io_reason
from store.repos import Accounts
from tests.unit.store_faults import (
    account,
    add_error,
    broken,
    committed,
    compact_error,
    failing,
    fsync_failing,
    ids,
    journal_of,
    on_disk,
    reopened,
    side_file_error,
    temps,
    written_then_full_disk,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, restored afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_(value: int) -> None:
        os.umask(value)

    yield set_
    os.umask(saved)


# -- private folders and files ------------------------------------------------------------


def test_every_missing_folder_of_a_deep_store_path_is_made_private(tmp_path: Path,
                                                                     umask) -> None:
    umask(0)
    db = tmp_path / "a" / "b" / "c" / "kiosk.json"
    with Store.open(db) as store:
        Accounts(store).add(account(1))
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    with Store.open(db) as store:
        assert ids(store) == ["A000000001"]


def test_an_existing_parent_folder_keeps_its_mode(tmp_path: Path, umask) -> None:
    umask(0)
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(parent, 0o755)
    Store.open(parent / "data" / "kiosk.json").close()
    assert mode(parent) == 0o755
    assert mode(parent / "data") == 0o700


def test_new_folders_are_private_even_under_a_umask_that_takes_the_owners_bits(
        tmp_path: Path, umask) -> None:
    umask(0o277)          # mkdir's own mode would give 0500 (and no way to write inside)
    db = tmp_path / "a" / "b" / "kiosk.json"
    Store.open(db).close()
    umask(0o022)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(db) == 0o600
    assert mode(db.with_name("kiosk.json.lock")) == 0o600
    assert mode(journal_of(db)) == 0o600


def test_a_new_folder_is_never_open_to_others_not_even_for_a_moment(
        tmp_path: Path, umask, monkeypatch) -> None:
    umask(0)
    seen: dict[str, int] = {}
    real_chmod = os.chmod

    def chmod(path, mode_, *args, **kw):
        seen[Path(path).name] = mode(Path(path))   # before the store sets the mode
        return real_chmod(path, mode_, *args, **kw)

    monkeypatch.setattr(os, "chmod", chmod)
    Store.open(tmp_path / "a" / "b" / "kiosk.json").close()
    assert seen == {"a": 0o700, "b": 0o700}


def test_the_lock_file_is_never_open_to_others_not_even_for_a_moment(
        tmp_path: Path, umask, monkeypatch) -> None:
    umask(0)
    seen: list[int] = []
    real_fchmod = os.fchmod

    def fchmod(fd, mode_):
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fchmod(fd, mode_)

    monkeypatch.setattr(os, "fchmod", fchmod)
    Store.open(tmp_path / "kiosk.json").close()
    assert seen and set(seen) == {0o600}


def test_a_folder_another_process_made_meanwhile_is_taken_and_the_rest_still_made(
        tmp_path: Path) -> None:
    real_mkdir = os.mkdir

    def racing_mkdir(path, *args, **kw):
        if Path(path).name == "a":       # the other kiosk was quicker with this one
            real_mkdir(path, 0o700)
            raise FileExistsError(errno.EEXIST, "File exists", str(path))
        return real_mkdir(path, *args, **kw)

    db = tmp_path / "a" / "b" / "kiosk.json"
    with broken(os, mkdir=racing_mkdir), Store.open(db) as store:
        Accounts(store).add(account(1))
    assert mode(tmp_path / "a" / "b") == 0o700
    assert reopened(db) == ["A000000001"]


def test_an_existing_lock_file_is_used_as_it_is(tmp_path: Path) -> None:
    lock = tmp_path / "kiosk.json.lock"
    lock.write_bytes(b"")
    os.chmod(lock, 0o640)              # set up by an operator for a group of kiosk users
    with Store.open(tmp_path / "kiosk.json") as store:
        Accounts(store).add(account(1))
    assert mode(lock) == 0o640


# -- a large store ------------------------------------------------------------------------


def big_accounts(n: int) -> list[dict]:
    return [account(i, note="x" * 300) for i in range(1, n + 1)]    # ~3.5 MB together


def test_a_large_store_is_compacted_whole_in_pieces_of_about_a_megabyte(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        with store.transaction() as db_:
            db_.table("accounts").insert_multiple(big_accounts(9000))
        writes: list[tuple[int, int]] = []      # (inode written to, bytes)
        real_write = os.write

        def write(fd, data):
            writes.append((os.fstat(fd).st_ino, len(data)))
            return real_write(fd, data)

        with broken(os, write=write):
            assert store.compact()
    size, inode = db.stat().st_size, db.stat().st_ino    # the temp file renamed into place
    snapshot = [n for ino, n in writes if ino == inode]
    assert size > 3 * _fs.WRITE_BYTES
    assert sum(snapshot) == size
    assert len(snapshot) >= 3                                  # never the whole file at once
    assert max(snapshot) < _fs.WRITE_BYTES + 500_000            # about a megabyte each
    with Store.open(db) as again:
        rows = again.db().table("accounts").all()
        assert len(rows) == 9000 and rows[-1]["id_no"] == "A000009000"


def must_not_read(*args: object, **kw: object) -> NoReturn:
    raise AssertionError("the store read back what it had just written itself")


def test_after_its_own_commit_a_large_store_reads_nothing_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk.json") as store:
        with store.transaction() as db:
            db.table("accounts").insert_multiple(big_accounts(9000))
        accounts = Accounts(store)
        assert accounts.get_by_id("A000000001") is not None      # index built
        index = store.index("accounts", "id_no")
        generation = store.generation
        store.db()
        assert store.generation == generation
        with broken(_fs, read_whole=must_not_read):        # no snapshot read
            accounts.add(account(9001))
        with (broken(_fs, read_whole=must_not_read),
              broken(journal, read_from=must_not_read),          # no journal read
              broken(journal, scan=must_not_read)):              # nothing parsed
            store.db()
            found = accounts.get_by_id("A000009001")
            assert found is not None and found["card_no"] == "000000009001"
            assert accounts.get_by_id("A000000001") is not None
        assert store.generation == generation + 1                # the commit, and no reload
        assert store.index("accounts", "id_no") is index and index.built   # not rebuilt


def test_after_a_large_commit_is_compacted_a_small_commit_does_not_rewrite_the_snapshot(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        with store.transaction() as db_:
            db_.table("accounts").insert_multiple(big_accounts(9000))
        store.compact()
        snapshot = db.stat().st_ino
        Accounts(store).add(account(9001))
        Accounts(store).add(account(9002))
        assert db.stat().st_ino == snapshot       # appended to the journal, nothing rewritten
    assert len(reopened(db)) == 9002


# -- a commit that fails (the append to the journal) ------------------------------------------


def test_a_full_disk_says_so_in_the_operating_systems_words(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store, broken(os, write=failing(errno.ENOSPC,
                                                            "No space left on device")):
        err = add_error(store, 1)
    assert err.strerror == "No space left on device"
    assert str(err) == f"[Errno {errno.ENOSPC}] No space left on device: '{db}'"
    assert reopened(db) == []


def test_a_failure_without_the_systems_words_keeps_its_own(tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        reset = fsync_failing(failing("controller reset"), folders=False)
        with broken(os, fsync=reset):
            err = add_error(store)
        assert err.filename == str(db)
        assert err.strerror == "controller reset"
        # written, but not synced: cut off again, so the commit is not there
        assert on_disk(db) == before and ids(store) == ["A000000001"]
    assert reopened(db) == ["A000000001"]


def test_an_error_that_already_names_the_store_alone_is_passed_on_as_it_is(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    failure = OSError(errno.EIO, "Input/output error", str(db))

    def fail(fd: int) -> None:
        raise failure

    with Store.open(db) as store, broken(os, fsync=fsync_failing(fail, folders=False)):
        err = add_error(store, 1)
    assert err is failure
    assert reopened(db) == []


def test_a_disk_that_turns_read_only_mid_write_still_reports_the_full_disk(
        tmp_path: Path) -> None:
    """ext4's errors=remount-ro: the write fails, then what it left cannot be cut off (a
    commit) or the temp file cannot be removed (a side file, a compaction)."""
    with committed(tmp_path) as (db, store, before):
        with broken(os, write=written_then_full_disk(journal.FRAME_BYTES + 20),
                    ftruncate=failing(errno.EROFS, "Read-only file system")):
            err = add_error(store)
        assert err.errno == errno.ENOSPC and err.filename == str(db)
        assert journal_of(db).stat().st_size > len(before[1])     # half a record stays
        with broken(os, write=failing(errno.ENOSPC, "No space left on device"),
                    unlink=failing(errno.EROFS, "Read-only file system", naming=True)):
            errors = side_file_error(store), compact_error(store)
        for err, name in zip(errors, (db.with_name("kiosk.json.head"), db), strict=True):
            assert err.errno == errno.ENOSPC and err.filename == str(name)
        assert db.read_bytes() == before[0] and ids(store) == ["A000000001"]
    assert reopened(db) == ["A000000001"]      # the half record ignored, no error
    assert temps(tmp_path) == []               # what could not be removed, cleared on open


def test_a_commit_that_can_be_neither_synced_nor_cut_off_stops_the_store_until_reopened(
        tmp_path: Path) -> None:
    """A disk turning read-only under a commit: its record may be whole on disk, so the
    kiosk cannot know whether it was saved; it says so rather than go on as if it was not,
    and a fresh open reads whatever the journal holds, the commit whole or not at all."""
    with committed(tmp_path) as (db, store, _):
        with broken(os, fsync=fsync_failing(failing(errno.EIO, "Input/output error"),
                                            folders=False),
                    ftruncate=failing(errno.EROFS, "Read-only file system")):
            err = add_error(store)
        assert err.errno == errno.EIO and err.filename == str(db)
        with pytest.raises(StoreError, match="may have been saved all the same"):
            store.db()
        with pytest.raises(StoreError, match="open the store again"):
            Accounts(store).add(account(3))
    assert reopened(db) in (["A000000001"], ["A000000001", "A000000002"])


def test_a_side_file_on_a_full_disk_keeps_its_last_version_and_is_named(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        with store.transaction():
            store.write_side_file(".head", b"old")
        with broken(os, write=failing(errno.ENOSPC, "No space left on device")):
            err = side_file_error(store)
    side = db.with_name("kiosk.json.head")
    assert err.errno == errno.ENOSPC and err.filename == str(side)
    assert side.read_bytes() == b"old" and temps(tmp_path) == []


# -- the journal on a disk that fills up mid-record -------------------------------------------

#: where the short write stops: inside the record's frame, or inside its payload
CUT_AT = pytest.mark.parametrize("nbytes", [10, journal.FRAME_BYTES + 20],
                                 ids=["in-frame", "in-payload"])
#: what append does afterwards: cut off what it wrote, or fail to (the disk turned read-only)
LEFT = pytest.mark.parametrize("left", [False, True], ids=["cut-off", "left-on-disk"])


def torn_commit(store: Store, nbytes: int, left: bool) -> OSError:
    """Add account 2 with a write that stops after ``nbytes`` and then finds the disk full;
    with ``left``, what it wrote cannot be cut off: the error the commit raised."""
    fakes: dict[str, Callable] = {"write": written_then_full_disk(nbytes)}
    if left:
        fakes["ftruncate"] = failing(errno.EROFS, "Read-only file system")
    with broken(os, **fakes):
        return add_error(store)


@CUT_AT
@LEFT
def test_a_commit_torn_mid_record_is_not_read_by_a_fresh_open(
        tmp_path: Path, nbytes: int, left: bool) -> None:
    with committed(tmp_path) as (db, store, (_, journal_before)):
        with Store.open(db) as other:                 # another kiosk process, caught up
            err = torn_commit(store, nbytes, left)
            assert err.errno == errno.ENOSPC and err.filename == str(db)
            held = journal_of(db).read_bytes()
            if left:                                  # the part written stays on disk
                assert held.startswith(journal_before)
                assert len(held) == len(journal_before) + nbytes
            else:
                assert held == journal_before
            assert ids(store) == ids(other) == ["A000000001"]
            assert reopened(db) == ["A000000001"]     # no error, no account 2


@CUT_AT
@LEFT
def test_the_commit_after_a_torn_one_succeeds_and_a_fresh_open_reads_it(
        tmp_path: Path, nbytes: int, left: bool) -> None:
    with committed(tmp_path) as (db, store, _):
        with Store.open(db) as other:
            torn_commit(store, nbytes, left)
            Accounts(store).add(account(3))
            assert reopened(db) == ["A000000001", "A000000003"]
            Accounts(other).add(account(4))           # and another process's after it
            assert ids(store) == ids(other) == ["A000000001", "A000000003", "A000000004"]
    assert reopened(db) == ["A000000001", "A000000003", "A000000004"]


# -- a snapshot write that fails (a compaction, a new store) -----------------------------------


def test_a_snapshot_temp_file_that_cannot_be_made_private_is_removed_and_the_store_named(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(os, fchmod=failing(errno.EPERM, "Operation not permitted")):
            err = compact_error(store, expected=PermissionError)
        assert err.filename == str(db) and io_reason(err) == "denied"
        assert on_disk(db) == before and temps(tmp_path) == []
        assert ids(store) == ["A000000001"]
    assert reopened(db) == ["A000000001"]


def no_temp_in(folder: Path) -> Callable[..., NoReturn]:
    """A ``tempfile.mkstemp`` for a folder that turned read-only."""
    return failing(errno.EROFS, "Read-only file system", str(folder / ".x.tmp-abc"))


def test_a_folder_where_no_temp_file_can_be_made_names_the_store(tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(tempfile, mkstemp=no_temp_in(tmp_path)):
            errors = compact_error(store), side_file_error(store)
            Accounts(store).add(account(2))       # a commit needs no temp file
        for err, name in zip(errors, (db, db.with_name("kiosk.json.head")), strict=True):
            assert err.filename == str(name) and err.filename2 is None
            assert io_reason(err) == "read_only" and err.strerror == "Read-only file system"
        assert db.read_bytes() == before[0]
        assert not db.with_name("kiosk.json.head").exists()
    assert reopened(db) == ["A000000001", "A000000002"]


def test_a_new_store_in_a_folder_where_no_temp_file_can_be_made_is_not_made(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with broken(tempfile, mkstemp=no_temp_in(tmp_path)), pytest.raises(OSError) as info:
        Store.open(db)
    err = info.value
    # the store's journal is its first file written; either name leads to the right folder
    assert err.filename in (str(db), str(journal_of(db))) and err.filename2 is None
    assert io_reason(err) == "read_only" and err.strerror == "Read-only file system"
    assert not db.exists() and temps(tmp_path) == []
    with Store.open(db) as store:
        Accounts(store).add(account(1))
    assert reopened(db) == ["A000000001"]


def test_a_new_store_whose_snapshot_cannot_be_written_is_made_by_the_next_open(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, prefix=None, **kw):
        if prefix == _fs.temp_prefix(db):      # the snapshot's temp file; the journal's works
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, prefix=prefix, **kw)

    with broken(tempfile, mkstemp=mkstemp), pytest.raises(OSError) as info:
        Store.open(db)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(db)
    assert not db.exists() and temps(tmp_path) == []
    with Store.open(db) as store:
        Accounts(store).add(account(1))
    assert reopened(db) == ["A000000001"]


def no_journal_temp(db: Path) -> AbstractContextManager[None]:
    """For the block, no temp file for a new journal of ``db`` can be made (ENOSPC)."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, prefix=None, **kw):
        if prefix == _fs.temp_prefix(journal_of(db)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, prefix=prefix, **kw)

    return broken(tempfile, mkstemp=mkstemp)


def test_a_compaction_whose_new_journal_cannot_be_written_leaves_a_store_that_goes_on(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, _):
        with no_journal_temp(db):
            err = compact_error(store)
        assert err.errno == errno.ENOSPC and temps(tmp_path) == []
        assert err.filename in (str(db), str(journal_of(db)))
        assert reopened(db) == ["A000000001", "A000000002"]
        Accounts(store).add(account(3))
        assert reopened(db) == ["A000000001", "A000000002", "A000000003"]
        assert store.compact()
    assert reopened(db) == ["A000000001", "A000000002", "A000000003"]


def folder_sync_fails() -> AbstractContextManager[None]:
    """The sync of the store's folder (after the rename) fails with EIO for the block."""
    return broken(os, fsync=fsync_failing(failing(errno.EIO, "Input/output error"),
                                          folders=True))


def test_a_failed_folder_sync_after_the_rename_names_the_store_which_holds_the_new_snapshot(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, before):
        with folder_sync_fails():
            err = compact_error(store)
        assert err.errno == errno.EIO and err.filename == str(db)
        assert db.read_bytes() != before[0] and b"A000000002" in db.read_bytes()   # renamed
        assert ids(store) == ["A000000001", "A000000002"]
        assert temps(tmp_path) == []
        assert reopened(db) == ["A000000001", "A000000002"]
        Accounts(store).add(account(3))           # and the store goes on
    assert reopened(db) == ["A000000001", "A000000002", "A000000003"]


def test_a_failed_folder_sync_of_a_side_file_names_it(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store, folder_sync_fails():
        err = side_file_error(store)
    side = db.with_name("kiosk.json.head")
    assert err.errno == errno.EIO and err.filename == str(side)
    assert side.read_bytes() == b"new" and temps(tmp_path) == []


# -- the backup link (made by a compaction) ---------------------------------------------------


def test_a_filesystem_without_hard_links_compacts_and_keeps_the_older_backup(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, _):
        assert store.compact()
        backup = db.with_name("kiosk.json.bak")
        older = backup.read_bytes()
        for code in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            Accounts(store).add(account(10 + code))
            with broken(os, link=failing(code, os.strerror(code), naming=True)):
                assert store.compact()
            assert f"A{10 + code:09d}".encode() in db.read_bytes()    # compacted
        assert backup.read_bytes() == older and temps(tmp_path) == []
    assert len(reopened(db)) == 6


def test_a_backup_link_that_fails_otherwise_fails_the_compaction_naming_only_the_store(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(os, link=failing(errno.EIO, "Input/output error", naming=True)):
            err = compact_error(store)
        assert err.errno == errno.EIO
        assert err.filename == str(db) and err.filename2 is None
        assert ".tmp-" not in str(err)
        assert on_disk(db) == before and ids(store) == ["A000000001"]
        assert temps(tmp_path) == []
    assert reopened(db) == ["A000000001"]


def test_when_every_backup_name_is_taken_the_compaction_fails_and_touches_nothing(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, _):
        assert store.compact()
        Accounts(store).add(account(3))
        before = on_disk(db)
        backup = db.with_name("kiosk.json.bak")
        older = backup.read_bytes()
        taken = tmp_path / ".kiosk.json.tmp-bak-0000000000000000"
        taken.write_bytes(b"another writer's link")
        tries: list[int] = []

        def token_hex(n):
            tries.append(n)
            return "0" * 16

        with broken(_fs.secrets, token_hex=token_hex):
            err = compact_error(store, expected=FileExistsError)
        assert len(tries) == 100                      # a hundred names tried, then it gives up
        assert err.errno == errno.EEXIST and err.filename == str(db)
        assert err.strerror == "no free temp name for the backup link"
        assert taken.read_bytes() == b"another writer's link"
        assert on_disk(db) == before and backup.read_bytes() == older
        assert ids(store) == ["A000000001", "A000000002", "A000000003"]
        taken.unlink()
    assert reopened(db) == ["A000000001", "A000000002", "A000000003"]


def test_a_backup_that_cannot_be_replaced_fails_the_compaction_and_leaves_no_link(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        db.with_name("kiosk.json.bak").mkdir()       # someone put a folder in its place
        err = compact_error(store)
        assert err.filename == str(db)
        assert on_disk(db) == before and temps(tmp_path) == []
        # and the disk turned read-only too
        with broken(os, unlink=failing(errno.EROFS, "Read-only file system", naming=True)):
            again = compact_error(store)
        assert again.errno == err.errno and again.filename == str(db)
        assert on_disk(db) == before
    assert reopened(db) == ["A000000001"]
    assert temps(tmp_path) == []                     # what could not be removed, cleared


def test_the_longest_store_name_whose_backup_link_fits_keeps_its_backup(tmp_path: Path) -> None:
    # the backup link is ".<name>.tmp-bak-" and 16 hex digits: 255 bytes at a 229-byte name
    db = tmp_path / ("k" * 224 + ".json")
    assert len(db.name) == 229
    with Store.open(db) as store:
        Accounts(store).add(account(1))
        assert store.compact()
        Accounts(store).add(account(2))
        assert store.compact()
    backup = db.with_name(db.name + ".bak")           # the snapshot before the last compaction
    assert b"A000000001" in backup.read_bytes() and b"A000000002" not in backup.read_bytes()
    assert reopened(db) == ["A000000001", "A000000002"] and temps(tmp_path) == []


def test_a_stale_temp_file_that_vanishes_while_clearing_does_not_stop_the_store(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    Store.open(db).close()
    real_listdir = os.listdir

    def listdir(path):
        return [*real_listdir(path), ".kiosk.json.tmp-gone"]   # removed before we got to it

    with broken(os, listdir=listdir), Store.open(db) as store:
        Accounts(store).add(account(1))
    assert reopened(db) == ["A000000001"]


# -- a commit written as a new snapshot (a quarter of the store changed, Store._rewrite_commit)


def add_many(store: Store, first: int, count: int = REWRITE_MIN_DOCS) -> None:
    """Add accounts ``first`` … in one transaction large enough to rewrite the snapshot."""
    with store.transaction():
        store.append(Accounts.TABLE, [account(n) for n in range(first, first + count)])


def add_many_error(store: Store, first: int) -> OSError:
    with pytest.raises(OSError) as info:
        add_many(store, first)
    return info.value


def test_a_large_commit_on_a_full_disk_leaves_the_files_and_the_store_as_they_were(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, before):
        with broken(os, write=written_then_full_disk(100_000)):
            err = add_many_error(store, 3)
        assert err.errno == errno.ENOSPC and err.filename == str(db)
        assert on_disk(db) == before and temps(tmp_path) == []
        assert ids(store) == ["A000000001", "A000000002"]
        add_many(store, 3)                        # the disk has room again
        assert len(reopened(db)) == 2 + REWRITE_MIN_DOCS


def test_a_large_commit_whose_folder_sync_fails_stops_the_store_until_reopened(
        tmp_path: Path) -> None:
    """The new snapshot was renamed into place but the rename may not last: as with a
    journal record that could not be synced, the kiosk cannot know it was saved."""
    with committed(tmp_path, accounts=2) as (db, store, _):
        with folder_sync_fails():
            err = add_many_error(store, 3)
        assert err.errno == errno.EIO and err.filename == str(db)
        with pytest.raises(StoreError, match="may have been saved all the same"):
            store.db()
    assert len(reopened(db)) == 2 + REWRITE_MIN_DOCS     # renamed: a fresh open reads it


def test_a_large_commit_whose_new_journal_cannot_be_made_stands_and_the_store_goes_on(
        tmp_path: Path, caplog) -> None:
    with committed(tmp_path, accounts=2) as (db, store, _):
        with no_journal_temp(db):
            add_many(store, 3)                    # done: the snapshot holds it
        assert "the journal was not started anew after commit" in caplog.text
        assert len(reopened(db)) == 2 + REWRITE_MIN_DOCS
        Accounts(store).add(account(9999))        # starts the journal anew, then appends
        assert journal.scan(journal_of(db).read_bytes(), journal_of(db)).frames[1:]
    assert reopened(db)[-1] == "A000009999" and len(reopened(db)) == 3 + REWRITE_MIN_DOCS
