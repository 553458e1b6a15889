"""The repositories of store/api.py on PostgreSQL tables (store/pg/schema.py): keyed tables,
rows, accounts, the outbox, and the bulk insert of a batch import.

Each write runs in the caller's transaction, or opens one of its own (PgStore.transaction,
exclusive across processes; a single insert is PgStore.write_alone, one round trip); a row
it reads to change is selected ``FOR UPDATE``. A document
is a row of its table's columns and ``extra``, and back, through the table's codec
(store/pg/codec.py); what a read returns is a fresh object (the caller may change it).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from psycopg import errors as pg_errors

from store.errors import DuplicateError
from store.mail_records import (
    failed,
    is_pending,
    later_than,
    new_pairs,
    new_record,
    sent,
    without_params,
)
from store.pg.codec import quoted
from store.pg.schema import ANNOUNCED, COLLECTIONS, Collection

if TYPE_CHECKING:
    from store.pg.store import PgStore

Doc = dict[str, Any]


class _Table:
    def __init__(self, store: PgStore, collection: Collection) -> None:
        self._store = store
        self._c = collection
        self._t = collection.table
        self._codec = collection.codec
        self._cols = collection.codec.sql_columns
        self._places = ", ".join(["%s"] * (len(collection.codec.names) + 1))
        self._keycol = quoted(collection.key) if collection.key else ""
        self._sets = ", ".join(f"{quoted(name)} = %s"
                               for name in (*collection.codec.names, "extra"))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The caller's transaction, or one of this write's own."""
        if self._store.current() is not None:
            yield
        else:
            with self._store.transaction():
                yield

    def _written(self) -> None:
        if self._c.name in ANNOUNCED:
            self._store.changed(self._c.name)

    def _insert(self, doc: Doc) -> int:
        row = self._try_insert(doc, "")
        assert row is not None   # without ON CONFLICT an insert returns its id, or raises
        return row

    def _insert_new_key(self, doc: Doc) -> int | None:
        """The new row's id, or None (nothing written) when another row has the
        document's key: the check and the insert in one statement, one round trip."""
        return self._try_insert(doc, f" ON CONFLICT ({self._keycol}) DO NOTHING")

    def _try_insert(self, doc: Doc, conflict: str) -> int | None:
        """In the caller's transaction, or as one of its own in one round trip."""
        rows = self._store.write_alone(
            f"INSERT INTO {self._t} ({self._cols}) VALUES ({self._places}){conflict} "
            "RETURNING id", self._codec.row(doc),
            changed=self._c.name if self._c.name in ANNOUNCED else None)
        return int(rows[0][0]) if rows else None

    def _replace(self, row_id: int, doc: Doc) -> bool:
        rows = self._store.execute(f"UPDATE {self._t} SET {self._sets} WHERE id = %s "
                                   "RETURNING id",
                                   [*self._codec.row(doc), row_id], write=True)
        self._written()
        return bool(rows)

    def _delete(self, row_id: int) -> None:
        self._store.execute(f"DELETE FROM {self._t} WHERE id = %s", (row_id,), write=True)
        self._written()

    def count(self) -> int:
        row = self._store.fetchone(f"SELECT count(*) FROM {self._t}")
        return int(row[0]) if row else 0

    def _one(self, where: str, value: Any) -> Doc | None:
        found = self._docs(where, (value,))
        return found[0][1] if found else None

    def _docs(self, where: str = "", params: Iterable[Any] = (), *, lock: bool = False
              ) -> list[tuple[int, Doc]]:
        sql = f"SELECT id, {self._cols} FROM {self._t} {where} ORDER BY id"
        return [(int(row[0]), self._codec.doc(row[1:])) for row in self._store.execute(
            sql + (" FOR UPDATE" if lock else ""), params)]

    def _sql(self, sql: str) -> str:
        """``sql`` with ``{key}`` as the key's column."""
        return sql.replace("{key}", self._keycol)


class PgRows(_Table):
    """Documents by the id the store gave them."""

    def all(self) -> list[tuple[int, Doc]]:
        return self._docs()

    def get(self, row_id: int) -> Doc | None:
        return self._one("WHERE id = %s", int(row_id))

    def insert(self, doc: Doc) -> int:
        self._store.check_in_transaction("Rows.insert()")
        return self._insert(dict(doc))

    def replace(self, row_id: int, doc: Doc) -> None:
        self._store.check_in_transaction("Rows.replace()")
        if not self._replace(int(row_id), dict(doc)):
            raise KeyError(row_id)

    def remove(self, row_id: int) -> None:
        self._store.check_in_transaction("Rows.remove()")
        self._delete(int(row_id))

    def load(self, rows: list[tuple[int, Doc]]) -> None:
        """Insert documents under ids of their own; later inserts go on after them."""
        if not rows:
            return
        self._store.executemany(
            f"INSERT INTO {self._t} (id, {self._cols}) OVERRIDING SYSTEM VALUE "
            f"VALUES (%s, {self._places})",
            [(row_id, *self._codec.row(doc)) for row_id, doc in rows])
        self._store.execute(f"SELECT setval(pg_get_serial_sequence('{self._t}', 'id'), "
                            f"(SELECT max(id) FROM {self._t}))", write=True)
        self._written()


class _Documents(_Table):
    """A table read as its documents, in the order written."""

    def all(self) -> list[Doc]:
        return [doc for _id, doc in self._docs()]


class PgKeyed(_Documents):
    """Documents unique by one field, its value the ``key`` column."""

    def __init__(self, store: PgStore, collection: Collection, key: str) -> None:
        super().__init__(store, collection)
        self._key = key

    def get(self, key: str) -> Doc | None:
        return self._one(self._sql("WHERE {key} = %s"), key)

    def get_many(self) -> dict[str, Doc]:
        return {doc[self._key]: doc for doc in self.all() if self._key in doc}

    def put(self, doc: Doc) -> bool:
        return self.modify(doc[self._key], lambda _old: dict(doc))

    def put_many(self, docs: list[Doc]) -> None:
        with self._writing():
            for doc in docs:
                self._modify_many([doc[self._key]], _replacing(doc[self._key], doc))

    def modify(self, key: str, change: Callable[[Doc | None], Doc | None]) -> bool:
        return key in self.modify_many([key], lambda docs: {key: change(docs[key])})

    def modify_many(self, keys: list[str],
                    change: Callable[[dict[str, Doc | None]], dict[str, Doc | None]]
                    ) -> set[str]:
        with self._writing():
            return self._modify_many(keys, change)

    def modify_within(self, key: str, change: Callable[[Doc | None], Doc | None]) -> bool:
        self._store.check_in_transaction("KeyedTable.modify_within()")
        return key in self._modify_many([key], lambda docs: {key: change(docs[key])})

    def _modify_many(self, keys: list[str],
                     change: Callable[[dict[str, Doc | None]], dict[str, Doc | None]]
                     ) -> set[str]:
        found = {doc[self._key]: (row, doc) for row, doc in
                 self._docs(self._sql("WHERE {key} = ANY(%s)"), (list(keys),), lock=True)}
        olds: dict[str, Doc | None] = {k: found[k][1] if k in found else None for k in keys}
        news = change({k: None if old is None else _copy(old) for k, old in olds.items()})
        created: set[str] = set()
        for key in keys:
            if key not in news:
                continue
            new, old = news[key], olds[key]
            if new is None:
                if key in found:
                    self._delete(found[key][0])
            elif old is None:
                self._insert({**new, self._key: key})
                created.add(key)
            elif new != old:
                self._replace(found[key][0], {**new, self._key: key})
        return created


class PgAccounts(_Documents):
    """Accounts, unique by ``id_no`` (the key column) and by ``card_no`` where set."""

    def get_by_id(self, id_no: str) -> Doc | None:
        return self._one(self._sql("WHERE {key} = %s"), id_no)

    def get_by_card(self, card_no: str) -> Doc | None:
        return self._one('WHERE "card_no" = %s', card_no)

    def add(self, account: Doc) -> int:
        """Insert ``account``; DuplicateError if its ID number (or card number) is taken.
        Outside a transaction, one round trip: the check is the insert's own."""
        with self._unique(account):
            row = self._insert_new_key(dict(account))
            if row is None:
                raise DuplicateError(
                    f"an account with ID number {account['id_no']!r} already exists")
            return row

    def update(self, id_no: str, changes: Doc) -> None:
        with self._unique(changes), self._writing():
            row, doc = self._locked(id_no)
            new_id = changes.get("id_no", id_no)
            if new_id != id_no and self._docs(self._sql("WHERE {key} = %s"), (new_id,)):
                raise DuplicateError(f"an account with ID number {new_id!r} already exists")
            self._replace(row, {**doc, **changes})

    def modify(self, id_no: str, change: Any) -> Doc:
        with self._unique({}), self._writing():
            row, doc = self._locked(id_no)
            changes = change(_copy(doc))
            if changes:
                doc = {**doc, **changes}
                self._replace(row, doc)
            return _copy(doc)

    def remove(self, id_no: str) -> None:
        with self._writing():
            for row, _doc in self._docs(self._sql("WHERE {key} = %s"), (id_no,), lock=True):
                self._delete(row)

    def _locked(self, id_no: str) -> tuple[int, Doc]:
        found = self._docs(self._sql("WHERE {key} = %s"), (id_no,), lock=True)
        if not found:
            raise KeyError(id_no)
        return found[0]

    @contextlib.contextmanager
    def _unique(self, doc: Mapping[str, Any]) -> Iterator[None]:
        """A unique column taken already (the card number of another account) is a
        DuplicateError, its transaction undone."""
        try:
            yield
        except pg_errors.UniqueViolation as exc:
            raise DuplicateError(f"another account already has this value: "
                                 f"{exc.diag.constraint_name}") from None


class PgOutbox(_Table):
    """Every mail ever composed, by id; records follow store.mail_records."""

    @property
    def store(self) -> PgStore:
        return self._store

    def get(self, mail_id: int) -> Doc | None:
        found = self._docs("WHERE id = %s", (int(mail_id),))
        return _with_id(*found[0]) if found else None

    def mails(self, limit: int | None = None, newest_first: bool = True) -> list[Doc]:
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT id, {self._cols} FROM {self._t} ORDER BY id {order}"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT %s"
            params.append(max(limit, 0))
        return [_with_id(int(row[0]), self._codec.doc(row[1:]))
                for row in self._store.execute(sql, params)]

    def pending(self) -> list[Doc]:
        found = self._docs("WHERE status IN ('queued', 'failed')")
        return [_with_id(i, d) for i, d in found if is_pending(d)]

    def add(self, mail: Mapping[str, Any]) -> int:
        return self._insert(new_record(mail))

    def claim(self, mail_id: int, at: str, until: str) -> Doc | None:
        with self._writing():
            found = self._docs("WHERE id = %s", (int(mail_id),), lock=True)
            if not found or not is_pending(found[0][1]) or later_than(found[0][1], at):
                return None
            row, doc = found[0]
            doc["claimed_until"] = until
            self._replace(row, doc)
            return _with_id(row, doc)

    def mark_sent(self, mail_id: int, at: str, *, forget: tuple[str, ...] = ()) -> None:
        self._update(mail_id, lambda doc: sent(doc, at, forget), erases=bool(forget))

    def mark_attempt_failed(self, mail_id: int, at: str, error: str, final: bool,
                            *, next_attempt_at: str | None = None) -> None:
        self._update(mail_id, lambda doc: failed(doc, at, error, final, next_attempt_at))

    def forget(self, where: Callable[[Doc], bool], names: tuple[str, ...]) -> int:
        changed = 0
        with self._writing():
            for row, doc in self._docs(lock=True):
                params = doc.get("params")
                if isinstance(params, dict) and any(n in params for n in names) and where(doc):
                    self._replace(row, {**doc, **without_params(doc, names)})
                    changed += 1
            if changed:
                self._store.erase_soon()
        return changed

    def _update(self, mail_id: int, changes: Callable[[Doc], Doc], *,
                erases: bool = False) -> None:
        with self._writing():
            found = self._docs("WHERE id = %s", (int(mail_id),), lock=True)
            if not found:
                raise KeyError(mail_id)
            row, doc = found[0]
            self._replace(row, {**doc, **changes(doc)})
            if erases:
                self._store.erase_soon()


def add_new_accounts(store: PgStore, pairs: Iterable[tuple[Doc, Doc]], *,
                     then: Callable[[list[str]], None] | None = None) -> list[str]:
    """Insert each (account, mail) whose ``id_no`` is new, in one transaction with what
    ``then(added)`` writes; the ID numbers added (store/api.py)."""
    accounts = PgAccounts(store, COLLECTIONS["accounts"])
    outbox = PgOutbox(store, COLLECTIONS["outbox"])
    with store.transaction():
        pairs = list(pairs)
        wanted = [account["id_no"] for account, _mail in pairs]
        known = {key for (key,) in store.execute(
            f'SELECT "id_no" FROM {accounts._t} WHERE "id_no" = ANY(%s)', (wanted,))}
        new_accounts, new_mails, added = new_pairs(pairs, known)
        if new_accounts:
            for table, docs in ((accounts, new_accounts), (outbox, new_mails)):
                store.executemany(f"INSERT INTO {table._t} ({table._cols}) "
                                  f"VALUES ({table._places})",
                                  [tuple(table._codec.row(doc)) for doc in docs])
            accounts._written()
            outbox._written()
        if then is not None:
            then(added)
    return added


def _replacing(key: str, doc: Doc) -> Callable[[dict[str, Doc | None]], dict[str, Doc | None]]:
    return lambda _old: {key: dict(doc)}


def _copy(doc: Doc) -> Doc:
    """A deep copy of a JSON document (the caller may change what it gets)."""
    return copy.deepcopy(doc)


def _with_id(row: int, doc: Doc) -> Doc:
    return {"id": row, **doc}
