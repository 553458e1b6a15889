"""TinyDB tables whose writes cost the documents they change, not the table.

TinyDB's own ``Table._update_table`` copies the whole table twice per write (to convert its
keys to ints and back) and hands the storage the whole database: at 500,000 accounts that
was most of a registration's cost. :class:`JournaledTable` gives TinyDB's updaters a view
of the stored table instead, which records every document they replace, remove or only
look at (and may change in place, a copy of it kept to compare) in
:class:`store.storage.MemoryTables`.

Documents cross the table's edge as copies, nested values included (:func:`copy_doc`): a
caller that appends to a list it read, or keeps changing a dict it wrote, would otherwise
change the stored document behind the journal's back — in memory only, and silently lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, cast

import orjson
from tinydb import TinyDB
from tinydb.table import Document, Table

from store.storage import MemoryTables

Doc = dict[str, Any]


def copy_doc(doc: Mapping[str, Any]) -> Doc:
    """A deep copy of a JSON document (orjson: several times faster than copy.deepcopy)."""
    copied: Doc = orjson.loads(orjson.dumps(doc))
    return copied


class CopiedDocument(Document):
    """What a read returns: a document of its own, nested values included."""

    def __init__(self, value: Mapping[str, Any], doc_id: int) -> None:
        super().__init__(copy_doc(value), doc_id)


class _View(MutableMapping[int, Doc]):
    """One table as TinyDB's updaters want it (int keys), over the stored dict."""

    def __init__(self, raw: dict[str, Doc]) -> None:
        self._raw = raw
        self.before: dict[str, Doc | None] = {}   # doc_id -> as it was (a copy if looked at)

    def __getitem__(self, doc_id: int) -> Doc:
        key = str(doc_id)
        doc = self._raw[key]
        if key not in self.before:
            self.before[key] = copy_doc(doc)   # the updater may change it in place
        return doc

    def __setitem__(self, doc_id: int, doc: Doc) -> None:
        key = str(doc_id)
        if key not in self.before:
            self.before[key] = self._raw.get(key)
        self._raw[key] = copy_doc(doc)

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        if key not in self.before:
            self.before[key] = self._raw[key]
        del self._raw[key]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class JournaledTable(Table):
    document_class = CopiedDocument

    @property
    def _memory(self) -> MemoryTables:
        return cast(MemoryTables, self._storage)

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        memory = self._memory
        memory.check_writable()          # before anything changed
        raw = memory.tables.setdefault(self.name, {})
        view = _View(raw)
        try:
            updater(cast(dict[int, Mapping[Any, Any]], view))
        finally:
            for key, was in view.before.items():
                now = raw.get(key)
                if now is not None and was is not None and now != was:
                    now = raw[key] = copy_doc(now)   # changed in place: share nothing
                if now is not None or was is not None:
                    memory.put(self.name, key, now, was=was, drop_empty=False)
            if not raw and memory.tables.get(self.name) is raw:
                del memory.tables[self.name]     # a table exists only with documents
            self.clear_cache()

    def _get_next_id(self) -> int:
        return self._memory.next_id(self.name)


class JournaledTinyDB(TinyDB):
    table_class = JournaledTable

    def drop_table(self, name: str) -> None:
        if name in (self.storage.read() or {}):
            self.table(name).truncate()
        self._tables.pop(name, None)

    def drop_tables(self) -> None:
        for name in list(self.storage.read() or {}):
            self.drop_table(name)
        self._tables.clear()
