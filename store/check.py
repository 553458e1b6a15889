"""``nhi-kiosk db check``: what a store's files hold, read without changing them.

Why a check of its own: opening a store migrates an old file and cuts off a torn journal
tail, both writes; an administrator who suspects a damaged disk wants to look first. The
check reads the snapshot and every journal record (each record's checksum verified) the way
a kiosk opening the store would, and raises what that kiosk would meet (StoreCorruptError
naming the damaged file and where, StoreVersionError), but writes nothing and takes no lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from store.core import Store


@dataclass(frozen=True)
class Report:
    path: Path
    journal: Path
    store_id: str | None    # None: a file from before the journal (migrated on next open)
    snapshot_seq: int       # the last commit the snapshot holds
    seq: int                # the last commit in the journal
    journal_bytes: int
    torn: int               # bytes of an interrupted commit at the journal's end (ignored)
    documents: dict[str, int]   # table -> documents, with every commit applied

    @property
    def records(self) -> int:
        """Commits the journal holds beyond the snapshot."""
        return self.seq - self.snapshot_seq


def check(path: Path | str) -> Report:
    """Read the store at ``path`` whole; raises as :meth:`Store.open` would, OSError if a
    file cannot be read. Writes nothing."""
    store = Store(Path(os.path.realpath(path)), lock_timeout=0)
    store._load()
    head = store._snapshot_head()
    journal_bytes = (store.journal_path.stat().st_size
                     if store._store_id is not None else 0)
    tables = store._memory.tables
    return Report(
        path=store.path, journal=store.journal_path, store_id=store._store_id,
        snapshot_seq=head[1] if head else 0, seq=store.seq, journal_bytes=journal_bytes,
        torn=store._torn,
        documents={name: len(docs) for name, docs in sorted(tables.items())
                   if not name.startswith("_")})
