"""How a Store catches up with its files: the snapshot read whole, or only the journal
records it has not seen; a new snapshot of the same store (another process's compaction)
followed without reading it; everything read validated, a damaged file refused by name.

A mixin of :class:`store.core.Store` (which holds the state named below and writes the
files); kept apart because reading is where every other process's work arrives, and the
rules about what a file may hold are easiest to check in one place.
"""

from __future__ import annotations

import collections
import gc
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import orjson
from tinydb import TinyDB

from store import _fs, journal
from store.errors import StoreCorruptError, StoreError, StoreVersionError
from store.storage import MemoryTables, Tables

META_TABLE = "_meta"
_META_DOC = "1"
#: A snapshot at least this large has its documents exempted from Python's garbage
#: collector once loaded (see CatchUp._take); a small one is not worth the collection.
FREEZE_BYTES = 16 << 20
#: The snapshot's first bytes: its store id and the last commit it holds (Store writes
#: ``_meta`` first, led by these fields).
_HEAD_BYTES = 128    # enough for _HEAD (the id is 32 characters, the number at most 20)
_HEAD = re.compile(rb'\{"_meta":\{"1":\{"store":"([0-9a-f]{32})","seq":(\d+),')


class CatchUp:
    """The reading half of :class:`store.core.Store`; every method runs holding its
    ``_state`` lock."""

    SCHEMA_VERSION: ClassVar[int]
    MIGRATIONS: ClassVar[dict[int, Callable[[Tables], None]]]
    path: Path
    backup_path: Path
    journal_path: Path
    _memory: MemoryTables
    _db: TinyDB
    _generation: int
    _store_id: str | None
    _seq: int
    _snapshot_sig: tuple[int, int, int] | None
    _journal_inode: int | None
    _journal_end: int
    _journal_seq: int
    _torn: int
    _recent: collections.deque[tuple[int, int]]
    _needs_rebase: bool
    _had_journal: bool

    def _corrupt(self, reason: str, path: Path | None = None) -> StoreCorruptError:
        backup = self.backup_path if os.path.lexists(self.backup_path) else None
        return StoreCorruptError(path or self.path, backup, reason)

    def _changed(self) -> None:
        self._generation += 1
        for table in self._db._tables.values():
            table.clear_cache()

    def _refresh(self) -> None:
        """Catch up with the files (caller holds ``_state``): nothing when neither changed,
        the journal's new records when it grew, everything when the snapshot is not a
        compaction of what is in memory."""
        if self._store_id is None:
            self._load()
            return
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise self._corrupt(f"cannot read it: {exc.strerror or exc}") from exc
        if (st.st_ino, st.st_size, st.st_mtime_ns) != self._snapshot_sig:
            head = self._snapshot_head()
            if head is None or head[0] != self._store_id:
                self._load()   # not a compaction of this store: read it all
                return
            self._snapshot_sig = (st.st_ino, st.st_size, st.st_mtime_ns)
            self._read_journal()
            if self._seq < head[1]:
                # the snapshot holds commits no journal does (Store._rewrite_commit)
                self._load()
            return
        self._read_journal()

    def _read_journal(self) -> None:
        """Apply the journal's records not applied yet (caller holds ``_state``)."""
        try:
            inode, size = journal.stat(self.journal_path)
            if inode == self._journal_inode and size == self._journal_end:
                return
            read = journal.read_from(self.journal_path, self._journal_end, self._journal_inode)
        except FileNotFoundError as exc:
            if exc.filename == str(self.journal_path):
                raise self._journal_missing() from exc
            raise self._corrupt(f"cannot read it: {exc.strerror or exc}") from exc
        except OSError as exc:
            raise self._corrupt(f"cannot read it: {exc.strerror or exc}",
                                _named(exc, self.path)) from exc
        if read.inode != self._journal_inode:
            if not self._follow_new_journal(read):
                self._load()
            return
        self._apply(self._scan(read.data, self._journal_end), read.inode,
                    self._journal_seq + 1)

    def _snapshot_head(self) -> tuple[str, int] | None:
        """(store id, seq) from the snapshot's first bytes; None if they are not that."""
        try:
            with open(self.path, "rb") as f:
                match = _HEAD.match(f.read(_HEAD_BYTES))
        except OSError:
            return None
        return (match[1].decode(), int(match[2])) if match else None

    def _follow_new_journal(self, read: journal.Read) -> bool:
        """A compaction replaced the journal: go on from it if it reaches back to what is in
        memory (False: it does not, everything must be read again)."""
        found = self._scan(read.data, 0)
        if not found.frames:
            return False
        store_id, base = self._journal_header(found)
        if store_id != self._store_id or base > self._seq:
            return False
        self._recent.clear()
        self._apply(found, read.inode, base + 1, skip_header=True)
        return True

    def _load(self) -> None:
        """Read the snapshot and the whole journal. A compaction in another process may
        replace both between the two reads; then they do not fit, and it is tried again."""
        for _attempt in range(5):
            try:
                sig, raw = _fs.read_whole(self.path)
            except OSError as exc:
                raise self._corrupt(f"cannot read it: {exc.strerror or exc}") from exc
            tables, schema = self._decode(raw)
            meta = tables[META_TABLE][_META_DOC]
            if schema < 2:   # no journal yet: the next transaction writes both files
                self._migrate(tables, schema)
                self._take(tables, None, 0, sig)
                self._needs_rebase, self._had_journal = True, False
                return
            store_id, seq = meta.pop("store", None), meta.pop("seq", None)
            meta.pop("commit", None)
            if not isinstance(store_id, str) or not isinstance(seq, int):
                raise self._corrupt(f"no store id or sequence number in table {META_TABLE!r}")
            try:
                read = journal.read_from(self.journal_path, 0, None)
            except FileNotFoundError as exc:
                raise self._journal_missing() from exc
            except OSError as exc:
                raise self._corrupt(f"cannot read it: {exc.strerror or exc}",
                                    self.journal_path) from exc
            found = self._scan(read.data, 0)
            if not found.frames:
                continue     # replaced under our feet, or a header torn off a new journal
            journal_id, base = self._journal_header(found)
            if journal_id != store_id or base > seq:
                continue
            self._take(tables, store_id, seq, sig)
            self._apply(found, read.inode, base + 1, skip_header=True)
            if schema < self.SCHEMA_VERSION:   # the journal's documents are as old
                self._migrate(self._memory.tables, schema)
                self._memory.load(self._memory.tables)   # indexes start over
                self._needs_rebase = True
                self._changed()
            return
        raise self._corrupt(f"its journal {self.journal_path} belongs to another version of "
                            "the store (its id or first commit does not fit the snapshot)")

    def _take(self, tables: Tables, store_id: str | None, seq: int,
              sig: tuple[int, int, int]) -> None:
        self._memory.load(tables)
        if sig[1] >= FREEZE_BYTES:
            # Python's collector would otherwise walk every document on each full pass:
            # 40 ms at 500,000 accounts, a pause in whatever lookup it lands on. The
            # documents hold no cycles (JSON), so nothing is lost by exempting them;
            # what was garbage before is collected first.
            gc.collect()
            gc.freeze()
        self._store_id, self._seq, self._snapshot_sig = store_id, seq, sig
        self._journal_inode, self._journal_end, self._torn = None, 0, 0
        self._recent.clear()
        self._needs_rebase, self._had_journal = False, True
        self._changed()

    def _scan(self, data: bytes, offset: int) -> journal.Scan:
        try:
            return journal.scan(data, self.journal_path, offset)
        except journal.JournalDamaged as exc:
            raise self._corrupt(f"its journal is damaged: {exc.reason} at byte {exc.offset}",
                                self.journal_path) from exc

    def _journal_header(self, found: journal.Scan) -> tuple[str, int]:
        start, payload = found.frames[0]
        if start != 0:
            raise self._corrupt("its journal does not start with a header", self.journal_path)
        try:
            return journal.check_header(journal.decode(payload, self.journal_path, 0),
                                        self.journal_path)
        except journal.JournalDamaged as exc:
            raise self._corrupt(f"its journal is damaged: {exc.reason}",
                                self.journal_path) from exc

    def _apply(self, found: journal.Scan, inode: int, first: int, *,
               skip_header: bool = False) -> None:
        """Apply the commits ``found`` holds after :attr:`_seq`; ``first`` is the number its
        first commit must have (they follow each other). One the tables hold already is
        skipped unparsed. Caller holds ``_state``."""
        memory = self._memory
        frames = found.frames[1:] if skip_header else found.frames
        applied = False
        for number, (start, payload) in enumerate(frames, start=first):
            if number <= self._seq:
                self._recent.append((number, start))
                continue
            try:
                seq, ops = journal.check_commit(
                    journal.decode(payload, self.journal_path, start), start,
                    self.journal_path)
            except journal.JournalDamaged as exc:
                raise self._corrupt(f"its journal is damaged: {exc.reason} at byte {start}",
                                    self.journal_path) from exc
            if seq != self._seq + 1 or seq != number:
                raise self._corrupt(f"its journal skips from commit {self._seq} to {seq} "
                                    f"at byte {start}", self.journal_path)
            for table, doc_id, doc in ops:
                memory.put(table, doc_id, doc)
            self._seq = seq
            self._recent.append((seq, start))
            applied = True
        self._journal_inode, self._journal_end, self._torn = inode, found.end, found.torn
        self._journal_seq = first - 1 + len(frames)
        if applied:
            self._changed()

    def _journal_missing(self) -> StoreCorruptError:
        return self._corrupt(f"its journal {self.journal_path} is missing: the commits made "
                             "since the last compaction would be lost", self.journal_path)

    def _decode(self, raw: bytes) -> tuple[Tables, int]:
        """Parse and validate one snapshot: its tables and its schema (StoreVersionError
        if newer than this program's). An older one is migrated by the caller, with the
        journal's records applied first: they hold documents of the same age."""
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
        if schema < self.SCHEMA_VERSION and not all(
                v in self.MIGRATIONS for v in range(schema, self.SCHEMA_VERSION)):
            self._migrate(tables, schema)   # raises, naming the missing step, before any read
        return tables, schema

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


def _named(exc: OSError, default: Path) -> Path:
    return Path(exc.filename) if exc.filename else default


def _schema_of(tables: Tables) -> int | None:
    doc = tables.get(META_TABLE, {}).get(_META_DOC)
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if isinstance(schema, int) and not isinstance(schema, bool):
        return schema
    return None
