"""The Store: a TinyDB snapshot and its journal, shared safely by several kiosk processes.

Every change happens in :meth:`Store.transaction`, which holds an exclusive lock on
``<db>.lock``, catches up with what other processes committed, and at the end appends the
documents it changed to the journal ``<db>.journal`` as one record, fsync-ed
(:mod:`store.journal`). The snapshot ``<db>`` — a plain TinyDB JSON file — is rewritten only
by :meth:`Store.compact`: when the journal outgrows a quarter of it, or on
``nhi-kiosk db compact``. Reading never takes the lock: a process checks the two files'
identity and reads only the journal records it has not seen. A damaged file or one written
by a newer program is never overwritten: the store refuses to work with it instead.

The snapshot's first object is ``_meta`` and starts with the store's id and the journal
sequence number it includes, so a process that sees a new snapshot can tell from its first
bytes whether it is a compaction of what it already has (nothing to re-read).

The path is resolved once, when the store opens: a store path that is a symbolic link means
the file it points to, and the lock, the journal, the backup, the temp files and the files
kept beside the store (docs/store-files.md) all sit beside that real file.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
from tinydb import TinyDB
from tinydb.table import Document, Table

from store import _fs, journal
from store._lock import FileLock, LockTimeout
from store.api import KIOSK, AccountsRepo, Keyed, OutboxRepo, Rows
from store.catchup import _META_DOC, META_TABLE, CatchUp
from store.errors import (
    StoreError,
    StoreLockedError,
    StorePurposeError,
)
from store.index import FieldIndex
from store.storage import MemoryTables, Tables
from store.table import JournaledTinyDB

log = logging.getLogger("store")

#: Documents per piece of the encoded file (see :func:`encode`).
CHUNK_DOCS = 1000
#: The journal is compacted into the snapshot when it outgrows this share of it …
COMPACT_SHARE = 0.25
#: … and this many bytes (a small store is not rewritten every few commits).
COMPACT_MIN_BYTES = 1 << 20
#: A new journal repeats up to this many records the snapshot already holds (and no more
#: than OVERLAP_BYTES of them), so a process a little behind a compaction catches up from the
#: journal instead of re-reading it all. The byte bound keeps a large commit (a batch import)
#: out of the new journal, which would otherwise be "outgrown" again at once.
OVERLAP_RECORDS = 256
OVERLAP_BYTES = 4 << 10
#: A commit that erased something (:meth:`Store.erase_soon`) is compacted away at once, and
#: then at most once per this many seconds (the later ones at the first commit after that).
ERASE_DELAY = 60.0
#: A transaction that changes at least this share of the store's documents, and at least
#: REWRITE_MIN_DOCS of them, is committed by writing the snapshot anew instead of a journal
#: record: the record would call for a compaction at once (a batch import into a young
#: store), and writing the file once costs half of writing it twice, with no record held
#: in memory whole (70 MB at 100,000 rows).
REWRITE_SHARE = COMPACT_SHARE
REWRITE_MIN_DOCS = 2000
#: Fields of the ``_meta`` document that describe one version of the snapshot file.
_VERSION_FIELDS = ("store", "seq", "schema", "commit")


_COMPANIONS: dict[Path, Store] = {}
_COMPANIONS_LOCK = threading.Lock()


class Store(CatchUp):
    """A database (snapshot, journal, lock, backup); create instances with :meth:`open`.

    Read through :meth:`db` (it catches up if another process committed), write only inside
    :meth:`transaction`. Do not keep ``Table`` objects across calls without going through
    :meth:`db` again, or you may see stale data. Reads from one thread while another thread
    is inside a transaction see that transaction's uncommitted state.
    """

    #: Schema version this code writes. Bump it and add a MIGRATIONS entry when docs change.
    SCHEMA_VERSION: ClassVar[int] = 2
    #: from-version -> function that upgrades the raw tables dict in place to from-version + 1.
    MIGRATIONS: ClassVar[dict[int, Callable[[Tables], None]]] = {}  # filled in below

    def __init__(self, path: Path, *, lock_timeout: float) -> None:
        """Internal; use :meth:`open`, which also creates and validates the file."""
        self.path = path
        self.backup_path = path.with_name(path.name + ".bak")
        self.lock_path = path.with_name(path.name + ".lock")
        self.journal_path = path.with_name(path.name + ".journal")
        self._lock_timeout = lock_timeout
        self._file_lock = FileLock(self.lock_path)
        self._thread_lock = threading.Lock()
        #: held while the tables change outside a transaction's body (catching up, loading)
        self._state = threading.RLock()
        self._tx_thread: int | None = None
        self._memory = MemoryTables()
        self._db = JournaledTinyDB(storage=lambda: self._memory)
        self._generation = 0
        #: the file had an older schema: the next transaction writes it anew (a rebase),
        #: its journal first when it had none (see :meth:`_rebase`)
        self._needs_rebase = False
        self._had_journal = True
        self._after_commit: list[Callable[[], None]] = []
        self._closed = False
        # what the tables in memory are: the store, the last commit applied, where it ends
        self._store_id: str | None = None
        self._seq = 0
        self._snapshot_sig: tuple[int, int, int] | None = None
        self._journal_inode: int | None = None
        self._journal_end = 0
        self._journal_seq = 0     # the number of the last commit read from the journal
        self._torn = 0
        #: (seq, offset) of the last records of the current journal, for a compaction
        self._recent: collections.deque[tuple[int, int]] = collections.deque(
            maxlen=OVERLAP_RECORDS)
        self._erase_pending = False
        self._last_compaction = -ERASE_DELAY
        #: a failed commit whose record may still be in the journal (see transaction())
        self._unsure: OSError | None = None

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
        :attr:`path` is the result. Why: the snapshot is replaced by renaming a new
        version onto its name, and a rename onto a symbolic link replaces the link, not its
        target; the target would silently stop getting the data while the lock sat beside
        the link. Resolved, the lock, the journal, the backup and the atomic replace all act
        on the real file, and the link stays a link. A link changed to point elsewhere while
        the store is open is not followed: this store keeps working on the file it opened.
        A link that points nowhere yet means a new store at its target.
        """
        path = Path(os.path.realpath(path))
        _fs.ensure_private_dir(path.parent)
        _fs.create_private_file(path.with_name(path.name + ".lock"))
        store = cls(path, lock_timeout=lock_timeout)
        with store._exclusive():
            _fs.remove_stale_temps(path, store.journal_path)
            if not os.path.lexists(path):
                store._create(purpose)
        try:
            with store.transaction():
                pass  # loads, checks the schema, commits a migration, cuts a torn tail
            if store.purpose != purpose:
                raise StorePurposeError(path, store.purpose, purpose)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def purpose(self) -> str:
        """What the file was made for: :data:`KIOSK` or :data:`DEMO`."""
        self.db()   # caught up if another process committed
        meta = self._memory.tables.get(META_TABLE, {}).get(_META_DOC, {})
        found = meta.get("purpose", KIOSK) if isinstance(meta, dict) else KIOSK
        return found if isinstance(found, str) else KIOSK

    @property
    def generation(self) -> int:
        """Increments whenever the tables in memory change (a commit, a catch-up)."""
        return self._generation

    @property
    def seq(self) -> int:
        """The number of the last commit the tables in memory hold."""
        return self._seq

    def db(self) -> TinyDB:
        """The TinyDB for reading; caught up first if another process committed."""
        self._check_open()
        if not self._memory.in_transaction:
            with self._state:
                self._refresh()
        return self._db

    def reload(self) -> None:
        """Forget what is in memory and read the snapshot and the journal again.

        Why: a process takes a new snapshot of its own store for a compaction (same id, no
        commit it lacks) and does not re-read it; a file edited by hand meanwhile (a test,
        an administrator) is seen after this, or by any process that opens the store."""
        self._check_open()
        with self._state:
            if self._memory.in_transaction:
                raise StoreError("Store.reload() cannot run inside a transaction")
            self._load()

    def index(self, table: str, field: str) -> FieldIndex:
        """The index of ``table`` by ``field``: built on first use, then patched by every
        change (this process's, another's read from the journal, an undone transaction).
        Use it right after :meth:`db` or inside a transaction, and not across either."""
        return self._memory.index(table, field)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Exclusive read-modify-write section; commits on normal exit if anything changed.

        On an exception the changes are undone in memory and the exception propagates.
        Not re-entrant: nesting raises StoreError. A commit that fails (disk full,
        read-only, permissions) raises ``OSError`` naming the store, and the store in
        memory and on disk holds what it held before the transaction — unless the disk
        fails so that the record can be neither synced nor cut off again: then the commit
        may be on disk after all, and this process refuses to go on with the store
        (StoreError) until it is opened again, which reads whatever the journal holds.
        """
        memory = self._memory
        committed = False
        with self._exclusive():
            with self._state:
                self._refresh()
                self._cut_torn_tail()
                self._restart_journal_behind()
                memory.in_transaction = True
            ok = False
            try:
                yield self._db
                with self._state:
                    if self._needs_rebase:
                        self._rebase()
                        committed = True
                    elif memory.has_changes():
                        if self._rewrite_pays():
                            self._rewrite_commit()
                        else:
                            self._append_commit()
                        committed = True
                ok = True
            finally:
                with self._state:
                    memory.in_transaction = False
                    if ok:
                        memory.keep()
                    else:
                        memory.undo()
                        self._changed()
                    actions, self._after_commit = self._after_commit, []
            for action in actions if committed else ():   # still under the lock
                action()
        if committed and (self._journal_outgrown() or self._erase_due()):
            self._compact_quietly()

    def erase_soon(self) -> None:
        """Inside a transaction that removes something that must not stay on disk (a mail's
        seed once sent): the journal still holds its earlier versions, so compact soon — at
        once the first time, then at most every :data:`ERASE_DELAY` seconds, and when the
        store closes. A compaction for this also points the backup at the new snapshot."""
        if not self._memory.in_transaction:
            raise StoreError("Store.erase_soon() only works inside a transaction()")
        self._erase_pending = True

    def _erase_due(self) -> bool:
        return self._erase_pending and (
            time.monotonic() - self._last_compaction >= ERASE_DELAY)

    def check_in_transaction(self, what: str) -> None:
        """StoreError unless this thread is inside :meth:`transaction` (for writes that
        join the caller's transaction instead of opening their own)."""
        if not self._memory.in_transaction or self._tx_thread != threading.get_ident():
            raise StoreError(f"{what} only works inside this thread's transaction()")

    def after_commit(self, action: Callable[[], None]) -> None:
        """Inside this thread's :meth:`transaction`: run ``action`` once the transaction's
        commit is on disk, still holding the lock; not at all if it fails or changes nothing.

        Why: a file kept beside the store that describes its content (the audit log's head,
        kiosk/domain/counter/audit.py) must be written after the data it describes (never ahead of
        it, even after a crash) and before another process can commit (never behind another
        writer's). An exception from ``action`` propagates; the commit stays.
        """
        self.check_in_transaction("Store.after_commit()")
        self._after_commit.append(action)

    def files(self) -> list[Path]:
        """The files that hold the store's documents and exist now: snapshot, journal,
        backup (what someone with the data folder can read)."""
        return [p for p in (self.path, self.journal_path, self.backup_path) if p.exists()]

    def at_rest(self) -> bytes:
        """Every byte of :meth:`files`, for checks that a secret is not on disk."""
        return b"".join(p.read_bytes() for p in self.files())

    # -- the repositories (store/api.py) ----------------------------------------------------

    def companion(self, name: str) -> Store:
        """The store ``<stem>.<name><suffix>`` beside this one, for the same purpose: one
        per file and process (opened on first use, kept open), for data that changes often
        and is small (the lockouts' failure counters)."""
        path = self.companion_path(name)
        with _COMPANIONS_LOCK:
            found = _COMPANIONS.get(path)
            if found is None or found._closed:
                found = _COMPANIONS[path] = Store.open(path, purpose=self.purpose)
            return found

    def companion_path(self, name: str) -> Path:
        """The file of :meth:`companion` ``name``, made or not."""
        return self.path.with_name(f"{self.path.stem}.{name}{self.path.suffix}")

    def keyed(self, table: str, key: str) -> Keyed:
        from store.keyed import KeyedTable

        return KeyedTable(self, table, key)

    def rows(self, table: str) -> Rows:
        from store.rows import RowTable

        return RowTable(self, table)

    def accounts(self) -> AccountsRepo:
        from store.repos import Accounts

        return Accounts(self)

    def outbox(self) -> OutboxRepo:
        from store.outbox import Outbox

        return Outbox(self)

    def add_new_accounts(self, pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], *,
                         then: Callable[[list[str]], None] | None = None) -> list[str]:
        from store.bulk import add_new_accounts

        return add_new_accounts(self, pairs, then=then)

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

        Why not ``Table.insert_multiple``: TinyDB stores a copy of each document, which for
        a 100,000-row batch import doubled the largest part of its memory. The documents
        are taken over, not copied: the caller must not change them afterwards.
        """
        memory = self._memory
        self.check_in_transaction("Store.append()")
        docs = list(docs)
        ids = list(memory.next_ids(table, len(docs))) if docs else []
        memory.insert_new(table, list(map(str, ids)), docs)
        if ids:
            self._db.table(table).clear_cache()
        return ids

    def listen(self, heard: Callable[[str], None],
               reachable: Callable[[bool], None] | None = None) -> None:
        """A file tells nobody of a commit: callers read again when they need to (the
        PostgreSQL store calls ``heard`` instead), and a file is never out of reach (the
        PostgreSQL store calls ``reachable``). None: there is nothing to stop."""
        return None

    def load_rows(self, table: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Inside :meth:`transaction`: add documents under the ids given, into ``table``
        holding none of those ids (``nhi-kiosk db copy`` from another store). The documents
        are taken over, not copied."""
        memory = self._memory
        self.check_in_transaction("Store.load_rows()")
        taken = memory.tables.get(table, {})
        if any(str(row_id) in taken for row_id, _doc in rows):
            raise StoreError(f"table {table!r} already holds some of the ids loaded")
        memory.insert_new(table, [str(row_id) for row_id, _doc in rows],
                          [doc for _row_id, doc in rows])
        memory.forget_next_id(table)
        self._db.table(table).clear_cache()

    def compact(self) -> bool:
        """Rewrite the snapshot with everything the journal holds, and start a short journal.

        The snapshot is written without the lock (other processes go on committing and
        reading); the lock is held only to copy the commits made meanwhile into the new
        journal and rename the two files into place, about as long as a commit. Readers in
        other processes are never blocked; this process's own other threads wait while the
        snapshot is written. Returns False when another process compacted meanwhile (its
        result stands). Raises ``OSError`` naming the file (the store keeps its previous
        files whole) or StoreError.
        """
        self._check_open()
        if self._tx_thread == threading.get_ident():
            raise StoreError("Store.compact() cannot run inside a transaction")
        with self._state:
            self._refresh()
            rebase = self._needs_rebase
        if rebase:   # an old file: its migration is a compaction (the lock before _state)
            with self.transaction():
                return True
        with self._state:
            seq, inode, erasing = self._seq, self._journal_inode, self._erase_pending
            # the new journal starts at the oldest recent record, or after the last one: when
            # erasing, always after the last one (the records before hold what must go)
            first = (seq + 1, self._journal_end)
            for recent in () if erasing else self._recent:
                if self._journal_end - recent[1] <= OVERLAP_BYTES:
                    first = recent
                    break
            tmp: Path | None
            held: list[int] = []
            tmp, signature = _fs.write_temp(self.path, encode(self._snapshot_tables()),
                                            hold=held)
        try:
            with self._exclusive(), self._state:
                self._refresh()
                if self._journal_inode != inode:
                    return False
                new = self._recent_journal(first)
                _fs.install(tmp, self.path, self.backup_path)   # the snapshot first
                tmp = None
                self._install_journal(new)
                if erasing:   # the backup held what was erased: it is the new snapshot now
                    _fs.link_backup(self.path, self.backup_path)
                    self._erase_pending = False
                self._last_compaction = time.monotonic()
                self._snapshot_sig = signature
                log.info("compacted %s at commit %d (now %d)", self.path, seq, self._seq)
                return True
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            for fd in held:
                os.close(fd)

    def close(self) -> None:
        """Forget the in-memory data; the store cannot be used afterwards."""
        if not self._closed:
            if self._erase_pending:
                self._compact_quietly()
            self._closed = True
            self._db.close()
            self._memory.load({})

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
        if self._unsure is not None:
            raise StoreError(
                f"a commit to {self.path} failed ({self._unsure.strerror or self._unsure}) "
                "and may have been saved all the same; open the store again")

    # -- writing -------------------------------------------------------------------------

    def _create(self, purpose: str) -> None:
        """A new store: its journal, then its snapshot (caller holds the lock)."""
        self._store_id, self._seq, self._had_journal = uuid.uuid4().hex, 0, False
        self._memory.load({META_TABLE: {_META_DOC: {"schema": self.SCHEMA_VERSION,
                                                     "purpose": purpose}}})
        self._rebase()

    def _rebase(self) -> None:
        """Write the whole state as a new snapshot with a new, empty journal: a new store,
        or a migrated one (caller holds the lock). A store that had no journal gets its
        journal first, so its snapshot never names a journal that is not there; one that
        had gets its snapshot first (as in :meth:`compact`), so the journal it has goes on
        fitting the snapshot until both are replaced."""
        if self._store_id is None:
            self._store_id, self._seq = uuid.uuid4().hex, 0
        new_journal = journal.header(self._store_id, self._seq)
        if not self._had_journal:
            self._install_journal(new_journal)
        signature = _fs.atomic_write(self.path, encode(self._snapshot_tables()),
                                     self.backup_path)
        self._snapshot_sig = signature
        if self._had_journal:
            self._install_journal(new_journal)
        self._needs_rebase, self._had_journal = False, True
        self._changed()

    def _snapshot_tables(self) -> Tables:
        """The tables as the snapshot holds them: ``_meta`` first, led by the version
        fields that store.catchup reads first (caller holds ``_state``)."""
        tables = self._memory.tables
        old = tables.get(META_TABLE, {}).get(_META_DOC, {})
        # a change marker, not a secret: os.urandom spares start-up the secrets import
        meta: dict[str, Any] = {"store": self._store_id, "seq": self._seq,
                                "schema": self.SCHEMA_VERSION, "commit": os.urandom(8).hex()}
        meta.update((k, v) for k, v in old.items() if k not in _VERSION_FIELDS)
        out: Tables = {META_TABLE: {_META_DOC: meta}}
        out.update((name, table) for name, table in tables.items() if name != META_TABLE)
        return out

    def _recent_journal(self, first: tuple[int, int]) -> bytes:
        """A new journal for a snapshot: its header, then the records from ``first``
        (seq, offset) on, read from the current journal (caller holds the lock)."""
        seq, offset = first
        read = journal.read_from(self.journal_path, offset, self._journal_inode)
        if read.inode != self._journal_inode:
            raise StoreError(f"{self.journal_path} was replaced while the lock was held")
        assert self._store_id is not None
        return journal.header(self._store_id, seq - 1) + read.data[: self._journal_end - offset]

    def _install_journal(self, data: bytes) -> None:
        """Put ``data`` (a header and records) in place as the journal (under the lock)."""
        tmp, _signature = _fs.write_temp(self.journal_path, [data])
        _fs.install(tmp, self.journal_path, None)
        inode, _size = journal.stat(self.journal_path)
        found = journal.scan(data, self.journal_path)
        _store_id, base = self._journal_header(found)
        self._recent.clear()
        self._recent.extend((base + number, start)
                            for number, (start, _payload) in enumerate(found.frames[1:], 1))
        self._journal_inode, self._journal_end, self._torn = inode, len(data), 0
        self._journal_seq = base + len(found.frames) - 1

    def _append_commit(self) -> None:
        """Append this transaction's changes as one record (caller holds the lock)."""
        assert self._journal_inode is not None
        seq = self._seq + 1
        record = journal.commit(seq, self._memory.changed())
        start = self._journal_end
        try:
            self._journal_end = journal.append(self.journal_path, record, start,
                                               self._journal_inode)
        except OSError as exc:
            if getattr(exc, "record_may_remain", False):
                self._unsure = exc
            _fs.raise_about(self.path, exc)   # the store could not be saved
        self._seq = self._journal_seq = seq
        self._recent.append((seq, start))
        self._generation += 1

    def _rewrite_pays(self) -> bool:
        changed = self._memory.changes()
        return changed >= REWRITE_MIN_DOCS and changed >= REWRITE_SHARE * self._memory.size()

    def _rewrite_commit(self) -> None:
        """Commit by writing the snapshot anew, then a journal of no records after it
        (caller holds the lock). The commit is done once the snapshot is renamed into
        place: a kill before the new journal leaves the old one, whose records the
        snapshot holds, and :meth:`_restart_journal_behind` replaces it at the next
        transaction. Raises ``OSError`` naming the store when the snapshot could not be
        put in place (the files hold what they held before)."""
        assert self._store_id is not None
        self._seq += 1
        try:
            tmp, signature = _fs.write_temp(self.path, encode(self._snapshot_tables()))
        except OSError:
            self._seq -= 1
            raise
        try:
            _fs.install(tmp, self.path, self.backup_path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_ino == signature[0]:   # renamed, not synced
                    self._unsure = exc
            self._seq -= 1
            raise
        self._snapshot_sig = signature
        self._generation += 1
        if self._erase_pending:   # nothing erased is left in the journal now
            with contextlib.suppress(OSError):
                _fs.link_backup(self.path, self.backup_path)
                self._erase_pending = False
        self._last_compaction = time.monotonic()
        try:
            self._install_journal(journal.header(self._store_id, self._seq))
        except OSError as exc:   # the commit stands; the next transaction tries again
            log.warning("%s: the journal was not started anew after commit %d: %s",
                        self.journal_path, self._seq, exc)

    def _restart_journal_behind(self) -> None:
        """A journal that ends before the snapshot's last commit (see
        :meth:`_rewrite_commit`) is replaced by an empty one starting there, before a record
        is appended to it: commits follow each other in a journal (caller holds the lock)."""
        if self._store_id is not None and self._journal_seq < self._seq:
            self._install_journal(journal.header(self._store_id, self._seq))

    def _cut_torn_tail(self) -> None:
        """Under the lock, a torn tail is a writer's that died: say so, and cut it off."""
        if self._torn:
            log.warning("%s: ignored %d bytes at its end, a commit cut off before it was "
                        "reported done (a kiosk process killed, or the power lost)",
                        self.journal_path, self._torn)
            try:
                os.truncate(self.journal_path, self._journal_end)
            except OSError as exc:
                _fs.raise_about(self.journal_path, exc)
            self._torn = 0

    def _journal_outgrown(self) -> bool:
        size = self._snapshot_sig[1] if self._snapshot_sig else 0
        return self._journal_end > max(COMPACT_MIN_BYTES, size * COMPACT_SHARE)

    def _compact_quietly(self) -> None:
        """An automatic compaction: the commit that called for it is on disk already, so a
        failure (a full disk) is logged, not raised; the journal simply goes on."""
        try:
            self.compact()
        except (OSError, StoreError) as exc:
            log.warning("compacting %s failed, the journal goes on: %s", self.path, exc)


def _add_store_identity(tables: Tables) -> None:
    """Schema 1 -> 2: the store has a journal now; its id and sequence number are written
    with the snapshot (Store._rebase), so nothing in the documents changes."""


Store.MIGRATIONS[1] = _add_store_identity


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
