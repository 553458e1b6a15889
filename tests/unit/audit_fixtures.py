"""Helpers shared by the audit log's tests (test_audit_chain, test_audit_head)."""

from __future__ import annotations

from typing import Any

import orjson

from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.audit import Audit
from store.core import Store


def filled(store: Store, clock: FixedClock, n: int = 5) -> Audit:
    """A keyed log of ``n`` look-ups by staff0, staff1, ..., a minute apart: its Audit."""
    audit = Audit(store, clock)
    for i in range(n):
        clock.advance(minutes=1)
        audit.record(f"staff{i}", "look_up", "A123456789", document="id_card")
    return audit


def snapshot_of(store: Store) -> dict[str, Any]:
    """The store file as a text editor shows it, with every commit compacted into it."""
    store.compact()
    return orjson.loads(store.path.read_bytes())


def edit_snapshot(store: Store, data: dict[str, Any]) -> None:
    """Write ``data`` over the store file, as an editor would (no API, no lock, no key),
    and have the store read its files again, as any kiosk process opening it would."""
    store.path.write_bytes(orjson.dumps(data))
    store.reload()
