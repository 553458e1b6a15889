"""Repositories: the only persistence API the rest of the kiosk sees.

They hide TinyDB and keep in-memory indexes (ID number -> doc_id, card number -> doc_id) so
lookups are O(1) even with 100,000 accounts. An index is rebuilt whenever the store's
generation moved (another process committed, or a transaction was rolled back) and is
patched in place for this repository's own writes, so a registration does not cost a rebuild.
"""

from __future__ import annotations

from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from store.core import Store, indexed_doc, raw_table
from store.errors import DuplicateError

__all__ = ["Accounts", "DuplicateError"]


class Accounts:
    """Patient accounts, unique by ``id_no`` (national ID number), looked up by card too."""

    TABLE = "accounts"

    def __init__(self, store: Store) -> None:
        self._store = store
        self._generation = -1  # store generation the indexes describe
        self._by_id: dict[str, int] = {}
        self._by_card: dict[str, int] = {}

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
        id_no, card_no = account["id_no"], account["card_no"]
        with self._store.transaction() as db:
            self._sync(db)
            generation = self._store.generation
            if id_no in self._by_id:
                doc_id = None  # raise outside: an exception would force a full reload
            else:
                doc_id = self._table(db).insert(dict(account))
                self._by_id[id_no] = doc_id
                self._by_card[card_no] = doc_id
        if doc_id is None:
            raise DuplicateError(f"an account with ID number {id_no!r} already exists")
        self._adopt(generation + 1)
        return doc_id

    def update(self, id_no: str, changes: dict[str, Any]) -> None:
        """Apply ``changes`` to the account ``id_no``.

        Raises KeyError if there is none, DuplicateError if ``changes`` moves it onto
        another account's ID number.
        """
        problem: Exception | None = None
        card_changed = False
        with self._store.transaction() as db:
            self._sync(db)
            generation = self._store.generation
            doc_id = self._by_id.get(id_no)
            new_id = changes.get("id_no", id_no)
            if doc_id is None:
                problem = KeyError(id_no)
            elif new_id != id_no and new_id in self._by_id:
                problem = DuplicateError(f"an account with ID number {new_id!r} already exists")
            else:
                table = self._table(db)
                old_card = indexed_doc(table, doc_id)["card_no"]
                table.update(dict(changes), doc_ids=[doc_id])
                if new_id != id_no:
                    del self._by_id[id_no]
                    self._by_id[new_id] = doc_id
                # Another account may share the old card number: simplest is a rebuild.
                card_changed = changes.get("card_no", old_card) != old_card
        if problem is not None:
            raise problem
        self._adopt(generation + 1)
        if card_changed:
            self._generation = -1

    def modify(self, id_no: str, change: Any) -> dict[str, Any]:
        """Atomically apply ``change(account) -> changes`` (read and write under one lock,
        so two kiosks counting failed logins never lose a count). Returns the new account.

        Raises KeyError if there is no such account.
        """
        with self._store.transaction() as db:
            self._sync(db)
            doc_id = self._by_id.get(id_no)
            if doc_id is not None:
                table = self._table(db)
                changes = change(dict(indexed_doc(table, doc_id)))
                if changes:
                    table.update(dict(changes), doc_ids=[doc_id])
                updated = dict(indexed_doc(table, doc_id))
        self._generation = -1
        if doc_id is None:
            raise KeyError(id_no)
        return updated

    def remove(self, id_no: str) -> None:
        """Delete the account ``id_no`` (a cancelled pending registration); no-op if absent."""
        with self._store.transaction() as db:
            self._sync(db)
            doc_id = self._by_id.get(id_no)
            if doc_id is not None:
                self._table(db).remove(doc_ids=[doc_id])
        self._generation = -1

    # -- indexes -------------------------------------------------------------------------

    def _table(self, db: TinyDB) -> Table:
        return db.table(self.TABLE)

    def _lookup(self, field: str, key: str) -> dict[str, Any] | None:
        db = self._store.db()
        self._sync(db)  # may replace the index dicts, so pick one only afterwards
        index = self._by_id if field == "id_no" else self._by_card
        doc_id = index.get(key)
        if doc_id is None:
            return None
        return self._table(db).get(doc_id=doc_id)

    def _sync(self, db: TinyDB) -> None:
        """Rebuild the indexes if the data changed since they were built."""
        if self._generation == self._store.generation:
            return
        by_id: dict[str, int] = {}
        by_card: dict[str, int] = {}
        for key, doc in raw_table(db, self.TABLE).items():
            doc_id = int(key)
            if "id_no" in doc:
                by_id[doc["id_no"]] = doc_id
            if "card_no" in doc:
                by_card[doc["card_no"]] = doc_id
        self._by_id, self._by_card = by_id, by_card
        self._generation = self._store.generation

    def _adopt(self, expected: int) -> None:
        """Keep the patched indexes only if our commit was the sole change since the sync."""
        if self._store.generation != expected:
            self._generation = -1
        else:
            self._generation = expected
