"""An exclusive, cross-process lock on ``<db>.lock`` with a timeout: flock(2).

The ``filelock`` package does the same but costs ~7 ms of import on every kiosk start,
which is a fifth of the start-up budget (benchmarks/bench_startup.py). flock locks belong
to the open file description, so they vanish with a killed process: no stale lock files.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

# A commit holds the lock for about a quarter of a millisecond (a journal append): waits
# start at a tenth of that and stay short, or eight kiosks at once spend their time asleep.
_FIRST_WAIT = 0.0001
_MAX_WAIT = 0.004


class LockTimeout(Exception):
    """The lock stayed held by another process for the whole timeout."""


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + timeout
        wait = _FIRST_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(str(self.path)) from None
                # flock has no timed wait; back off briefly, only while another process holds it
                time.sleep(wait)
                wait = min(wait * 2, _MAX_WAIT)
                continue
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
