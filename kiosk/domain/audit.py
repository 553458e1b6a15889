"""The audit log of staff actions (SPEC §6): who did what, to whom (masked), when.

Append-only: the kiosk has no way to change or delete an entry. Each entry also carries
the SHA-256 of the previous one, so an edit made to the store file by other means breaks
the chain and :meth:`Audit.verify` names the first entry that no longer fits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from kiosk.domain.clock import Clock
from kiosk.domain.mask import mask_id
from store.core import Store

TABLE = "audit"
GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class Filter:
    staff_id: str | None = None
    action: str | None = None
    person: str | None = None      # a masked ID as shown, or its first characters
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, entry: dict[str, Any]) -> bool:
        at = datetime.fromisoformat(entry["at"])
        return ((self.staff_id is None or entry["staff_id"] == self.staff_id)
                and (self.action is None or entry["action"] == self.action)
                and (self.person is None or (entry.get("person") or "").startswith(
                    self.person.upper()))
                and (self.since is None or at >= self.since)
                and (self.until is None or at < self.until))


class Audit:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def record(self, staff_id: str, action: str, person_id: str | None = None,
               **detail: Any) -> dict[str, Any]:
        """Append one entry; the person's ID is stored masked, like on the screen."""
        with self._store.transaction() as db:
            table = db.table(TABLE)
            last = max(table.all(), key=lambda e: e["seq"], default=None)
            entry = {"seq": (last["seq"] + 1) if last else 1,
                     "at": self._clock.now().isoformat(timespec="seconds"),
                     "staff_id": staff_id, "action": action,
                     "person": mask_id(person_id) if person_id else None,
                     "detail": detail, "prev": last["hash"] if last else GENESIS}
            entry["hash"] = _digest(entry)
            table.insert(entry)
        return entry

    def entries(self, where: Filter | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        rows = sorted(self._store.db().table(TABLE).all(), key=lambda e: e["seq"],
                      reverse=True)
        return [dict(e) for e in rows if where is None or where.keeps(e)]

    def verify(self) -> int | None:
        """None when the chain is whole, else the ``seq`` of the first broken entry."""
        prev = GENESIS
        for entry in sorted(self._store.db().table(TABLE).all(), key=lambda e: e["seq"]):
            if entry["prev"] != prev or _digest(dict(entry)) != entry["hash"]:
                return int(entry["seq"])
            prev = entry["hash"]
        return None
