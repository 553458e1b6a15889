"""The store's files when the disk misbehaves: private folders and files whatever the umask,
failures at every step of a commit (temp file, write, backup link, rename, folder sync)
leaving the last version whole and raising an ``OSError`` that names the store file, and a
large store written in pieces."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

import orjson
import pytest

from store import _fs
from store.core import Store
from store.errors import io_reason
from store.repos import Accounts
from tests.unit.store_faults import (
    account,
    add_error,
    broken,
    committed,
    failing,
    fsync_failing,
    ids,
    side_file_error,
    temps,
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
    assert orjson.loads(db.read_bytes())["accounts"]["1"]["id_no"] == "A000000001"


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


def test_a_large_store_is_written_whole_in_pieces_of_about_a_megabyte(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    store = Store.open(db)
    writes: list[int] = []
    real_write = os.write

    def write(fd, data):
        writes.append(len(data))
        return real_write(fd, data)

    with broken(os, write=write), store.transaction() as db_:
        db_.table("accounts").insert_multiple(big_accounts(9000))
    size = db.stat().st_size
    assert size > 3 * _fs.WRITE_BYTES
    assert sum(writes) == size
    assert len(writes) >= 3                                    # never the whole file at once
    assert max(writes) < _fs.WRITE_BYTES + 500_000              # about a megabyte each
    with Store.open(db) as again:
        rows = again.db().table("accounts").all()
        assert len(rows) == 9000 and rows[-1]["id_no"] == "A000009000"


def test_after_its_own_commit_a_large_store_is_not_read_again(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "kiosk.json")
    with store.transaction() as db:
        db.table("accounts").insert_multiple(big_accounts(9000))
    accounts = Accounts(store)
    assert accounts.get_by_id("A000000001") is not None      # index built
    accounts._by_id["sentinel"] = 1                          # would vanish on a reload
    generation = store.generation
    store.db()
    assert store.generation == generation
    accounts.add(account(9001))
    store.db()
    assert store.generation == generation + 1                # the commit, and no reload
    assert "sentinel" in accounts._by_id


# -- failures while committing ------------------------------------------------------------


def test_a_temp_file_that_cannot_be_made_private_is_removed_and_the_store_named(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(os, fchmod=failing(errno.EPERM, "Operation not permitted")):
            err = add_error(store, expected=PermissionError)
        assert err.filename == str(db) and io_reason(err) == "denied"
        assert db.read_bytes() == before and temps(tmp_path) == []
        assert ids(store) == ["A000000001"]


def test_a_folder_where_no_temp_file_can_be_made_names_the_store(tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        no_temp = failing(errno.EROFS, "Read-only file system", str(tmp_path / ".x.tmp-abc"))
        with broken(tempfile, mkstemp=no_temp):
            errors = add_error(store), side_file_error(store)
        for err, name in zip(errors, (db, db.with_name("kiosk.json.head")), strict=True):
            assert err.filename == str(name) and err.filename2 is None
            assert io_reason(err) == "read_only" and err.strerror == "Read-only file system"
        assert db.read_bytes() == before
        assert not db.with_name("kiosk.json.head").exists()


def test_a_full_disk_says_so_in_the_operating_systems_words(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store, broken(os, write=failing(errno.ENOSPC,
                                                            "No space left on device")):
        err = add_error(store, 1)
    assert err.strerror == "No space left on device"
    assert str(err) == f"[Errno {errno.ENOSPC}] No space left on device: '{db}'"


def test_a_failure_without_the_systems_words_keeps_its_own(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    reset = fsync_failing(failing("controller reset"), folders=False)
    with Store.open(db) as store, broken(os, fsync=reset):
        err = add_error(store, 1)
    assert err.filename == str(db)
    assert err.strerror == "controller reset"


def test_an_error_that_already_names_the_store_alone_is_passed_on_as_it_is(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    failure = OSError(errno.EIO, "Input/output error", str(db))

    def fail(fd: int) -> None:
        raise failure

    with Store.open(db) as store, broken(os, fsync=fsync_failing(fail, folders=False)):
        err = add_error(store, 1)
    assert err is failure


def test_a_disk_that_turns_read_only_mid_write_still_reports_the_full_disk(
        tmp_path: Path) -> None:
    """ext4's errors=remount-ro: the write fails, then the temp file cannot be removed."""
    with committed(tmp_path) as (db, store, before):
        with broken(os, write=failing(errno.ENOSPC, "No space left on device"),
                    unlink=failing(errno.EROFS, "Read-only file system", naming=True)):
            errors = add_error(store), side_file_error(store)
        for err, name in zip(errors, (db, db.with_name("kiosk.json.head")), strict=True):
            assert err.errno == errno.ENOSPC and err.filename == str(name)
        assert db.read_bytes() == before


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


def folder_sync_fails() -> AbstractContextManager[None]:
    """The sync of the store's folder (after the rename) fails with EIO for the block."""
    return broken(os, fsync=fsync_failing(failing(errno.EIO, "Input/output error"),
                                          folders=True))


def test_a_failed_folder_sync_after_the_rename_names_the_store_which_holds_the_new_version(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, _):
        with folder_sync_fails():
            err = add_error(store)
        assert err.errno == errno.EIO and err.filename == str(db)
        assert ids(store) == ["A000000001", "A000000002"]    # what the file holds
        assert temps(tmp_path) == []
    with Store.open(db) as store:
        assert ids(store) == ["A000000001", "A000000002"]


def test_a_failed_folder_sync_of_a_side_file_names_it(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store, folder_sync_fails():
        err = side_file_error(store)
    side = db.with_name("kiosk.json.head")
    assert err.errno == errno.EIO and err.filename == str(side)
    assert side.read_bytes() == b"new" and temps(tmp_path) == []


# -- the backup link ------------------------------------------------------------------------


def test_a_filesystem_without_hard_links_commits_and_keeps_the_older_backup(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, _):
        older = db.with_name("kiosk.json.bak").read_bytes()
        for code in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            with broken(os, link=failing(code, os.strerror(code), naming=True)):
                Accounts(store).add(account(10 + code))
        assert db.with_name("kiosk.json.bak").read_bytes() == older and temps(tmp_path) == []
    with Store.open(db) as store:
        assert len(ids(store)) == 6


def test_a_backup_link_that_fails_otherwise_fails_the_commit_naming_only_the_store(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        with broken(os, link=failing(errno.EIO, "Input/output error", naming=True)):
            err = add_error(store)
        assert err.errno == errno.EIO
        assert err.filename == str(db) and err.filename2 is None
        assert ".tmp-" not in str(err)
        assert db.read_bytes() == before and ids(store) == ["A000000001"]


def test_when_every_backup_name_is_taken_the_commit_fails_and_touches_nothing(
        tmp_path: Path) -> None:
    with committed(tmp_path, accounts=2) as (db, store, before):
        backup = db.with_name("kiosk.json.bak")
        older = backup.read_bytes()
        taken = tmp_path / ".kiosk.json.tmp-bak-0000000000000000"
        taken.write_bytes(b"another writer's link")
        tries: list[int] = []

        def token_hex(n):
            tries.append(n)
            return "0" * 16

        with broken(_fs.secrets, token_hex=token_hex):
            err = add_error(store, 3, expected=FileExistsError)
        assert len(tries) == 100                      # a hundred names tried, then it gives up
        assert err.errno == errno.EEXIST and err.filename == str(db)
        assert err.strerror == "no free temp name for the backup link"
        assert taken.read_bytes() == b"another writer's link"
        assert db.read_bytes() == before and backup.read_bytes() == older
        assert ids(store) == ["A000000001", "A000000002"]


def test_a_backup_that_cannot_be_replaced_fails_the_commit_and_leaves_no_link(
        tmp_path: Path) -> None:
    with committed(tmp_path) as (db, store, before):
        db.with_name("kiosk.json.bak").unlink()
        db.with_name("kiosk.json.bak").mkdir()       # someone put a folder in its place
        err = add_error(store)
        assert err.filename == str(db)
        assert db.read_bytes() == before and temps(tmp_path) == []
        # and the disk turned read-only too
        with broken(os, unlink=failing(errno.EROFS, "Read-only file system", naming=True)):
            again = add_error(store)
        assert again.errno == err.errno and again.filename == str(db)
        assert db.read_bytes() == before


def test_the_longest_store_name_whose_backup_link_fits_keeps_its_backup(tmp_path: Path) -> None:
    # the backup link is ".<name>.tmp-bak-" and 16 hex digits: 255 bytes at a 229-byte name
    db = tmp_path / ("k" * 224 + ".json")
    assert len(db.name) == 229
    with Store.open(db) as store:
        Accounts(store).add(account(1))
        Accounts(store).add(account(2))
    backup = db.with_name(db.name + ".bak")
    assert b"A000000001" in backup.read_bytes() and b"A000000002" not in backup.read_bytes()


def test_a_stale_temp_file_that_vanishes_while_clearing_does_not_stop_the_store(
        tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    Store.open(db).close()
    real_listdir = os.listdir

    def listdir(path):
        return [*real_listdir(path), ".kiosk.json.tmp-gone"]   # removed before we got to it

    with broken(os, listdir=listdir), Store.open(db) as store:
        Accounts(store).add(account(1))
    assert b"A000000001" in db.read_bytes()
