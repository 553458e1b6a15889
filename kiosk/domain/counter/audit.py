"""The audit log of staff actions: who did what, to whom (masked), when.

Append-only: the kiosk has no way to change or delete an entry, and one who changes the
store file by other means is found out by :meth:`Audit.verify`:

* Each entry carries an HMAC-SHA256 (``mac``) of its content, including its ``seq`` and the
  previous entry's MAC (``prev``), under a key only the kiosk holds, derived from the
  machine key (``Keyring.digest("audit", "key")``, kiosk/domain/keyring.py). Without the
  key nobody can edit an entry, or make one up, and recompute a MAC that fits; a plain
  hash (SHA-256, as before) anyone could recompute.
* Entries are kept in the order they were written; an entry out of that order, a missing
  ``seq`` or a ``prev`` that is not its predecessor's MAC breaks the chain.
* Dropping the newest entries leaves a chain that fits, so the newest ``seq`` and its MAC
  are also kept outside the store, in the head file ``<store>.audit-head`` (mode 0600,
  with its own MAC), written after each commit under the store's lock. A log that ends
  before the head's ``seq``, or a head that is gone or altered, is reported.

Logs from before the key (each entry with an unkeyed SHA-256 ``hash``) are never sealed
behind anyone's back: nothing kept on this machine could tell such a log from one an
attacker rewrote in the old form after deleting the head file. Until an administrator runs
``nhi-kiosk audit seal`` (:meth:`Audit.seal`, right after the upgrade), new entries go on in
the old form and :meth:`Audit.verify` reports the log as UNSEALED, never as whole; sealing
gives every entry its MAC, if the old chain is whole, and an ``audit_sealed`` entry records
when. Tampering done before the seal cannot be detected: the old chain proves nothing
against someone who could recompute it. A sealed log that later reads as unsealed was
rewritten. Nor can anything kept on this machine show a rollback of the store and the head
file together to an older copy of both; that takes a witness elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from kiosk.domain.clock import Clock
from kiosk.domain.errors import KioskError
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.mask import mask_id
from store.api import Rows, StoreBackend

TABLE = "audit"
GENESIS = "0" * 64
HEAD_SUFFIX = ".audit-head"
SEALED = "audit_sealed"   # the entry a re-sealed log gets
KIOSK = "kiosk"           # the staff ID of entries the kiosk itself writes


class Problem(StrEnum):
    """Why the chain is not whole."""

    EDITED = "edited"          # an entry's content does not fit its MAC, or it has none
    MISSING = "missing"        # a ``seq`` is skipped: an entry was taken out
    REORDERED = "reordered"    # an entry is not where it was written
    TRUNCATED = "truncated"    # the log ends before the head file's ``seq``
    HEAD = "head"              # the head file is gone or altered: the end cannot be vouched for
    UNSEALED = "unsealed"      # a whole log in the form from before the key: nothing proven


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry that does not fit and why. For TRUNCATED the first ``seq`` missing
    at the end, for HEAD the last ``seq`` the log has (0: none)."""

    seq: int
    problem: Problem


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    mac: str


_BAD_HEAD = _Head(-1, "")   # a head file that exists but cannot be read or does not fit


def _seq_of(entry: dict[str, Any]) -> int:
    """An entry's number; 0 for one whose number was replaced by something else (which
    :meth:`Audit.verify` reports), so that reading and writing the log still work."""
    seq = entry.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of two hex strings (which a tampered file may not hold)."""
    return hmac.compare_digest(a.encode(), b.encode())


def _digest(entry: dict[str, Any]) -> str:
    """The old, unkeyed hash of an entry: only to check a log from before the key."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _legacy_break(rows: list[dict[str, Any]]) -> int | None:
    """The old check of a log from before the key: the first ``seq`` that does not fit."""
    prev = GENESIS
    for entry in sorted(rows, key=_seq_of):
        if entry.get("prev") != prev or _digest(dict(entry)) != entry.get("hash"):
            return _seq_of(entry)
        prev = entry["hash"]
    return None


@dataclass(frozen=True, slots=True)
class Filter:
    staff_id: str | None = None
    action: str | None = None
    person: str | None = None      # a masked ID as shown, or its first characters
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, entry: dict[str, Any]) -> bool:
        at = entry_time(entry)
        dated = self.since is not None or self.until is not None
        return ((self.staff_id is None or entry.get("staff_id") == self.staff_id)
                and (self.action is None or entry.get("action") == self.action)
                and (self.person is None or str(entry.get("person") or "").startswith(
                    self.person.upper()))
                and (not dated or at is not None)
                and (self.since is None or at is None or at >= self.since)
                and (self.until is None or at is None or at < self.until))


def entry_time(entry: dict[str, Any]) -> datetime | None:
    """When an entry was written; None when its time was replaced by something that is
    not one (an edit :meth:`Audit.verify` reports — reading the log must still work)."""
    try:
        at = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return None
    return at if at.tzinfo else None


class Audit:
    """The log over one store. The key is read from ``machine.key`` on first use."""

    def __init__(self, store: StoreBackend, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._key: bytes | None = None

    # -- writing -------------------------------------------------------------------
    def record(self, staff_id: str, action: str, person_id: str | None = None,
               **detail: Any) -> dict[str, Any]:
        """Append one entry; the person's ID is stored masked, like on the screen. On a log
        still in the old form (see the module docstring) the entry takes that form too."""
        self._audit_key()   # loaded (and checked against the store) before the lock
        person = mask_id(person_id) if person_id else None
        with self._store.transaction():
            table = self._store.rows(TABLE)
            rows = [entry for _row, entry in table.all()]
            head = self._read_head()
            if self._unsealed(rows, head):
                return self._append_unsealed(table, rows, staff_id, action, person, detail)
            return self._append(table, rows, head, staff_id, action, person, detail)

    def _append_unsealed(self, table: Rows, rows: list[dict[str, Any]], staff_id: str,
                         action: str, person: str | None,
                         detail: dict[str, Any]) -> dict[str, Any]:
        last = max(rows, key=_seq_of)
        entry = {"seq": _seq_of(last) + 1,
                 "at": self._clock.now().isoformat(timespec="seconds"),
                 "staff_id": staff_id, "action": action, "person": person,
                 "detail": detail, "prev": last.get("hash") or ""}
        entry["hash"] = _digest(entry)
        table.insert(entry)
        return entry

    def _append(self, table: Rows, rows: list[dict[str, Any]], head: _Head | None,
                staff_id: str, action: str, person: str | None,
                detail: dict[str, Any]) -> dict[str, Any]:
        """Inside a transaction: the entry after ``rows``, and the head moved onto it once
        committed. A head that does not fit the log (gone, altered, ahead of it) is left
        as it is: writing a new one would wipe out the evidence."""
        last = max(rows, key=_seq_of, default=None)
        entry: dict[str, Any] = {"seq": (_seq_of(last) + 1) if last else 1,
                 "at": self._clock.now().isoformat(timespec="seconds"),
                 "staff_id": staff_id, "action": action, "person": person,
                 "detail": detail,
                 "prev": (last.get("mac") or last.get("hash") or "") if last else GENESIS}
        entry["mac"] = self._mac(entry)
        table.insert(entry)
        if head is None and not rows:
            # a new log: its head exists before its first entry does (a crash between the
            # commit and the head's write would otherwise look like a lost head)
            self._write_head(0, GENESIS)
            head = _Head(0, GENESIS)
        if head is not None and self._head_fits(head, rows) is None:
            self._store.after_commit(lambda: self._write_head(entry["seq"], entry["mac"]))
        return entry

    def seal(self) -> int:
        """Seal a log from before the key (an administrator's step right after the
        upgrade); how many entries it had. 0 when there is nothing to seal; KioskError
        (err.audit.unsealable, with the first ``seq`` that does not fit) when the old
        chain is broken, so an edit made before the upgrade is never sealed in."""
        self._audit_key()
        with self._store.transaction():
            table = self._store.rows(TABLE)
            rows = [entry for _row, entry in table.all()]
            if not self._unsealed(rows, self._read_head()):
                return 0
            broken = _legacy_break(rows)
            if broken is not None:
                raise KioskError("err.audit.unsealable", seq=broken)
            self._reseal(table, rows)
            return len(rows)

    def _reseal(self, table: Rows, rows: list[dict[str, Any]]) -> None:
        by_seq: dict[int, dict[str, Any]] = {}
        prev = GENESIS
        for old in sorted(rows, key=_seq_of):
            entry = {k: v for k, v in old.items() if k != "hash"}
            entry["prev"] = prev
            entry["mac"] = prev = self._mac(entry)
            by_seq[entry["seq"]] = entry

        for row, old in table.all():
            table.replace(row, {**{k: v for k, v in old.items() if k != "hash"},
                                **by_seq[old["seq"]]})
        self._write_head(0, GENESIS)   # as for a new log: see _append
        rows = [by_seq[e["seq"]] for e in rows]
        self._append(table, rows, _Head(0, GENESIS), KIOSK, SEALED, None,
                     {"entries": len(rows)})

    @staticmethod
    def _unsealed(rows: list[dict[str, Any]], head: _Head | None) -> bool:
        """A log in the form from before the key: no entry has a MAC, and there is no
        head file (or only the one written just before a seal that did not get committed:
        a full disk must not turn the upgrade into a false alarm)."""
        return (bool(rows) and all("mac" not in e for e in rows)
                and (head is None or (head.seq == 0 and head.mac == GENESIS)))

    # -- reading -------------------------------------------------------------------
    def entries(self, where: Filter | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        rows = sorted((entry for _row, entry in self._store.rows(TABLE).all()), key=_seq_of,
                      reverse=True)
        return [dict(e) for e in rows if where is None or where.keeps(e)]

    def verify(self) -> ChainBreak | None:
        """None when the chain is whole, else its first break (see the module docstring).

        A log in the old form is EDITED where its old chain breaks, else UNSEALED: whole
        is more than it can prove (see the module docstring)."""
        head = self._read_head()   # before the rows: a head never runs ahead of its log
        rows = [entry for _row, entry in self._store.rows(TABLE).all()]
        if self._unsealed(rows, head):
            broken = _legacy_break(rows)
            if broken is not None:
                return ChainBreak(broken, Problem.EDITED)
            return ChainBreak(min(map(_seq_of, rows)), Problem.UNSEALED)
        return self._check(rows, head)

    def _check(self, rows: list[dict[str, Any]], head: _Head | None) -> ChainBreak | None:
        seqs = {e.get("seq") for e in rows}
        expected, prev = 1, GENESIS
        for entry in rows:   # in the order they were written
            seq = entry.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool):
                return ChainBreak(expected, Problem.EDITED)
            mac = entry.get("mac")
            if not isinstance(mac, str) or not _same(self._mac(entry), mac):
                return ChainBreak(seq, Problem.EDITED)
            if seq < expected:
                return ChainBreak(seq, Problem.REORDERED)   # after a later one, or twice
            if seq > expected:
                return ChainBreak(expected, Problem.REORDERED if expected in seqs
                                  else Problem.MISSING)
            if entry.get("prev") != prev:
                return ChainBreak(seq, Problem.EDITED)     # a genuine entry of another log
            expected, prev = seq + 1, mac
        if head is None:
            return ChainBreak(expected - 1, Problem.HEAD) if rows else None   # or a new log
        return self._head_fits(head, rows)

    @staticmethod
    def _head_fits(head: _Head, rows: list[dict[str, Any]]) -> ChainBreak | None:
        """The head against the log: its entry must be there with the MAC it names. A log
        that goes on past the head is fine: a crash can come between the commit and the
        head's write."""
        last = max((e["seq"] for e in rows if isinstance(e.get("seq"), int)), default=0)
        if head is _BAD_HEAD or (head.seq == 0 and head.mac != GENESIS):
            return ChainBreak(last, Problem.HEAD)
        if head.seq == 0:
            return None
        at = next((e for e in rows if e.get("seq") == head.seq), None)
        if at is None:
            return ChainBreak(last + 1, Problem.TRUNCATED)
        if not _same(str(at.get("mac")), head.mac):
            return ChainBreak(head.seq, Problem.EDITED)
        return None

    # -- the key and the head file ---------------------------------------------------
    def _audit_key(self) -> bytes:
        if self._key is None:
            self._key = bytes.fromhex(Keyring(machine_key(self._store)).digest("audit", "key"))
        return self._key

    def _mac(self, entry: dict[str, Any]) -> str:
        """Over every field but the MAC itself: a field added to an entry is an edit (a
        keyed entry never has a ``hash``: sealing removes it)."""
        body = {k: v for k, v in entry.items() if k != "mac"}
        return hmac.new(self._audit_key(), orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
                        hashlib.sha256).hexdigest()

    def _head_seal(self, seq: int, mac: str) -> str:
        body = orjson.dumps({"mac": mac, "seq": seq}, option=orjson.OPT_SORT_KEYS)
        return hmac.new(self._audit_key(), b"audit-head:" + body, hashlib.sha256).hexdigest()

    def _write_head(self, seq: int, mac: str) -> None:
        """Under the store's lock (a transaction or its after-commit): never interleaved."""
        data = {"seq": seq, "mac": mac, "seal": self._head_seal(seq, mac)}
        self._store.write_side_file(HEAD_SUFFIX, orjson.dumps(data))

    def _read_head(self) -> _Head | None:
        """None when there is no head file; _BAD_HEAD when it is unreadable or altered."""
        try:
            raw = self._store.side_path(HEAD_SUFFIX).read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return _BAD_HEAD
        try:
            data = orjson.loads(raw)
            seq, mac, seal = data["seq"], data["mac"], data["seal"]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            return _BAD_HEAD
        if (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0
                or not isinstance(mac, str) or not isinstance(seal, str)
                or not _same(self._head_seal(seq, mac), seal)):
            return _BAD_HEAD
        return _Head(seq, mac)


