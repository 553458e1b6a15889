"""An in-memory index of one table by one field: value -> the documents holding it.

Built once from the table, then patched with every change the store applies — its own
commits, another process's read from the journal, a transaction undone — so a lookup after
another kiosk's commit costs the commit's documents, not the table's. Only text and numbers
are indexed: a field left empty (None, as a batch-registered account's card number) would
otherwise put every such document under one value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _key(value: Any) -> Any:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


class FieldIndex:
    def __init__(self, field: str) -> None:
        self.field = field
        self.built = False
        #: value -> doc id, or the set of doc ids when several documents share the value
        self._ids: dict[Any, int | set[int]] = {}

    def forget(self) -> None:
        self.built = False
        self._ids = {}

    def build(self, raw: Mapping[str, Mapping[str, Any]]) -> None:
        self._ids = {}
        for doc_id, doc in raw.items():
            self._add(_key(doc.get(self.field)), int(doc_id))
        self.built = True

    def get(self, value: Any) -> int | None:
        """The document holding ``value``; of several, the newest (highest id)."""
        found = self._ids.get(value)
        if isinstance(found, set):
            return max(found)
        return found

    def __contains__(self, value: Any) -> bool:
        return value in self._ids

    def change(self, doc_id: int, old: Mapping[str, Any] | None,
               new: Mapping[str, Any] | None) -> None:
        before = _key(old.get(self.field)) if old is not None else None
        after = _key(new.get(self.field)) if new is not None else None
        if before == after:
            return
        self._remove(before, doc_id)
        self._add(after, doc_id)

    def _add(self, value: Any, doc_id: int) -> None:
        if value is None:
            return
        found = self._ids.get(value)
        if found is None or found == doc_id:
            self._ids[value] = doc_id
        elif isinstance(found, set):
            found.add(doc_id)
        else:
            self._ids[value] = {found, doc_id}

    def _remove(self, value: Any, doc_id: int) -> None:
        if value is None:
            return
        found = self._ids.get(value)
        if found == doc_id:
            del self._ids[value]
        elif isinstance(found, set):
            found.discard(doc_id)
            if len(found) == 1:
                self._ids[value] = next(iter(found))
