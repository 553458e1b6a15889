"""Helpers for the tests of a store on a misbehaving disk (test_store_disk, test_store_files):
the accounts they add, a store with accounts committed to its journal, os calls broken for
one block, the error a commit or a compaction raised, and what a fresh open reads."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

from store.core import Store
from store.repos import Accounts


def account(n: int, **extra: object) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active", **extra}


def ids(store: Store) -> list[str]:
    return sorted(doc["id_no"] for doc in store.db().table("accounts").all())


def reopened(db: Path) -> list[str]:
    """The accounts a process opening the store ``db`` now reads (the files, not a memory)."""
    with Store.open(db) as fresh:
        return ids(fresh)


def journal_of(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


def on_disk(db: Path) -> tuple[bytes, bytes]:
    """The store's snapshot and journal, byte for byte."""
    return db.read_bytes(), journal_of(db).read_bytes()


def temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def is_dir_fd(fd: int) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)


@contextmanager
def committed(tmp_path: Path, accounts: int = 1
              ) -> Iterator[tuple[Path, Store, tuple[bytes, bytes]]]:
    """The open store failure tests start from, with accounts 1 to ``accounts`` committed one
    by one (in its journal: the snapshot is the empty one the store was created with): the
    store file, the store, and the snapshot's and journal's bytes then (what a failed commit
    or compaction must leave)."""
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        for n in range(1, accounts + 1):
            Accounts(store).add(account(n))
        yield db, store, on_disk(db)


@contextmanager
def broken(target: object, **fakes: Callable) -> Iterator[None]:
    """``target``'s calls named in ``fakes`` replaced for the block only, so that what a test
    checks afterwards runs on a sound disk again."""
    with pytest.MonkeyPatch.context() as patch:
        for name, fake in fakes.items():
            patch.setattr(target, name, fake)
        yield


def failing(*args: object, naming: bool = False) -> Callable[..., NoReturn]:
    """A stand-in for an os call that always fails with a fresh ``OSError(*args)``; with
    ``naming``, the error also names the path(s) the call was given, as the kernel's does."""

    def fake(*call_args: object, **kw: object) -> NoReturn:
        raise OSError(*args, *(str(a) for a in call_args if naming))

    return fake


def written_then_full_disk(nbytes: int) -> Callable[[int, bytes], int]:
    """An ``os.write`` that writes ``nbytes`` in all (the last call a short write, as when
    the disk fills up mid-record) and then fails with ENOSPC, however the writer splits
    what it writes."""
    real_write, left = os.write, [nbytes]

    def write(fd: int, data: bytes) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        done = real_write(fd, bytes(data[:left[0]]))
        left[0] -= done
        return done

    return write


def fsync_failing(fake: Callable[[int], object], *, folders: bool) -> Callable[[int], object]:
    """An ``os.fsync`` that goes through ``fake`` only for folders, or only for files (a
    compaction syncs both), and syncs the rest for real."""
    real_fsync = os.fsync

    def fsync(fd: int) -> object:
        return (fake if is_dir_fd(fd) == folders else real_fsync)(fd)

    return fsync


def add_error(store: Store, n: int = 2, expected: type[OSError] = OSError) -> OSError:
    """Add account ``n``, whose commit must fail: the error it raised."""
    with pytest.raises(expected) as info:
        Accounts(store).add(account(n))
    return info.value


def compact_error(store: Store, expected: type[OSError] = OSError) -> OSError:
    """Compact the store, which must fail: the error it raised."""
    with pytest.raises(expected) as info:
        store.compact()
    return info.value


def side_file_error(store: Store) -> OSError:
    """Write ``b"new"`` to the ``.head`` side file, whose commit must fail: the error it
    raised."""
    with pytest.raises(OSError) as info, store.transaction():
        store.write_side_file(".head", b"new")
    return info.value
