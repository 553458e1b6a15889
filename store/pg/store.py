"""The kiosk's store on PostgreSQL (psycopg 3 and its pool): the same interface as the TinyDB
store (store/api.py), for several counters or sites sharing one set of records.

Transactions: every :meth:`PgStore.transaction` first takes a session-level advisory lock of
the store, so transactions are exclusive across processes and machines exactly as the
TinyDB store's file lock makes them, and the rules built on that (five tries, one-time
codes, the audit chain, a batch import's idempotence) hold unchanged. The lock is released
only after the actions of :meth:`after_commit` ran, so those follow the commit they belong
to before another writer's. On top of it, the database's own constraints keep an ID number,
a card number, an ATM NO and a code unique whatever a writer does. A transaction waits at
most ``lock_timeout`` seconds for the lock (StoreLockedError).

Reads outside a transaction run on a pooled connection in autocommit, so they see every
commit reported done; inside one, the thread's own transaction and what it wrote so far.
A commit costs two round trips besides its own statements: the lock with BEGIN,
and the commit with the unlock and its news (a NOTIFY naming the tables other kiosks wait
on, :meth:`PgStore.listen`), each sent as one pipeline. A write that is a transaction of
its own (a registration's new account, a mail queued) is one round trip in all
(:meth:`PgStore.write_alone`).

``files`` is a folder on this machine: it holds what the kiosk keeps beside a store (the
machine key, the audit log's head file); :attr:`PgStore.path` names a file in it, as the
TinyDB store's path names its snapshot.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from store import _fs
from store.api import KIOSK
from store.errors import (
    StoreError,
    StoreLockedError,
    StorePurposeError,
    StoreUnreachable,
    StoreVersionError,
)
from store.paths import PG_PATH_NAME
from store.pg import migrate, schema
from store.pg.tables import PgAccounts, PgKeyed, PgOutbox, PgRows, add_new_accounts

#: erase_soon vacuums at most once per this many seconds (as the TinyDB store compacts)
ERASE_DELAY = 60.0
#: seconds to get a connection (libpq's connect_timeout, and the wait for a pooled one)
CONNECT_TIMEOUT = 2
#: connections per store: the UI thread, a worker or two, the mail round
POOL_SIZE = 4
#: every connection's settings, unless the address gives its own. A network gone silent
#: (no reset, no FIN) is found by TCP keepalives within some 11 s, and a write unanswered
#: for 10 s fails, instead of after the kernel's two hours; ignored on a Unix socket,
#: where a server's end is seen at once.
CONNECTION: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT, "keepalives": 1, "keepalives_idle": 5,
    "keepalives_interval": 2, "keepalives_count": 3, "tcp_user_timeout": 10_000,
}
#: how often a listener looks up from its connection to see whether it should stop
LISTEN_POLL_S = 1.0
#: seconds before a listener whose connection was lost connects again
LISTEN_RETRY_S = 1.0


class PgStore:
    """A PostgreSQL store; create instances with :meth:`open`."""

    def __init__(self, conninfo: str, files: Path, *, lock_timeout: float) -> None:
        self.conninfo = conninfo
        given = conninfo_to_dict(conninfo)
        self._settings = {k: v for k, v in CONNECTION.items() if k not in given}
        self.path = files / PG_PATH_NAME
        self._lock_timeout = lock_timeout
        self._lock_key = zlib.crc32(f"{schema.SCHEMA}:transaction".encode())
        self._local = threading.local()
        # a connection the server closed (a restart) is found as it is taken out, or at its
        # first statement, and replaced (_connection, _locked_connection, execute): the
        # store recovers by itself
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=POOL_SIZE, open=False,
                                    kwargs={"autocommit": True, **self._settings},
                                    configure=self._configure, name="nhi-kiosk")
        self._closed = False
        self._last_vacuum = -ERASE_DELAY
        self._purpose: str | None = None

    @classmethod
    def open(cls, conninfo: str, *, files: Path, lock_timeout: float = 10.0,
             purpose: str = KIOSK) -> PgStore:
        """Open the store in the database ``conninfo``; an empty database gets the schema
        and ``purpose``. Raises StoreVersionError (an older schema: run ``nhi-kiosk db
        migrate``; a newer one: upgrade the program), StorePurposeError, StoreUnreachable."""
        _fs.ensure_private_dir(files)
        store = cls(conninfo, files, lock_timeout=lock_timeout)
        store._open_pool()
        try:
            with store.transaction():
                version = store._version()
                if version is None:
                    store._migrate(0, purpose)
                elif version != schema.VERSION:
                    raise store._version_error(version)
            if store.purpose != purpose:
                raise StorePurposeError(store.path, store.purpose, purpose)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def migrate(cls, conninfo: str, *, files: Path, purpose: str = KIOSK,
                lock_timeout: float = 10.0) -> tuple[int, int]:
        """Bring the database's schema to this program's version (``nhi-kiosk db migrate``),
        in one transaction under the store's lock; (version before, version now), 0 for an
        empty database (which gets ``purpose``). StoreVersionError for a newer schema."""
        _fs.ensure_private_dir(files)
        store = cls(conninfo, files, lock_timeout=lock_timeout)
        try:
            store._open_pool()
            with store.transaction():
                version = store._version() or 0
                if version > schema.VERSION:
                    raise store._version_error(version)
                if version < schema.VERSION:
                    store._migrate(version, purpose if version == 0 else None)
            return version, schema.VERSION
        finally:
            store.close()

    # -- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PgStore]:
        """Exclusive read-modify-write section, all or nothing (module docstring)."""
        self._check_open()
        if self.current() is not None:
            raise StoreError("nested PgStore.transaction() in the same thread is not supported")
        with self._locked_connection() as conn:   # the lock and BEGIN, one round trip
            self._local.conn, self._local.wrote, self._local.actions = conn, False, []
            self._local.vacuum, self._local.tables = False, set()
            unlocked = False
            try:
                try:
                    yield self
                except BaseException:
                    with contextlib.suppress(psycopg.Error):
                        with conn.pipeline():
                            conn.execute("ROLLBACK")
                            conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))
                        unlocked = True   # only once the server did both
                    raise
                actions = self._local.actions if self._local.wrote else []
                # the news, the commit and (with no action to run first) the unlock: one
                # round trip; the server sends the news when the commit is done
                with conn.pipeline():
                    if self._local.tables:
                        conn.execute("SELECT pg_notify(%s, unnest(%s::text[]))",
                                     (schema.CHANNEL, sorted(self._local.tables)))
                    conn.execute("COMMIT")
                    if not actions:
                        conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))
                # here only once the server did them: a commit that failed (a NOTIFY
                # queue full) leaves the unlock to the finally below
                unlocked = not actions
                for action in actions:
                    action()
            finally:
                self._local.conn = None
                if not unlocked:
                    with contextlib.suppress(psycopg.Error):
                        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                            conn.execute("ROLLBACK")   # a commit that failed
                        conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))
        if self._local.vacuum and self._local.wrote:   # after the lock: writers go on
            self._vacuum()

    def write_alone(self, sql: str, params: Iterable[Any] = (), *,
                    changed: str | None = None) -> list[tuple[Any, ...]]:
        """One write statement, in this thread's transaction if it has one; else as a
        transaction of its own in one round trip: the store's lock, the statement and the
        news of ``changed`` (see :meth:`changed`) go as one query string, which the server
        runs as one implicit transaction, committed at its end or rolled back whole. The
        lock is then the transaction-level kind of the same key, released with it (a
        one-statement transaction has no after_commit actions to keep under it). The
        values are bound on this side (psycopg's ClientCursor: libpq's quoting), as a
        string of several statements cannot be prepared. Its rows, as :meth:`execute`'s."""
        if self.current() is not None:
            rows = self.execute(sql, params, write=True)
            if changed is not None:
                self.changed(changed)
            return rows
        self._check_open()
        statements, values = ["SELECT pg_advisory_xact_lock(%s)", sql], [self._lock_key, *params]
        if changed is not None:
            statements.append("SELECT pg_notify(%s, %s)")
            values += [schema.CHANNEL, changed]
        with self._connection() as conn, psycopg.ClientCursor(conn) as cursor:
            try:
                cursor.execute("; ".join(statements), values)
            except pg_errors.LockNotAvailable as exc:
                raise self._locked_error() from exc
            cursor.nextset()   # the statement's own result, after the lock's
            return _rows(cursor)

    def current(self) -> psycopg.Connection[Any] | None:
        """This thread's transaction's connection, or None outside one."""
        return getattr(self._local, "conn", None)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def changed(self, table: str) -> None:
        """This transaction wrote ``table``: at its commit, every :meth:`listen`-er hears."""
        self.check_in_transaction("PgStore.changed()")
        self._local.tables.add(table)

    def listen(self, heard: Callable[[str], None],
               reachable: Callable[[bool], None] | None = None) -> Callable[[], None]:
        """Call ``heard(table)`` on a thread of its own whenever a commit anywhere (this
        process, another, another machine) changed ``table``, one of schema.ANNOUNCED;
        returns what stops it.
        Through LISTEN on a connection of its own, which after a lost connection (a server
        restart) listens again by itself, and on a missed stretch says every table changed
        (what happened meanwhile is not known). That connection is also how the kiosk
        knows its database is there: ``reachable(False)`` once it is lost (or cannot be
        made at first), ``reachable(True)`` once it listens again, before the tables."""
        stop = threading.Event()
        thread = threading.Thread(target=self._listening, args=(heard, reachable, stop),
                                  name="nhi-kiosk-listen", daemon=True)
        thread.start()

        def stop_listening() -> None:
            stop.set()
            thread.join(timeout=LISTEN_POLL_S * 2)

        return stop_listening

    def _listening(self, heard: Callable[[str], None],
                   reachable: Callable[[bool], None] | None, stop: threading.Event) -> None:
        missed = False
        while not stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True,
                                     **self._settings) as conn:
                    conn.execute(f"LISTEN {schema.CHANNEL}")
                    if missed:   # what changed while nobody listened is not known
                        missed = False
                        if reachable is not None:
                            reachable(True)
                        for name in sorted(schema.ANNOUNCED):
                            heard(name)
                    while not stop.is_set():
                        for note in conn.notifies(timeout=LISTEN_POLL_S):
                            heard(note.payload)
            except psycopg.Error:
                if not missed and not stop.is_set() and reachable is not None:
                    reachable(False)
                missed = True
                stop.wait(LISTEN_RETRY_S)

    def check_in_transaction(self, what: str) -> None:
        if self.current() is None:
            raise StoreError(f"{what} only works inside a transaction()")

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` after this transaction commits (if it changed anything), before
        another writer's transaction begins."""
        self.check_in_transaction("PgStore.after_commit()")
        self._local.actions.append(action)

    def erase_soon(self) -> None:
        """Inside a transaction that removes what must not stay (a mail's seed once sent).
        PostgreSQL keeps a row's earlier versions until VACUUM reclaims them, so the tables
        are vacuumed after the commit, once the lock is released (other kiosks need not
        wait for it): at once the first time, then at most every ERASE_DELAY seconds
        (autovacuum does the rest; docs/postgresql.md says what remains)."""
        self.check_in_transaction("PgStore.erase_soon()")
        if time.monotonic() - self._last_vacuum >= ERASE_DELAY:
            self._last_vacuum = time.monotonic()
            self._local.vacuum = True

    def _vacuum(self) -> None:
        with self._connection() as conn:
            for collection in schema.COLLECTIONS.values():
                conn.execute(f"VACUUM {collection.table}")

    # -- what the domain asks for (store/api.py) --------------------------------------------

    @property
    def purpose(self) -> str:
        """Read once: a store keeps the purpose it was made for (nothing changes it)."""
        if self._purpose is None:
            row = self.fetchone(f"SELECT value FROM {schema.SCHEMA}.meta "
                                "WHERE name = 'purpose'")
            self._purpose = str(row[0]) if row else KIOSK
        return self._purpose

    def keyed(self, table: str, key: str) -> PgKeyed:
        return PgKeyed(self, self._collection(table, key), key)

    def rows(self, table: str) -> PgRows:
        return PgRows(self, self._collection(table, None))

    def accounts(self) -> PgAccounts:
        return PgAccounts(self, schema.COLLECTIONS["accounts"])

    def outbox(self) -> PgOutbox:
        return PgOutbox(self, schema.COLLECTIONS["outbox"])

    def add_new_accounts(self, pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], *,
                         then: Callable[[list[str]], None] | None = None) -> list[str]:
        return add_new_accounts(self, pairs, then=then)

    def load_rows(self, table: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Inside :meth:`transaction`: add documents under the ids given (``nhi-kiosk db
        copy`` from another store); the table's ids go on after the highest."""
        self.check_in_transaction("PgStore.load_rows()")
        PgRows(self, self._collection(table, None)).load(rows)

    def companion(self, name: str) -> PgStore:
        """The same database: its tables are apart already (the TinyDB store keeps
        often-changed small data in a file of its own)."""
        return self

    def side_path(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def write_side_file(self, suffix: str, data: bytes) -> None:
        self.check_in_transaction("PgStore.write_side_file()")
        _fs.replace_private(self.side_path(suffix), data, temp_of=self.path)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- SQL, for store.pg.tables ------------------------------------------------------------

    def execute(self, sql: str, params: Iterable[Any] = (), *, write: bool = False
                ) -> list[tuple[Any, ...]]:
        """Run one statement: inside this thread's transaction if it has one (a write must),
        else on a pooled connection in autocommit. Its rows (none for a statement without).
        """
        conn = self.current()
        if write:
            if conn is None:
                raise StoreError("a write only works inside a transaction()")
            self._local.wrote = True
        if conn is not None:
            return _rows(conn.execute(sql, tuple(params)))
        for _attempt in range(POOL_SIZE):
            with self._connection() as pooled:
                try:
                    return _rows(pooled.execute(sql, tuple(params)))
                except psycopg.OperationalError:
                    if not pooled.broken:
                        raise
            # a connection the server dropped (a restart): the pool drops it, take another
        with self._connection() as pooled:
            return _rows(pooled.execute(sql, tuple(params)))

    def executemany(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        self.check_in_transaction("a write")
        self._local.wrote = True
        with self._local.conn.cursor() as cur:
            cur.executemany(sql, params)

    def fetchone(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    # -- inside ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection holding the store's lock, in a transaction begun (the
        caller commits or rolls back, and releases the lock). A
        connection the server dropped meanwhile (a restart) fails at the lock, before
        anything of the transaction ran: the pool drops it and another is taken. Checking
        each connection as it is taken out would cost a round trip on every call."""
        for attempt in range(POOL_SIZE + 1):
            with self._connection() as conn:
                try:
                    with conn.pipeline():
                        conn.execute("SELECT pg_advisory_lock(%s)", (self._lock_key,))
                        conn.execute("BEGIN")
                except pg_errors.LockNotAvailable as exc:
                    raise self._locked_error() from exc
                except psycopg.OperationalError:
                    if not conn.broken or attempt == POOL_SIZE:
                        raise
                    continue
                yield conn
                return

    def _locked_error(self) -> StoreLockedError:
        return StoreLockedError(f"could not lock the store within {self._lock_timeout:g} s; "
                                "another kiosk process is holding it")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection, within CONNECT_TIMEOUT: a kiosk whose database is gone says
        so at once instead of freezing for the lock's timeout. One the server has spoken to
        while it lay idle in the pool (a restart's termination notice, or the socket closed)
        is checked with a round trip and, if dead, dropped for another: no statement is
        sent on a connection known to be gone (write_alone's commit goes with it)."""
        try:
            for _attempt in range(POOL_SIZE + 1):
                with self._pool.connection(timeout=min(self._lock_timeout, CONNECT_TIMEOUT)
                                           ) as conn:
                    if _spoken_to(conn):
                        with contextlib.suppress(psycopg.Error):
                            conn.execute("")
                        if conn.broken:
                            continue   # the pool drops it as it comes back
                    yield conn
                    return
            raise StoreUnreachable("the database keeps dropping the connections")
        except (PoolTimeout, psycopg.OperationalError) as exc:
            if isinstance(exc, pg_errors.LockNotAvailable):
                raise
            raise StoreUnreachable(f"the database cannot be reached: {exc}") from exc

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """Each new pooled connection: the lock's timeout, and dates in ISO form (the only
        form psycopg reads a date or time column in, whatever the server's default)."""
        conn.execute(f"SET lock_timeout = {int(self._lock_timeout * 1000)}")
        conn.execute("SET DateStyle = 'ISO, YMD'")

    def _collection(self, table: str, key: str | None) -> schema.Collection:
        collection = schema.COLLECTIONS.get(table)
        if collection is None:
            raise StoreError(f"the PostgreSQL store has no table {table!r}")
        if key is not None and collection.key != key:
            raise StoreError(f"table {table!r} is keyed by {collection.key!r}, not {key!r}")
        return collection

    def _open_pool(self) -> None:
        """Connect once first: a server that is not there is said at once, in libpq's words,
        where the pool would go on trying until its timeout."""
        try:
            psycopg.connect(self.conninfo, **self._settings).close()
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreUnreachable(
                f"the database {self.conninfo} cannot be reached: {exc}") from exc
        try:
            self._pool.open(wait=True, timeout=self._lock_timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise StoreUnreachable(
                f"the database {self.conninfo} cannot be reached: {exc}") from exc

    def _version_error(self, version: int) -> StoreVersionError:
        if version < schema.VERSION:
            return StoreVersionError(
                f"the database {self.conninfo} has schema version {version}; this program "
                f"needs {schema.VERSION}: run 'nhi-kiosk db migrate' first")
        return StoreVersionError(
            f"the database {self.conninfo} has schema version {version} but this program "
            f"only understands up to {schema.VERSION}; upgrade the program (the database "
            "was left untouched)")

    def _version(self) -> int | None:
        found = self.fetchone("SELECT to_regclass(%s)", (f"{schema.SCHEMA}.meta",))
        if not found or found[0] is None:
            return None
        row = self.fetchone(f"SELECT value FROM {schema.SCHEMA}.meta WHERE name = 'schema'")
        return int(row[0]) if row else None

    def _migrate(self, version: int, purpose: str | None) -> None:
        """Apply the steps after ``version`` (caller holds the transaction); an empty
        database (0) is made at this version at once, and records ``purpose`` too."""
        statements = schema.create_statements() if version == 0 else [
            statement for step in range(version + 1, schema.VERSION + 1)
            for statement in schema.MIGRATIONS[step]]
        for statement in statements:
            if statement.startswith("step:"):   # a change of every row
                self._local.wrote = True
                getattr(migrate, statement.removeprefix("step:"))(self._local.conn)
            else:
                self.execute(statement, write=True)
        insert = f"INSERT INTO {schema.SCHEMA}.meta VALUES (%s, %s) ON CONFLICT (name) "
        self.execute(insert + "DO UPDATE SET value = EXCLUDED.value",
                     ("schema", Jsonb(schema.VERSION)), write=True)
        if purpose is not None:   # a store keeps the purpose it was made for
            self.execute(insert + "DO NOTHING", ("purpose", Jsonb(purpose)), write=True)


def _spoken_to(conn: psycopg.Connection[Any]) -> bool:
    """Has the server sent an idle connection anything? Only a connection's end does (no
    pooled connection listens): asked of the socket, without a round trip."""
    readable, _w, _x = select.select([conn.fileno()], [], [], 0)
    return bool(readable)


def _rows(cursor: psycopg.Cursor[Any]) -> list[tuple[Any, ...]]:
    return cursor.fetchall() if cursor.description is not None else []
