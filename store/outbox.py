"""The mail outbox: every mail the kiosk ever composed, kept for good.

Records are plain dicts (see :mod:`kiosk.domain.mail` for their fields). This repository
only stores and updates them; it never deletes one, so a delivery failure can never lose
the copy. Each record read back carries its ``id`` (the TinyDB doc_id, increasing with age).

A record's rules (statuses, pending, due) are :mod:`store.mail_records`, shared with the
PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document, Table

from store.core import Store
from store.mail_records import (
    FAILED,
    QUEUED,
    SENT,
    STATUSES,
    adopt_record,
    failed,
    is_pending,
    later_than,
    new_record,
    sent,
    without_params,
)

__all__ = ["FAILED", "QUEUED", "SENT", "STATUSES", "Outbox", "adopt_record", "new_record"]


class Outbox:
    """Mail records in the table ``outbox``; writes go through ``store.transaction()``."""

    TABLE = "outbox"

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reads ---------------------------------------------------------------------------

    def get(self, mail_id: int) -> dict[str, Any] | None:
        """The mail with this id (including ``id``), or None."""
        doc = self._table(self._store.db()).get(doc_id=int(mail_id))
        return _with_id(doc) if doc is not None else None

    def mails(self, limit: int | None = None, newest_first: bool = True) -> list[dict[str, Any]]:
        """Mails in creation order (newest first by default), at most ``limit`` of them."""
        docs = sorted(self._table(self._store.db()).all(), key=lambda d: d.doc_id,
                      reverse=newest_first)
        if limit is not None:
            docs = docs[: max(limit, 0)]
        return [_with_id(d) for d in docs]

    def pending(self) -> list[dict[str, Any]]:
        """Mails still to deliver: queued, or failed but retryable; oldest first.

        Whether a retry is already due (``next_attempt_at``) is for the caller to decide.
        """
        return [m for m in self.mails(newest_first=False) if is_pending(m)]

    def count(self) -> int:
        return len(self._table(self._store.db()))

    # -- writes --------------------------------------------------------------------------

    def add(self, mail: Mapping[str, Any]) -> int:
        """Store a new mail; return its id. Fills ``status`` queued and ``attempts`` 0."""
        record = new_record(mail)
        with self._store.transaction() as db:
            return self._table(db).insert(record)

    def claim(self, mail_id: int, at: str, until: str) -> dict[str, Any] | None:
        """Reserve a pending mail that is due at ``at`` for one delivery attempt until
        ``until``; return its current record, or None.

        None if it is not pending any more, its retry is not due, or another process holds
        an unexpired claim, so two kiosk processes delivering at once never send the same
        mail twice.
        """
        with self._store.transaction() as db:
            table = self._table(db)
            doc = table.get(doc_id=int(mail_id))
            if doc is None or not is_pending(doc):
                return None
            if later_than(doc, at):
                return None
            table.update({"claimed_until": until}, doc_ids=[int(mail_id)])
            return {"id": doc.doc_id, **doc, "claimed_until": until}

    @property
    def store(self) -> Store:
        return self._store

    def mark_sent(self, mail_id: int, at: str, *, forget: tuple[str, ...] = ()) -> None:
        """Record a successful delivery at ``at``, dropping the ``forget`` parameters of a
        deferred mail (what only had to live until it was sent). KeyError if there is no
        such mail. What is dropped leaves the disk soon (Store.erase_soon)."""
        self._update(mail_id, lambda doc: sent(doc, at, forget), erases=bool(forget))

    def mark_attempt_failed(self, mail_id: int, at: str, error: str, final: bool,
                            *, next_attempt_at: str | None = None) -> None:
        """Record a failed attempt: ``final`` gives up, otherwise retry at ``next_attempt_at``
        (None: at once). The record itself always stays."""
        self._update(mail_id, lambda doc: failed(doc, at, error, final, next_attempt_at))

    def forget(self, where: Callable[[dict[str, Any]], bool], names: tuple[str, ...]) -> int:
        """Drop the ``names`` parameters of every mail ``where`` accepts, in one
        transaction; how many mails changed."""
        changed = 0
        with self._store.transaction() as db:
            table = self._table(db)
            for doc in table.all():
                params = doc.get("params")
                if isinstance(params, dict) and any(n in params for n in names) and where(doc):
                    table.update(without_params(doc, names), doc_ids=[doc.doc_id])
                    changed += 1
            if changed:
                self._store.erase_soon()
        return changed

    # -- helpers -------------------------------------------------------------------------

    def _table(self, db: TinyDB) -> Table:
        return db.table(self.TABLE)

    def _update(self, mail_id: int, changes: Any, *, erases: bool = False) -> None:
        with self._store.transaction() as db:
            table = self._table(db)
            doc = table.get(doc_id=int(mail_id))
            if doc is not None:
                table.update(changes(doc), doc_ids=[int(mail_id)])
                if erases:
                    self._store.erase_soon()
        if doc is None:  # raised outside: an exception would force a full reload
            raise KeyError(mail_id)


def _with_id(doc: Document) -> dict[str, Any]:
    return {"id": doc.doc_id, **doc}
