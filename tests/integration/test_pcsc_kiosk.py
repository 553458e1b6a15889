"""The kiosk itself over the real PC/SC path: pcscd + vpcd + a virtual card."""

from __future__ import annotations

import pytest

from reader.monitor import PcscMonitor
from reader.virtual import VirtualCard
from screens.card import CardScreen
from screens.idle import IdleScreen
from screens.message import MessageScreen, Problem
from tests.integration.helpers import READER_0, READER_1, Pcscd
from tests.ui.conftest import make_app, screen_text, wait_until

pytestmark = pytest.mark.pcsc
TIMEOUT = 10.0


def _pcsc_app(lang: str = "en"):
    monitor = PcscMonitor(wait_ms=60_000)
    return make_app(lang=lang, demo=False, monitor=monitor)


async def test_insert_read_show_remove_over_pcsc(pcscd: Pcscd) -> None:
    app = _pcsc_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: set(app.status.readers) >= {READER_0, READER_1},
                         timeout=TIMEOUT, what="vpcd readers attached")
        with VirtualCard.from_demo("cp950_ext", slot=1):
            await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                             timeout=TIMEOUT, what="card screen")
            text = screen_text(app)
            assert "陳○峰" in text and "E12****783" in text and READER_1 in text
        await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                         timeout=TIMEOUT, what="idle after removal")
        assert "陳" not in screen_text(app)


async def test_bank_card_over_pcsc_says_not_an_nhi_card(pcscd: Pcscd) -> None:
    app = _pcsc_app(lang="zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.status.readers, timeout=TIMEOUT, what="readers")
        with VirtualCard.from_demo("bank_card"):
            await wait_until(pilot, lambda: isinstance(app.screen, MessageScreen),
                             timeout=TIMEOUT, what="message")
            assert app.screen.problem is Problem.NOT_NHI
            assert "這不是健保卡" in screen_text(app)
        await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen),
                         timeout=TIMEOUT, what="idle after removal")
