"""Repositories: the only persistence API the rest of the kiosk sees.

They hide TinyDB and look accounts up through the store's field indexes (ID number ->
doc_id, card number -> doc_id, :mod:`store.index`), so lookups are O(1) even with a
million accounts, and stay so after another process's commit: the store patches the
indexes from the journal records it reads.
"""

from __future__ import annotations

from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from store.core import Store, indexed_doc
from store.errors import DuplicateError
from store.index import FieldIndex

__all__ = ["Accounts", "DuplicateError"]


class Accounts:
    """Patient accounts, unique by ``id_no`` (national ID number), looked up by card too."""

    TABLE = "accounts"

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reads ---------------------------------------------------------------------------

    def get_by_id(self, id_no: str) -> dict[str, Any] | None:
        """The account with this ID number, or None."""
        return self._lookup("id_no", id_no)

    def get_by_card(self, card_no: str) -> dict[str, Any] | None:
        """The account holding this NHI card number, or None."""
        return self._lookup("card_no", card_no)

    def all(self) -> list[dict[str, Any]]:
        """Every account, in insertion order."""
        return list(self._table(self._store.db()).all())

    def count(self) -> int:
        """Number of accounts."""
        return len(self._table(self._store.db()))

    # -- writes --------------------------------------------------------------------------

    def add(self, account: dict[str, Any]) -> int:
        """Insert ``account`` (needs ``id_no`` and ``card_no``); return its doc_id.

        Raises DuplicateError if the ID number exists, checked under the cross-process lock.
        """
        id_no = account["id_no"]
        with self._store.transaction() as db:
            if id_no in self._ids():
                doc_id = None  # raise outside: nothing to undo
            else:
                doc_id = self._table(db).insert(dict(account))
        if doc_id is None:
            raise DuplicateError(f"an account with ID number {id_no!r} already exists")
        return doc_id

    def update(self, id_no: str, changes: dict[str, Any]) -> None:
        """Apply ``changes`` to the account ``id_no``.

        Raises KeyError if there is none, DuplicateError if ``changes`` moves it onto
        another account's ID number.
        """
        problem: Exception | None = None
        with self._store.transaction() as db:
            ids = self._ids()
            doc_id = ids.get(id_no)
            new_id = changes.get("id_no", id_no)
            if doc_id is None:
                problem = KeyError(id_no)
            elif new_id != id_no and new_id in ids:
                problem = DuplicateError(f"an account with ID number {new_id!r} already exists")
            else:
                self._table(db).update(dict(changes), doc_ids=[doc_id])
        if problem is not None:
            raise problem

    def modify(self, id_no: str, change: Any) -> dict[str, Any]:
        """Atomically apply ``change(account) -> changes`` (read and write under one lock,
        so two kiosks counting failed logins never lose a count). Returns the new account.

        Raises KeyError if there is no such account.
        """
        with self._store.transaction() as db:
            doc_id = self._ids().get(id_no)
            if doc_id is not None:
                table = self._table(db)
                changes = change(dict(indexed_doc(table, doc_id)))
                if changes:
                    table.update(dict(changes), doc_ids=[doc_id])
                updated = dict(indexed_doc(table, doc_id))
        if doc_id is None:
            raise KeyError(id_no)
        return updated

    def remove(self, id_no: str) -> None:
        """Delete the account ``id_no`` (a cancelled pending registration); no-op if absent."""
        with self._store.transaction() as db:
            doc_id = self._ids().get(id_no)
            if doc_id is not None:
                self._table(db).remove(doc_ids=[doc_id])

    # -- indexes -------------------------------------------------------------------------

    def _table(self, db: TinyDB) -> Table:
        return db.table(self.TABLE)

    def _ids(self) -> FieldIndex:
        return self._store.index(self.TABLE, "id_no")

    def _lookup(self, field: str, key: str) -> dict[str, Any] | None:
        db = self._store.db()   # caught up first: the index then describes the tables
        doc_id = self._store.index(self.TABLE, field).get(key)
        if doc_id is None:
            return None
        return self._table(db).get(doc_id=doc_id)
