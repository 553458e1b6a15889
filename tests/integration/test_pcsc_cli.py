"""``nhi-kiosk card`` and ``nhi-kiosk virtual-card`` end to end, as subprocesses.

What a technician at the counter sees: the printed card, the masking, the messages on
stderr, and the exit codes documented in kiosk/cli.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.card import CardData
from reader.errors import NoCardError
from reader.pcsc import read_first_card
from reader.virtual import VirtualCard
from tests.integration.helpers import (
    EVENT_TIMEOUT,
    READER_0,
    READER_1,
    REPO_ROOT,
    cli_command,
    spawn,
    wait_card_state,
)

pytestmark = pytest.mark.pcsc

EXIT_USAGE, EXIT_NO_CARD, EXIT_NOT_NHI, EXIT_READ_FAILED = 2, 5, 6, 7

NATIONAL_JSON = {
    "reader": READER_0,
    "card_no": "000011112222",
    "name": "王大明",
    "id_no": "A123456789",
    "birth_date": "1980-05-12",
    "sex": "M",
    "issue_date": "2015-03-02",
    "valid": True,
}


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), env=env, cwd=REPO_ROOT, capture_output=True, text=True,
        encoding="utf-8", timeout=30, stdin=subprocess.DEVNULL,
    )


def assert_clean_stderr(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


# -- nhi-kiosk card ----------------------------------------------------------------
def test_card_json_prints_the_card(cli_env: dict[str, str]) -> None:
    with VirtualCard.from_demo("national"):
        wait_card_state(READER_0, present=True)
        proc = run_cli(cli_env, "card", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == NATIONAL_JSON
    assert_clean_stderr(proc)


def test_card_human_output_masks_unless_asked(cli_env: dict[str, str]) -> None:
    with VirtualCard.from_demo("national"):
        wait_card_state(READER_0, present=True)
        masked = run_cli(cli_env, "card", "--lang", "en")
        shown = run_cli(cli_env, "card", "--lang", "en", "--show-personal")
    assert masked.returncode == 0, masked.stderr
    assert "A12****789" in masked.stdout
    assert "王○明" in masked.stdout
    assert "A123456789" not in masked.stdout
    assert "王大明" not in masked.stdout
    assert "000011112222" not in masked.stdout

    assert shown.returncode == 0, shown.stderr
    assert "A123456789" in shown.stdout
    assert "王大明" in shown.stdout
    assert "000011112222" in shown.stdout
    assert READER_0 in shown.stdout


def test_card_without_a_card_exits_5(cli_env: dict[str, str]) -> None:
    proc = run_cli(cli_env, "card", "--json", "--lang", "en")
    assert proc.returncode == EXIT_NO_CARD, (proc.stdout, proc.stderr)
    assert "No card in any reader" in proc.stderr
    assert proc.stdout == ""
    assert_clean_stderr(proc)


def test_card_with_a_bank_card_exits_6(cli_env: dict[str, str]) -> None:
    with VirtualCard.from_demo("bank_card"):
        wait_card_state(READER_0, present=True)
        proc = run_cli(cli_env, "card", "--lang", "en")
    assert proc.returncode == EXIT_NOT_NHI, (proc.stdout, proc.stderr)
    assert "not an NHI card" in proc.stderr
    assert_clean_stderr(proc)


def test_card_json_specimen_is_read_but_invalid(cli_env: dict[str, str]) -> None:
    with VirtualCard.from_demo("specimen"):
        wait_card_state(READER_0, present=True)
        proc = run_cli(cli_env, "card", "--json", "--lang", "en")
    assert proc.returncode == EXIT_READ_FAILED, (proc.stdout, proc.stderr)
    out = json.loads(proc.stdout)
    assert out["id_no"] == "A223456789"
    assert out["name"] == "甄健康"
    assert out["valid"] is False
    assert "not valid" in proc.stderr
    assert_clean_stderr(proc)


# -- nhi-kiosk card --watch --------------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_card_watch_json_streams_events(cli_env: dict[str, str], sig: signal.Signals) -> None:
    def event_line(kind: str, reader: str = READER_0) -> Callable[[str], bool]:
        def match(line: str) -> bool:
            event = json.loads(line)
            return event["event"] == kind and event["reader"] == reader
        return match

    with spawn(cli_command("card", "--watch", "--json"), cli_env, REPO_ROOT) as (proc, out):
        # both readers reported: the monitor (and its signal handlers) are up
        out.wait_line(event_line("reader_attached", READER_0), what="reader_attached 00")
        out.wait_line(event_line("reader_attached", READER_1), what="reader_attached 01")
        with VirtualCard.from_demo("national"):
            inserted = json.loads(out.wait_line(event_line("inserted"), what="inserted"))
        removed = json.loads(out.wait_line(event_line("removed"), what="removed"))

        card = dict(NATIONAL_JSON)
        del card["reader"], card["valid"]
        assert inserted["card"] == card
        assert "error" not in inserted
        assert inserted["at"] <= removed["at"]

        proc.send_signal(sig)
        try:
            code: int | None = proc.wait(timeout=EVENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        assert code is not None, (
            f"`nhi-kiosk card --watch` still runs {EVENT_TIMEOUT:g} s after {sig.name}"
        )
        stderr = proc.stderr.read()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr


# -- nhi-kiosk virtual-card ---------------------------------------------------------------
def test_virtual_card_demo_is_seen_by_pcsc(cli_env: dict[str, str]) -> None:
    args = cli_command("virtual-card", "--demo", "national", "--lang", "en")
    with spawn(args, cli_env, REPO_ROOT) as (proc, out):
        out.wait_line(lambda line: "inserted" in line, what="the 'inserted' line")
        wait_card_state(READER_0, present=True)
        reader, card = read_first_card()
        assert reader == READER_0
        assert (card.name, card.id_no) == ("王大明", "A123456789")

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=EVENT_TIMEOUT) == 0, proc.stderr.read()
        assert any("removed" in line for line in out.rest()), out.seen
    wait_card_state(READER_0, present=False)
    with pytest.raises(NoCardError):
        read_first_card()


def test_virtual_card_from_json_file_round_trips(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # five characters, 10 bytes of cp950; 碁銹裏 are Microsoft's extensions to Big5
    mine = CardData.from_json({
        "card_no": "000099990000", "name": "司馬碁銹裏", "id_no": "A123456789",
        "birth_date": "1990-02-28", "sex": "F", "issue_date": "2020-10-01",
    })
    path = tmp_path / "card.json"
    path.write_text(json.dumps(mine.to_json(), ensure_ascii=False), "utf-8")
    args = cli_command("virtual-card", "--slot", "1", "--card", str(path), "--lang", "en")
    with spawn(args, cli_env, REPO_ROOT) as (proc, out):
        line = out.wait_line(lambda line: "inserted" in line, what="the 'inserted' line")
        assert "司馬碁銹裏" in line
        wait_card_state(READER_1, present=True)
        assert read_first_card() == (READER_1, mine)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=EVENT_TIMEOUT) == 0, proc.stderr.read()
    wait_card_state(READER_1, present=False)


def test_virtual_card_unknown_demo_exits_2(cli_env: dict[str, str]) -> None:
    proc = run_cli(cli_env, "virtual-card", "--demo", "nosuch", "--lang", "en")
    assert proc.returncode == EXIT_USAGE, (proc.stdout, proc.stderr)
    assert "nosuch" in proc.stderr
    assert "national" in proc.stderr  # the message lists the cards there are
    assert_clean_stderr(proc)


def test_virtual_card_bad_json_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_text('{"name": "王大明"}', "utf-8")
    proc = run_cli(cli_env, "virtual-card", "--card", str(path), "--lang", "en")
    assert proc.returncode == EXIT_USAGE, (proc.stdout, proc.stderr)
    assert str(path) in proc.stderr
    assert_clean_stderr(proc)
