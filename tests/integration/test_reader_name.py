"""A process bound to one reader (``--reader-name``) over the real PC/SC path: it watches
and reads that reader only, as two SSH sessions on one server each use their own vpcd
slot; a card in any other reader is never seen. pcscd + vpcd's two slots + virtual cards."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable

import pytest

from reader.monitor import PcscMonitor
from reader.virtual import VirtualCard
from screens.card import CardScreen
from screens.idle import IdleScreen
from tests.integration.helpers import (
    EVENT_TIMEOUT,
    READER_0,
    READER_1,
    REPO_ROOT,
    Pcscd,
    cli_command,
    spawn,
    wait_card_state,
)
from tests.ui.conftest import make_app, screen_text, wait_until

pytestmark = pytest.mark.pcsc
EXIT_NO_READER = 4


def _event(kind: str, reader: str) -> Callable[[str], bool]:
    def match(line: str) -> bool:
        event = json.loads(line)
        return event["event"] == kind and event["reader"] == reader
    return match


def test_two_bound_watchers_each_see_only_their_own_reader(cli_env: dict[str, str]) -> None:
    watch = ("card", "--watch", "--json", "--reader-name")
    with spawn(cli_command(*watch, READER_0), cli_env, REPO_ROOT) as (first, out0), \
            spawn(cli_command(*watch, READER_1), cli_env, REPO_ROOT) as (second, out1):
        out0.wait_line(_event("reader_attached", READER_0), what="slot 0 watched")
        out1.wait_line(_event("reader_attached", READER_1), what="slot 1 watched")
        with VirtualCard.from_demo("national", slot=0), \
                VirtualCard.from_demo("cp950_ext", slot=1):
            mine0 = json.loads(out0.wait_line(_event("inserted", READER_0), what="card 0"))
            mine1 = json.loads(out1.wait_line(_event("inserted", READER_1), what="card 1"))
        out0.wait_line(_event("removed", READER_0), what="card 0 out")
        out1.wait_line(_event("removed", READER_1), what="card 1 out")
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=EVENT_TIMEOUT) == 0
        rest0, rest1 = out0.rest(), out1.rest()
    assert mine0["card"]["id_no"] == "A123456789" and mine1["card"]["name"] == "陳碁峰"
    assert all(json.loads(line)["reader"] == READER_0 for line in out0.seen + rest0)
    assert all(json.loads(line)["reader"] == READER_1 for line in out1.seen + rest1)


def _card_json(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command("card", "--json", "--lang", "en", *args), env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def test_card_reads_the_named_reader_past_a_card_in_another(cli_env: dict[str, str]) -> None:
    with VirtualCard.from_demo("national", slot=0), \
            VirtualCard.from_demo("cp950_ext", slot=1):
        wait_card_state(READER_0, present=True)
        wait_card_state(READER_1, present=True)
        done = _card_json(cli_env, "--reader-name", READER_1)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert read["reader"] == READER_1 and read["name"] == "陳碁峰"


def test_an_unknown_reader_name_is_a_message_naming_the_attached_ones(
        cli_env: dict[str, str]) -> None:
    done = _card_json(cli_env, "--reader-name", "Virtual PCD 00 07")
    assert done.returncode == EXIT_NO_READER
    assert 'There is no reader named "Virtual PCD 00 07"' in done.stderr
    assert READER_0 in done.stderr and READER_1 in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_kiosk_bound_to_a_reader_ignores_a_card_in_another(pcscd: Pcscd) -> None:
    app = make_app(lang="en", demo=False, monitor=PcscMonitor(only=READER_1))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: set(app.status.readers) == {READER_1},
                         timeout=EVENT_TIMEOUT, what="the bound reader only")
        assert f"Bound reader: {READER_1}" in screen_text(app)
        with VirtualCard.from_demo("national", slot=0):
            with VirtualCard.from_demo("cp950_ext", slot=1):
                await wait_until(pilot, lambda: isinstance(app.screen, CardScreen),
                                 timeout=EVENT_TIMEOUT, what="the bound reader's card")
                assert "陳○峰" in screen_text(app)
            await wait_until(pilot, lambda: not isinstance(app.screen, CardScreen),
                             timeout=EVENT_TIMEOUT, what="its card gone")
            assert "王" not in screen_text(app)         # slot 0's card is not this kiosk's


async def test_a_kiosk_bound_to_a_reader_not_attached_says_so_and_waits(pcscd: Pcscd) -> None:
    """Its status bar names the reader it waits for; the others' cards are not its own."""
    app = make_app(lang="en", demo=False, monitor=PcscMonitor(only="Virtual PCD 00 07"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "Waiting for reader Virtual PCD 00 07"
                         in screen_text(app), timeout=EVENT_TIMEOUT, what="waiting, named")
        with VirtualCard.from_demo("national", slot=0):
            wait_card_state(READER_0, present=True)
            await pilot.pause()
            assert isinstance(app.screen, IdleScreen) and app.status.readers == {}

