"""pcscd going away and coming back while the monitor watches.

This test stops and restarts pcscd. On a machine where a pcscd was already running, that
pcscd is taken over: terminated, and replaced by one this test session owns (see
``tests/integration/conftest.py``).
"""

from __future__ import annotations

import pytest

from reader.events import EventKind
from reader.virtual import VirtualCard
from tests.integration.helpers import READER_0, VPCD_READERS, MonitorRun, RestartablePcscd

pytestmark = pytest.mark.pcsc


def test_service_lost_and_back(monitor: MonitorRun, pcscd_restartable: RestartablePcscd) -> None:
    pcscd_restartable.stop()
    lost = monitor.wait_for(lambda e: e.kind is EventKind.SERVICE_LOST, what="service_lost")
    assert lost.reader is None
    detached = {e.reader for e in monitor.seen if e.kind is EventKind.READER_DETACHED}
    assert detached == set(VPCD_READERS)
    assert monitor.monitor.readers == {}

    pcscd_restartable.start()
    monitor.wait_for(lambda e: e.kind is EventKind.SERVICE_BACK, what="service_back")
    monitor.wait_readers()

    with VirtualCard.from_demo("national"):
        event = monitor.wait_for(
            lambda e: e.kind is EventKind.INSERTED and e.reader == READER_0
        )
        assert event.failure is None, event.detail
        assert event.card is not None
        assert event.card.name == "王大明"
    monitor.wait_for(lambda e: e.kind is EventKind.REMOVED and e.reader == READER_0)
