"""TinyDB storage that keeps the tables in memory and touches the file only when needed.

TinyDB calls ``read()`` for every query and ``write()`` for every change, with the *whole*
database. Parsing or serialising the file each time would be far too slow at 100,000 accounts,
and writing outside the cross-process lock would lose other processes' updates. So ``read()``
serves the in-memory dict, ``refresh()`` re-parses the file only when its signature changed,
and ``write()`` merely marks the state dirty; :class:`store.Store` commits once per transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from store import _fs
from store.errors import StoreError

Tables = dict[str, dict[str, Any]]


class CachedJSONStorage(Storage):
    """In-memory tables backed by one JSON file; see the module docstring."""

    def __init__(
        self,
        path: Path,
        decode: Callable[[bytes], Tables],
        on_reload: Callable[[], None],
    ) -> None:
        self.path = path
        self._decode = decode
        self._on_reload = on_reload
        self.tables: Tables = {}
        #: Signature of the version ``tables`` came from; ``None`` forces the next refresh.
        self.signature: _fs.Signature | None = None
        self.in_transaction = False
        self.dirty = False

    def read(self) -> Tables:
        return self.tables

    def write(self, data: Tables) -> None:
        if not self.in_transaction:
            # TinyDB has already mutated the in-memory dict before calling us: force a reload so
            # that half-applied change can never be committed later.
            self.signature = None
            raise StoreError(
                "database changed outside Store.transaction(); wrap writes in a transaction"
            )
        self.tables = data
        self.dirty = True

    def refresh(self, *, force: bool = False) -> bool:
        """Reload from disk if the file changed (or ``force``). Returns whether it reloaded.

        Raises ``OSError`` if the file cannot be read and whatever ``decode`` raises; in both
        cases the in-memory state is left as it was.
        """
        signature, raw = _fs.read_if_changed(self.path, None if force else self.signature)
        if raw is None:
            return False
        self.tables = self._decode(raw)
        self.signature = signature
        self._on_reload()
        return True

    def committed(self, tables: Tables, signature: _fs.Signature) -> None:
        """Record that ``tables`` is now what the file holds."""
        self.tables = tables
        self.signature = signature
        self.dirty = False
