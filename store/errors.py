"""Typed errors of the persistence layer.

Callers (screens, domain code) must be able to tell "the data file is damaged, do not touch it"
from "another kiosk session holds the lock" without parsing messages, hence one class per case.
A file that cannot be written (disk full, read-only, permissions) is not one of them: it stays
the ``OSError`` it is, naming the file, and :func:`io_reason` says which of these it was.
"""

from __future__ import annotations

import errno
from pathlib import Path


class StoreError(Exception):
    """Base class of every error raised by ``store``."""


class StoreCorruptError(StoreError):
    """The database file cannot be read or parsed; it was left exactly as it was.

    The message names the file and the last good backup so an operator can restore it by hand.
    """

    def __init__(self, path: Path, backup: Path | None, reason: str) -> None:
        super().__init__(path, backup, reason)
        self.path = path
        self.backup = backup
        self.reason = reason

    def __str__(self) -> str:
        if self.backup is not None:
            where = f"the last good version is kept in {self.backup}"
        else:
            where = "there is no backup of it"
        return (
            f"database file {self.path} is unreadable or corrupt ({self.reason}); "
            f"it was left untouched and {where}"
        )


class StoreVersionError(StoreError):
    """The file's schema version cannot be handled by this program (too new, or no migration)."""


class StorePurposeError(StoreError):
    """The file was made for another purpose (the demo's store opened by a real kiosk, or
    the other way round); it was left untouched."""

    def __init__(self, path: Path, found: str, wanted: str) -> None:
        super().__init__(path, found, wanted)
        self.path, self.found, self.wanted = path, found, wanted

    def __str__(self) -> str:
        return f"{self.path} is a {self.found} store, not a {self.wanted} store"


class StoreLockedError(StoreError):
    """The cross-process lock could not be acquired within the timeout."""


class StoreUnreachable(StoreError):
    """The database cannot be reached (down, restarting, refusing the connection): a store
    on a server, not a file; it may come back by itself."""


class DuplicateError(StoreError):
    """A record with the same unique key already exists."""


#: What :func:`io_reason` can say; the screens and the CLI show ``err.io.<reason>``.
IO_REASONS = ("disk_full", "read_only", "denied", "missing", "other")


def io_reason(exc: OSError) -> str:
    """Why a file could not be read or written, as one of :data:`IO_REASONS`.

    Why here: a full disk, a read-only mount and a permission problem are each fixed by
    someone else in a different way, and the OS's own text (``exc.strerror``) is English
    only; the callers show a translated reason beside the file's name (``exc.filename``).
    """
    reasons = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
               errno.EACCES: "denied", errno.EPERM: "denied", errno.ENOENT: "missing"}
    return reasons.get(exc.errno or 0, "other")
