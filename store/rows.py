"""Rows (store/api.py) over one TinyDB table: documents by the id the store gave them.

For what is written once and read whole — the audit log, a one-off scrub of old records —
where no field is a key. Writes only inside the store's transaction, as everything else.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from tinydb.table import Table

if TYPE_CHECKING:
    from store.core import Store

Doc = dict[str, Any]


class RowTable:
    def __init__(self, store: Store, table: str) -> None:
        self._store = store
        self._name = table

    def all(self) -> list[tuple[int, Doc]]:
        """Every row in the order written (id order)."""
        return [(doc.doc_id, dict(doc)) for doc in self._table().all()]

    def get(self, row_id: int) -> Doc | None:
        doc = self._table().get(doc_id=row_id)
        return None if doc is None else dict(doc)

    def insert(self, doc: Doc) -> int:
        self._store.check_in_transaction("Rows.insert()")
        return self._table().insert(dict(doc))

    def replace(self, row_id: int, doc: Doc) -> None:
        self._store.check_in_transaction("Rows.replace()")
        new = dict(doc)

        def replace(old: MutableMapping[str, Any]) -> None:
            old.clear()
            old.update(new)

        if not self._table().update(replace, doc_ids=[row_id]):
            raise KeyError(row_id)

    def remove(self, row_id: int) -> None:
        self._store.check_in_transaction("Rows.remove()")
        self._table().remove(doc_ids=[row_id])

    def _table(self) -> Table:
        return self._store.db().table(self._name)
