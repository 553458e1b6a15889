"""Helpers shared by the audit log's tests (test_audit_chain, test_audit_head)."""

from __future__ import annotations

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
