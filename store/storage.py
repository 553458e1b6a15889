"""The store's tables in memory, and every change to them, once.

TinyDB hands its storage the whole database for every read and write. Here the tables
stay in memory, and each change — made by this process (through :mod:`store.table`), read
from the journal (another process's commit), or undone (a transaction that failed) — goes
through :meth:`MemoryTables.put`, which

* remembers the document as it was before the transaction's first change to it, so a
  failed transaction is undone document by document instead of by re-reading the file;
* remembers which documents the transaction changed, so its commit journals only those;
* patches the field indexes (:mod:`store.index`), so a lookup never rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tinydb.storages import Storage

from store.errors import StoreError
from store.index import FieldIndex

Tables = dict[str, dict[str, Any]]
Doc = dict[str, Any]
_MISSING: Any = object()


class MemoryTables(Storage):
    """The tables of one store, see the module docstring."""

    def __init__(self) -> None:
        self.tables: Tables = {}
        self.in_transaction = False
        #: (table, doc_id) -> document before the transaction touched it (None: absent)
        self._undo: dict[tuple[str, str], Doc | None] = {}
        #: table -> doc_ids the transaction added in bulk (insert_new; absent before)
        self._added: dict[str, dict[str, None]] = {}
        self._indexes: dict[tuple[str, str], FieldIndex] = {}
        self._max_ids: dict[str, int] = {}

    # -- TinyDB's storage interface ----------------------------------------------------
    def read(self) -> Tables:
        return self.tables

    def write(self, data: Tables) -> None:
        raise StoreError("the store's tables change only through store.table.JournaledTable")

    # -- loading -------------------------------------------------------------------------
    def load(self, tables: Tables) -> None:
        """Take ``tables`` as the whole state (a snapshot read); indexes start over."""
        self.tables = tables
        self._undo.clear()
        self._added.clear()
        self._max_ids.clear()
        for index in self._indexes.values():
            index.forget()

    # -- changes -------------------------------------------------------------------------
    def check_writable(self) -> None:
        if not self.in_transaction:
            raise StoreError(
                "database changed outside Store.transaction(); wrap writes in a transaction")

    def put(self, table: str, doc_id: str, doc: Doc | None, *, was: Any = _MISSING,
            drop_empty: bool = True) -> None:
        """Make document ``doc_id`` of ``table`` be ``doc`` (None: removed).

        ``was`` is the document as it was when the caller changed it in place (a copy taken
        before); without it, the one stored now is it. A table left empty goes (a table
        exists only with documents, as in the snapshot) unless ``drop_empty`` is false: the
        caller holds the table's dict and drops it itself."""
        raw = self.tables.get(table)
        old = (raw.get(doc_id) if raw is not None else None) if was is _MISSING else was
        if self.in_transaction and (table, doc_id) not in self._undo:
            self._undo[table, doc_id] = old
        if doc is None:
            if raw is not None:
                raw.pop(doc_id, None)
                if not raw and drop_empty:
                    del self.tables[table]
        else:
            if raw is None:
                raw = self.tables[table] = {}
            raw[doc_id] = doc
            known = self._max_ids.get(table)
            if known is not None and int(doc_id) > known:
                self._max_ids[table] = int(doc_id)
        self._patch(table, doc_id, old, doc)

    def insert_new(self, table: str, doc_ids: list[str], docs: list[Doc]) -> None:
        """Add ``docs`` under ``doc_ids`` that :meth:`next_ids` gave (so absent until now),
        taken over as they are: :meth:`put` for each, at a fraction of its cost per
        document (a 100,000-row batch import adds 200,000)."""
        self.check_writable()
        if not docs:
            return
        raw = self.tables.setdefault(table, {})
        raw.update(zip(doc_ids, docs, strict=True))
        self._added.setdefault(table, {}).update(dict.fromkeys(doc_ids))
        for (name, _field), index in self._indexes.items():
            if name == table and index.built:
                for doc_id, doc in zip(doc_ids, docs, strict=True):
                    index.change(int(doc_id), None, doc)

    def changed(self) -> Iterator[tuple[str, str, Doc | None]]:
        """(table, doc_id, document now) of every document this transaction changed, by
        table and id: a new document has a higher id than any before it, so a process that
        applies them in this order holds each table's documents in the order this one does
        (TinyDB's ``all()`` is in insertion order). Yielded, not listed: a batch import
        changes 200,000 documents."""
        by_table: dict[str, list[tuple[str, str, Doc | None]]] = {}
        for (table, doc_id), old in self._undo.items():
            now = self.tables.get(table, {}).get(doc_id)
            if now != old:
                by_table.setdefault(table, []).append((table, doc_id, now))
        for table in self._added:
            by_table.setdefault(table, [])
        for table, ops in by_table.items():
            ids = self._added.get(table, {})
            raw = self.tables.get(table, {})
            added = ((table, doc_id, raw.get(doc_id)) for doc_id in ids   # ids ascending
                     if (table, doc_id) not in self._undo)
            if ops:
                yield from sorted([*ops, *added], key=lambda op: int(op[1]))
            else:
                yield from added

    def changes(self) -> int:
        """About how many documents this transaction changed (touched, at most)."""
        return len(self._undo) + sum(map(len, self._added.values()))

    def size(self) -> int:
        """How many documents the tables hold."""
        return sum(map(len, self.tables.values()))

    def has_changes(self) -> bool:
        return any(ids for ids in self._added.values()) or any(
            self.tables.get(table, {}).get(doc_id) != old
            for (table, doc_id), old in self._undo.items())

    def keep(self) -> None:
        """The transaction committed: its changes are the state now."""
        self._undo.clear()
        self._added.clear()

    def undo(self) -> None:
        """The transaction failed: every document back as it was, newest change last."""
        undo, self._undo = self._undo, {}
        added, self._added = self._added, {}
        in_tx, self.in_transaction = self.in_transaction, False
        try:
            for (table, doc_id), old in reversed(undo.items()):
                self.put(table, doc_id, old)
            for table, ids in added.items():
                for doc_id in ids:
                    self.put(table, doc_id, None)
        finally:
            self.in_transaction = in_tx

    # -- ids and indexes -----------------------------------------------------------------
    def next_id(self, table: str) -> int:
        """A document id for a new document of ``table``: past every id it ever held here,
        as TinyDB's own rule (one past the highest) at first."""
        known = self._max_ids.get(table)
        if known is None:
            known = max(map(int, self.tables.get(table, ())), default=0)
        self._max_ids[table] = known + 1
        return known + 1

    def forget_next_id(self, table: str) -> None:
        """Documents came in under ids of their own: the next id is found afresh."""
        self._max_ids.pop(table, None)

    def next_ids(self, table: str, count: int) -> range:
        """``count`` document ids for new documents of ``table`` (see :meth:`next_id`)."""
        first = self.next_id(table)
        self._max_ids[table] = first + count - 1
        return range(first, first + count)

    def index(self, table: str, field: str) -> FieldIndex:
        """The index of ``table`` by ``field``, kept up to date from here on."""
        index = self._indexes.get((table, field))
        if index is None:
            index = self._indexes[table, field] = FieldIndex(field)
        if not index.built:
            index.build(self.tables.get(table, {}))
        return index

    def _patch(self, table: str, doc_id: str, old: Doc | None, new: Doc | None) -> None:
        for (name, _field), index in self._indexes.items():
            if name == table and index.built:
                index.change(int(doc_id), old, new)
