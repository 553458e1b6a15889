"""The Store: one TinyDB file shared safely by several kiosk processes (SSH sessions).

Every change happens in :meth:`Store.transaction`, which holds an exclusive lock on
``<db>.lock``, reloads the file if another process changed it, and commits atomically at the
end, so concurrent read-modify-write cycles never lose an update. A damaged file or one written
by a newer program is never overwritten: the store refuses to work with it instead.

The path is resolved once, when the store opens: a store path that is a symbolic link means
the file it points to, and the lock, the backup, the temp files and the files kept beside
the store (docs/store-files.md) all sit beside that real file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
from tinydb import TinyDB
from tinydb.table import Document, Table

from store import _fs
from store._lock import FileLock, LockTimeout
from store.errors import (
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StorePurposeError,
    StoreVersionError,
)
from store.storage import CachedJSONStorage, Tables

META_TABLE = "_meta"
_META_DOC = "1"
KIOSK, DEMO = "kiosk", "demo"   # what a store file was made for (Store.purpose)
#: Documents per piece of the encoded file (see :func:`encode`).
CHUNK_DOCS = 1000


class Store:
    """A database file plus its lock and backup; create instances with :meth:`open`.

    Read through :meth:`db` (it reloads if another process committed), write only inside
    :meth:`transaction`. Do not keep ``Table`` objects across calls without going through
    :meth:`db` again, or you may see stale data. Reads from one thread while another thread
    is inside a transaction see that transaction's uncommitted state.
    """

    #: Schema version this code writes. Bump it and add a MIGRATIONS entry when docs change.
    SCHEMA_VERSION: ClassVar[int] = 1
    #: from-version -> function that upgrades the raw tables dict in place to from-version + 1.
    MIGRATIONS: ClassVar[dict[int, Callable[[Tables], None]]] = {}

    def __init__(self, path: Path, *, lock_timeout: float) -> None:
        """Internal; use :meth:`open`, which also creates and validates the file."""
        self.path = path
        self.backup_path = path.with_name(path.name + ".bak")
        self.lock_path = path.with_name(path.name + ".lock")
        self._lock_timeout = lock_timeout
        self._file_lock = FileLock(self.lock_path)
        self._thread_lock = threading.Lock()
        self._tx_thread: int | None = None
        self._storage = CachedJSONStorage(path, self._decode, self._after_reload)
        self._db = TinyDB(storage=lambda: self._storage)
        self._generation = 0
        self._needs_commit = False  # a migration ran in memory but is not on disk yet
        self._after_commit: list[Callable[[], None]] = []
        self._closed = False

    @classmethod
    def open(cls, path: Path | str, *, lock_timeout: float = 10.0,
             purpose: str = KIOSK) -> Store:
        """Open (creating it if missing) the database at ``path``.

        A new file records ``purpose`` (:data:`KIOSK` or :data:`DEMO`); a file made for
        another purpose is refused (StorePurposeError), so demo data with published
        passwords never meets a real kiosk's. Files from before purposes were recorded
        are :data:`KIOSK`'s. Migrates an older schema and commits the result. Raises
        StoreCorruptError, StoreVersionError, StoreLockedError or StorePurposeError.

        ``path`` is resolved here, once (symbolic links followed, made absolute), and
        :attr:`path` is the result. Why: a commit replaces the file by renaming a new
        version onto its name, and a rename onto a symbolic link replaces the link, not its
        target; the target would silently stop getting the data while the lock sat beside
        the link. Resolved, the lock, the backup and the atomic replace all act on the real
        file, and the link stays a link. A link changed to point elsewhere while the store
        is open is not followed: this store keeps working on the file it opened. A link
        that points nowhere yet means a new store at its target.
        """
        path = Path(os.path.realpath(path))
        _fs.ensure_private_dir(path.parent)
        _fs.create_private_file(path.with_name(path.name + ".lock"))
        store = cls(path, lock_timeout=lock_timeout)
        with store._exclusive():
            _fs.remove_stale_temps(path)
            if not os.path.lexists(path):
                store._storage.tables = {META_TABLE: {_META_DOC: {"purpose": purpose}}}
                store._commit()
        try:
            with store.transaction():
                pass  # loads, checks the schema and commits a migration if one ran
            if store.purpose != purpose:
                raise StorePurposeError(path, store.purpose, purpose)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def purpose(self) -> str:
        """What the file was made for: :data:`KIOSK` or :data:`DEMO`."""
        self.db()   # reloaded if another process committed
        meta = self._storage.tables.get(META_TABLE, {}).get(_META_DOC, {})
        found = meta.get("purpose", KIOSK) if isinstance(meta, dict) else KIOSK
        return found if isinstance(found, str) else KIOSK

    @property
    def generation(self) -> int:
        """Increments on every reload and commit, so callers know when to rebuild indexes."""
        return self._generation

    def db(self) -> TinyDB:
        """The TinyDB for reading; reloaded first if another process changed the file."""
        self._check_open()
        if not self._storage.in_transaction:
            self._refresh()
        return self._db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Exclusive read-modify-write section; commits on normal exit if anything changed.

        On an exception the in-memory changes are discarded (reloaded from disk) and the
        exception propagates. Not re-entrant: nesting raises StoreError. A commit that fails
        (disk full, read-only, permissions) raises ``OSError`` naming the file; the file
        then holds the previous version whole (only a failed sync of the directory, after
        the rename, leaves the new one), and the store in memory holds what the file holds.
        """
        storage = self._storage
        with self._exclusive():
            self._refresh()
            storage.in_transaction = True
            storage.dirty = self._needs_commit
            ok = committed = False
            try:
                yield self._db
                if storage.dirty:
                    self._commit()
                    committed = True
                ok = True
            finally:
                storage.in_transaction = False
                storage.dirty = False
                actions, self._after_commit = self._after_commit, []
                if not ok:
                    self._discard()
            for action in actions if committed else ():   # still under the lock
                action()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Inside this thread's :meth:`transaction`: run ``action`` once the transaction's
        commit is on disk, still holding the lock; not at all if it fails or changes nothing.

        Why: a file kept beside the store that describes its content (the audit log's head,
        kiosk/domain/counter/audit.py) must be written after the data it describes (never ahead of
        it, even after a crash) and before another process can commit (never behind another
        writer's). An exception from ``action`` propagates; the commit stays.
        """
        if not self._storage.in_transaction or self._tx_thread != threading.get_ident():
            raise StoreError("Store.after_commit() only works inside this thread's transaction()")
        self._after_commit.append(action)

    def side_path(self, suffix: str) -> Path:
        """The file ``<store><suffix>`` beside the (real) store file, e.g. its lock."""
        return self.path.with_name(self.path.name + suffix)

    def write_side_file(self, suffix: str, data: bytes) -> None:
        """Replace :meth:`side_path` ``(suffix)`` by ``data`` crash-safely, mode 0600, with
        a unique temp name (cleared like the store's own if a writer is killed). Only inside
        this thread's transaction or :meth:`after_commit`, so writers never interleave.
        Raises ``OSError`` naming the file."""
        if self._tx_thread != threading.get_ident():
            raise StoreError("Store.write_side_file() only works under this thread's lock")
        _fs.replace_private(self.side_path(suffix), data, temp_of=self.path)

    def append(self, table: str, docs: Iterable[dict[str, Any]]) -> list[int]:
        """Add ``docs`` to ``table`` as they are, inside :meth:`transaction`; their ids.

        Why not ``Table.insert_multiple``: TinyDB stores a copy of each document and copies
        the whole table twice to convert its ids, which for a 100,000-row batch import
        doubled the largest part of its memory. The documents are taken over, not copied:
        the caller must not change them afterwards.
        """
        storage = self._storage
        if not storage.in_transaction or self._tx_thread != threading.get_ident():
            raise StoreError("Store.append() only works inside this thread's transaction()")
        raw = storage.tables.get(table, {})
        # TinyDB's next-id rule: its cached counter, else one past the highest id.
        next_id = self._db.table(table)._next_id or max(map(int, raw), default=0) + 1
        ids = []
        for doc in docs:
            raw[str(next_id)] = doc
            ids.append(next_id)
            next_id += 1
        if ids:
            storage.tables[table] = raw  # a new table appears only with its documents
            storage.dirty = True
            self._reset_tables(next_ids=True)
        return ids

    def close(self) -> None:
        """Forget the in-memory data; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._db.close()
            self._storage.tables = {}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- locking -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._check_open()
        me = threading.get_ident()
        if self._tx_thread == me:
            raise StoreError("nested Store.transaction() in the same thread is not supported")
        if not self._thread_lock.acquire(timeout=self._lock_timeout):
            raise StoreLockedError(f"{self.path} is busy in another thread of this process")
        try:
            try:
                self._file_lock.acquire(timeout=self._lock_timeout)
            except LockTimeout as exc:
                raise StoreLockedError(
                    f"could not lock {self.lock_path} within {self._lock_timeout:g} s; "
                    "another kiosk process is holding it"
                ) from exc
            self._tx_thread = me
            try:
                yield
            finally:
                self._tx_thread = None
                self._file_lock.release()
        finally:
            self._thread_lock.release()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.path} is closed")

    # -- loading -------------------------------------------------------------------------

    def _corrupt(self, reason: str) -> StoreCorruptError:
        backup = self.backup_path if os.path.lexists(self.backup_path) else None
        return StoreCorruptError(self.path, backup, reason)

    def _refresh(self, *, force: bool = False) -> bool:
        try:
            return self._storage.refresh(force=force)
        except OSError as exc:
            raise self._corrupt(f"cannot read it: {exc.strerror or exc}") from exc

    def _decode(self, raw: bytes) -> Tables:
        """Parse and validate one file version; migrate it in memory if it is older."""
        self._needs_commit = False
        if not raw:
            raise self._corrupt("the file is empty")
        try:
            tables = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise self._corrupt(f"invalid JSON: {exc}") from exc
        if not isinstance(tables, dict):
            raise self._corrupt(f"top level is a JSON {type(tables).__name__}, not an object")
        for name, table in tables.items():
            if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
                raise self._corrupt(f"table {name!r} is not an object of documents")
        schema = _schema_of(tables)
        if schema is None:
            raise self._corrupt(f"no schema version in table {META_TABLE!r}")
        if schema > self.SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path} has schema version {schema} but this program only understands "
                f"up to {self.SCHEMA_VERSION}; it was written by a newer kiosk version. "
                "Upgrade the program; the file was left untouched."
            )
        if schema < self.SCHEMA_VERSION:
            self._migrate(tables, schema)
        return tables

    def _migrate(self, tables: Tables, schema: int) -> None:
        for version in range(schema, self.SCHEMA_VERSION):
            step = self.MIGRATIONS.get(version)
            if step is None:
                raise StoreVersionError(
                    f"{self.path} has schema version {schema}; no migration from version "
                    f"{version} to {version + 1} exists. The file was left untouched."
                )
            try:
                step(tables)
            except Exception as exc:
                raise StoreError(
                    f"migrating {self.path} from schema {version} failed: {exc!r}"
                ) from exc
        meta = tables.setdefault(META_TABLE, {}).setdefault(_META_DOC, {})
        meta["schema"] = self.SCHEMA_VERSION
        self._needs_commit = True

    def _after_reload(self) -> None:
        self._reset_tables(next_ids=True)
        self._generation += 1

    def _reset_tables(self, *, next_ids: bool) -> None:
        # TinyDB caches query results and the next document ID per Table object; both are
        # wrong once the data came from another process. There is no public API for the
        # next-ID cache (tinydb 4.x, pinned <5 in pyproject).
        for table in self._db._tables.values():
            table.clear_cache()
            if next_ids:
                table._next_id = None

    # -- writing -------------------------------------------------------------------------

    def _commit(self) -> None:
        """Write the in-memory tables (caller holds the lock)."""
        tables = self._storage.tables
        old_meta = tables.get(META_TABLE, {}).get(_META_DOC, {})
        # _meta goes first and the random commit token near the top: see _fs.HEADER_BYTES.
        # a change marker, not a secret: os.urandom spares start-up the secrets/hashlib import
        meta: dict[str, Any] = {"commit": os.urandom(8).hex(), "schema": self.SCHEMA_VERSION}
        meta.update((k, v) for k, v in old_meta.items() if k not in meta)
        out: Tables = {META_TABLE: {_META_DOC: meta}}
        out.update((name, table) for name, table in tables.items() if name != META_TABLE)
        signature = _fs.atomic_write(self.path, encode(out), self.backup_path)
        self._storage.committed(out, signature)
        self._needs_commit = False
        self._generation += 1
        self._reset_tables(next_ids=False)

    def _discard(self) -> None:
        """Drop uncommitted in-memory changes by reloading the file."""
        self._storage.signature = None
        with contextlib.suppress(StoreError):
            self._refresh(force=True)
        # If the reload failed, signature stays None: the next access retries and raises.


def raw_table(db: TinyDB, name: str) -> dict[str, dict[str, Any]]:
    """The table ``name`` as the storage holds it (doc_id text -> document), no copies."""
    return (db.storage.read() or {}).get(name, {})


def indexed_doc(table: Table, doc_id: int) -> Document:
    """The document ``doc_id`` that an index synced under the same lock points at.

    KeyError if it is gone, which a synced index rules out."""
    doc = table.get(doc_id=doc_id)
    if not isinstance(doc, Document):
        raise KeyError(doc_id)
    return doc


def encode(tables: Tables) -> Iterator[bytes]:
    """``orjson.dumps(tables)``, byte for byte, in pieces of CHUNK_DOCS documents.

    Why: the whole file as one bytes object was a quarter of the peak memory of a
    100,000-row batch import (accounts plus their mails); pieces are written as they come.
    """
    yield b"{"
    for number, (name, table) in enumerate(tables.items()):
        yield (b"," if number else b"") + orjson.dumps(name) + b":{"
        docs = iter(table.items())
        first = True
        while chunk := dict(itertools.islice(docs, CHUNK_DOCS)):
            yield (b"" if first else b",") + orjson.dumps(chunk)[1:-1]
            first = False
        yield b"}"
    yield b"}"


def _schema_of(tables: Tables) -> int | None:
    doc = tables.get(META_TABLE, {}).get(_META_DOC)
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if isinstance(schema, int) and not isinstance(schema, bool):
        return schema
    return None
