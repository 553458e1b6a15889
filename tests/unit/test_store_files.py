"""The store's files on disk: a symlinked store path (its journal, lock and backup beside the
real file), unique temp names and their cleanup, and a write that fails (disk full) leaving
the last version whole and naming the file."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from tinydb import Query

from store import _fs
from store.core import Store
from store.errors import io_reason
from store.repos import Accounts
from tests.unit.store_faults import (
    account,
    add_error,
    broken,
    committed,
    compact_error,
    ids,
    journal_of,
    on_disk,
    reopened,
    temps,
)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- a store path that is a symbolic link ---------------------------------------------------


def test_a_store_opened_through_a_symlink_writes_the_target(tmp_path: Path) -> None:
    real = tmp_path / "data" / "kiosk.json"
    with Store.open(real) as store:
        Accounts(store).add(account(1))
    link = tmp_path / "links" / "kiosk.json"
    link.parent.mkdir()
    link.symlink_to(real)
    with Store.open(link) as store:
        assert store.path == real
        assert store.journal_path == real.with_name("kiosk.json.journal")
        Accounts(store).add(account(2))
        assert names(real.parent) == ["kiosk.json", "kiosk.json.journal", "kiosk.json.lock"]
        assert store.compact()                   # renames a new snapshot onto the real file
        Accounts(store).add(account(3))
    assert link.is_symlink() and os.readlink(link) == str(real)
    with Store.open(real) as store:
        assert ids(store) == ["A000000001", "A000000002", "A000000003"]
    assert names(real.parent) == [
        "kiosk.json", "kiosk.json.bak", "kiosk.json.journal", "kiosk.json.lock"]
    assert names(link.parent) == ["kiosk.json"]   # nothing else


def test_a_relative_symlink_and_a_dangling_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    link = folder / "kiosk.json"
    link.symlink_to("real/store.json")          # points nowhere yet: a new store there
    with Store.open(link) as store:
        Accounts(store).add(account(1))
        assert store.compact()
    target = folder / "real" / "store.json"
    assert link.is_symlink() and target.is_file() and not target.is_symlink()
    assert names(folder) == ["kiosk.json", "real"]
    assert names(folder / "real") == [
        "store.json", "store.json.bak", "store.json.journal", "store.json.lock"]
    with Store.open(target) as store:
        assert store.db().table("accounts").count(Query().id_no == "A000000001") == 1


def test_two_processes_through_link_and_target_share_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "kiosk.json"
    link = tmp_path / "alias.json"
    with Store.open(real) as direct:
        link.symlink_to(real)
        with Store.open(link) as aliased:
            assert aliased.lock_path == direct.lock_path == real.with_name("kiosk.json.lock")
            assert aliased.journal_path == direct.journal_path == journal_of(real)
            Accounts(aliased).add(account(1))
            Accounts(direct).add(account(2))            # saw the other's commit first
            assert ids(aliased) == ids(direct) == ["A000000001", "A000000002"]


# -- temp files -------------------------------------------------------------------------


def test_temp_names_are_unique_and_stale_ones_are_cleared_on_open(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    Store.open(db).close()
    left = [_fs._private_temp(db) for _ in range(3)]   # what killed writers leave behind
    for fd, _ in left:
        os.close(fd)
    names = {path.name for _, path in left}
    assert len(names) == 3 and all(n.startswith(".kiosk.json.tmp-") for n in names)
    with Store.open(db) as store:
        store.db()
    assert not any(path.exists() for _, path in left)


def test_a_journal_temp_file_a_killed_compaction_left_is_cleared_on_open(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    Store.open(db).close()
    fd, left = _fs._private_temp(journal_of(db))   # how a compaction writes its new journal
    os.close(fd)
    with Store.open(db) as store:
        store.db()
    assert temps(tmp_path) == [] and not left.exists()


def test_side_files_use_the_stores_temp_names(tmp_path: Path, monkeypatch) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def spy(src, dst, *args, **kw):
        seen.append(Path(src).name)
        return real_replace(src, dst, *args, **kw)

    with Store.open(tmp_path / "kiosk.json") as store:
        monkeypatch.setattr(os, "replace", spy)
        with store.transaction():
            store.write_side_file(".extra", b"x")
    assert seen and seen[0].startswith(".kiosk.json.tmp-")
    assert (tmp_path / "kiosk.json.extra").read_bytes() == b"x"


# -- a write that fails -----------------------------------------------------------------


def full_disk_after(nbytes: int) -> Callable[[int, bytes], int]:
    """An os.write that lets ``nbytes`` in all through (the last write that fits only in
    part, a short write) and then fails with ENOSPC, as a full disk does."""
    real_write, written = os.write, [0]

    def write(fd: int, data) -> int:
        room = nbytes - written[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        done = real_write(fd, bytes(data[:room]))
        written[0] += done
        return done

    return write


def test_a_full_disk_keeps_the_last_version_and_names_the_store(tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(os, write=full_disk_after(10)):
            commit = add_error(store)
        with broken(os, write=full_disk_after(10)):
            compaction = compact_error(store)
        for err in (commit, compaction):
            assert err.errno == errno.ENOSPC and io_reason(err) == "disk_full"
            assert err.filename == str(db)                # not the temp file, which is gone
        assert on_disk(db) == before                      # snapshot and journal as they were
        assert temps(tmp_path) == []
        assert ids(store) == ["A000000001"]              # memory holds what the files hold
    assert reopened(db) == ["A000000001"]


def test_io_reasons() -> None:
    assert [io_reason(OSError(e, "x")) for e in (errno.ENOSPC, errno.EROFS, errno.EACCES,
                                                 errno.ENOENT, errno.EIO)] == [
        "disk_full", "read_only", "denied", "missing", "other"]
