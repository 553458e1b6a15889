"""A table whose documents are unique by one field, with an O(1) index on it.

Registry people, one-time codes and failure counters all need "get by key" and an atomic
read-modify-write under the store's cross-process lock; this is that, once. The index is
the store's (:mod:`store.index`), patched by every change, whoever made it.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from tinydb import TinyDB

from store.core import Store, indexed_doc
from store.index import FieldIndex

Doc = dict[str, Any]


class KeyedTable:
    def __init__(self, store: Store, table: str, key: str) -> None:
        self._store = store
        self._table_name = table
        self._key = key

    def get(self, key: str) -> Doc | None:
        db = self._store.db()
        doc_id = self._index().get(key)
        return None if doc_id is None else dict(indexed_doc(db.table(self._table_name), doc_id))

    def all(self) -> list[Doc]:
        return [dict(doc) for doc in self._store.db().table(self._table_name).all()]

    def count(self) -> int:
        return len(self._store.db().table(self._table_name))

    def put(self, doc: Doc) -> bool:
        """Insert or replace the document with ``doc[key]``; True when it was new."""
        return self.modify(doc[self._key], lambda _old: dict(doc))

    def get_many(self) -> dict[str, Doc]:
        """Every document by key (one read, for bulk comparisons)."""
        return {doc[self._key]: doc for doc in self.all() if self._key in doc}

    def put_many(self, docs: list[Doc]) -> None:
        """Insert or replace many documents in one transaction (one rewrite of the file)."""
        with self._store.transaction() as db:
            index = self._index()
            table = db.table(self._table_name)
            for doc in docs:
                doc_id = index.get(doc[self._key])
                if doc_id is None:
                    table.insert(dict(doc))
                else:
                    replacement = dict(doc)

                    def replace(old: MutableMapping[str, Any], new: Doc = replacement) -> None:
                        old.clear()
                        old.update(new)

                    table.update(replace, doc_ids=[doc_id])

    def modify(self, key: str, change: Callable[[Doc | None], Doc | None]) -> bool:
        """Atomically replace the document by ``change(old)`` (None deletes, or skips when
        there was none). Returns True when a new document was created."""
        created = self.modify_many([key], lambda docs: {key: change(docs[key])})
        return key in created

    def modify_many(self, keys: list[str],
                    change: Callable[[dict[str, Doc | None]], dict[str, Doc | None]]
                    ) -> set[str]:
        """:meth:`modify` for several keys in one transaction: ``change`` gets every old
        document (None when missing) by key and returns the new ones (None deletes; a key
        left out stays as it was). Returns the keys whose documents were created."""
        with self._store.transaction() as db:
            return self._modify_many(db, keys, change)

    def modify_within(self, key: str, change: Callable[[Doc | None], Doc | None]) -> bool:
        """:meth:`modify` inside a transaction this thread already holds (its commit is
        that transaction's)."""
        db = self._store.db()
        self._store.check_in_transaction("KeyedTable.modify_within()")
        return key in self._modify_many(db, [key], lambda docs: {key: change(docs[key])})

    def _modify_many(self, db: TinyDB, keys: list[str],
                     change: Callable[[dict[str, Doc | None]], dict[str, Doc | None]]
                     ) -> set[str]:
        created: set[str] = set()
        table = db.table(self._table_name)
        index = self._index()
        ids = {key: index.get(key) for key in keys}
        olds = {key: (None if doc_id is None else dict(indexed_doc(table, doc_id)))
                for key, doc_id in ids.items()}
        news = change({key: None if old is None else dict(old)
                       for key, old in olds.items()})
        for key, doc_id in ids.items():
            if key not in news:
                continue
            new = news[key]
            if new is None:
                if doc_id is not None:
                    table.remove(doc_ids=[doc_id])
            elif doc_id is None:
                table.insert({**new, self._key: key})
                created.add(key)
            elif new != olds[key]:
                replacement = {**new, self._key: key}

                def replace(doc: MutableMapping[str, Any], new: Doc = replacement) -> None:
                    doc.clear()     # not a merge: a removed field must go
                    doc.update(new)

                table.update(replace, doc_ids=[doc_id])
        return created

    def _index(self) -> FieldIndex:
        return self._store.index(self._table_name, self._key)
