"""The cross-process lock (store/_lock.py): a writer waits while another holds it, gives up
after its timeout with an error naming the lock file, backs off briefly, and the lock file it
makes is private."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from store import _lock
from store._lock import FileLock, LockTimeout
from store.core import Store
from store.errors import StoreLockedError
from store.repos import Accounts


def account(n: int) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active"}


def holding(path: Path, release: threading.Event, events: list[str]) -> threading.Thread:
    """Another kiosk holding the lock of ``path``'s store until ``release`` is set."""
    ready = threading.Event()

    def run() -> None:
        other = Store.open(path)
        with other.transaction():
            events.append("other in")
            ready.set()
            assert release.wait(30)
            events.append("other out")
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(10)
    return thread


def test_a_writer_waits_while_another_holds_the_lock_then_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waiting = threading.Event()           # set when the writer finds the lock taken
    pause = _lock.time.sleep

    def sleep(seconds: float) -> None:
        waiting.set()
        pause(seconds)

    monkeypatch.setattr(_lock.time, "sleep", sleep)
    db = tmp_path / "kiosk.json"
    mine = Store.open(db, lock_timeout=10)
    events: list[str] = []
    release = threading.Event()
    other = holding(db, release, events)

    def write() -> None:
        with mine.transaction():
            events.append("mine in")

    writer = threading.Thread(target=write)
    writer.start()
    assert waiting.wait(30)               # the writer is at the lock, and waits
    assert events == ["other in"]
    release.set()
    writer.join(30)
    other.join(30)
    assert events == ["other in", "other out", "mine in"]
    mine.close()


def test_a_held_lock_is_given_up_after_the_timeout_naming_the_lock_file(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    mine = Store.open(db, lock_timeout=0.3)
    events: list[str] = []
    release = threading.Event()
    other = holding(db, release, events)
    started = time.monotonic()
    with pytest.raises(StoreLockedError) as info, mine.transaction():
        pass
    waited = time.monotonic() - started
    release.set()
    other.join(30)
    assert waited >= 0.25                 # it did wait (however slow the machine, not less)
    assert events == ["other in", "other out"]
    assert str(db.with_name("kiosk.json.lock")) in str(info.value)
    assert "0.3 s" in str(info.value)
    with mine.transaction():              # free again, and nothing was left held
        pass
    mine.close()


def test_lock_timeout_says_which_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first, second = FileLock(path), FileLock(path)
    first.acquire(timeout=1)
    try:
        with pytest.raises(LockTimeout) as info:
            second.acquire(timeout=0.05)
    finally:
        first.release()
    assert str(info.value) == str(path)
    second.acquire(timeout=1)
    second.release()


def refused_while_held(path: Path, timeout: float, monotonic, sleep) -> None:
    """Acquire ``path``'s lock, held by another holder, with ``timeout`` and _lock's clock
    and sleep replaced: it must give up with LockTimeout."""
    holder = FileLock(path)
    holder.acquire(timeout=1)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_lock.time, "monotonic", monotonic)
            patch.setattr(_lock.time, "sleep", sleep)
            with pytest.raises(LockTimeout):
                FileLock(path).acquire(timeout=timeout)
    finally:
        holder.release()


def test_waiting_backs_off_from_a_tenth_of_a_millisecond_to_four(tmp_path: Path) -> None:
    """A commit holds the lock for a quarter of a millisecond: a waiter that slept 50 ms
    made eight kiosks committing at once five times slower than one (bench_store_scale)."""
    clock = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    refused_while_held(tmp_path / "x.lock", 0.3, lambda: clock[0], sleep)
    assert waits[:7] == pytest.approx([0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.004])
    assert set(waits[6:]) == {0.004}
    assert sum(waits) == pytest.approx(0.3, abs=0.005)


def test_a_zero_timeout_refuses_a_held_lock_without_waiting(tmp_path: Path) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 5:
            raise AssertionError("still waiting")

    refused_while_held(tmp_path / "x.lock", 0, lambda: 50.0, sleep)   # a coarse clock: no tick
    assert waits == []


def test_the_lock_file_it_makes_is_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    old = os.umask(0)
    try:
        lock = FileLock(path)
        lock.acquire(timeout=1)
        lock.release()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_lock_file_deleted_while_the_store_is_open_is_made_again(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.json"
    with Store.open(db) as store:
        db.with_name("kiosk.json.lock").unlink()     # an over-eager clean-up
        Accounts(store).add(account(1))
        assert db.with_name("kiosk.json.lock").exists()
        with Store.open(db, lock_timeout=0.2) as other, store.transaction():
            with pytest.raises(StoreLockedError), other.transaction():
                pass                                 # and it locks again


def test_releasing_a_lock_never_taken_does_nothing(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "x.lock")
    lock.release()
    lock.acquire(timeout=1)
    lock.release()
    lock.release()


def test_a_filesystem_without_locks_gives_its_error_and_keeps_no_descriptor(
        tmp_path: Path, monkeypatch) -> None:
    def flock(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    opened: list[int] = []
    real_open = os.open

    def open_(*args, **kw):
        fd = real_open(*args, **kw)
        opened.append(fd)
        return fd

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(OSError) as info:
        FileLock(tmp_path / "x.lock").acquire(timeout=1)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOLCK
    assert len(opened) == 1
    with pytest.raises(OSError):
        os.fstat(opened[0])                           # closed again
