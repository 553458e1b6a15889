"""``nhi-kiosk outbox``: JSON for tools (addresses unmasked, never a secret), blocks for
people (masked), --deliver."""

from __future__ import annotations

import json
import socket
from datetime import datetime

import pytest

from kiosk.cli import EXIT_USAGE, main
from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.codes import ALPHABET, LENGTH
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.mail import Mailer, MailKind
from store.core import Store
from store.outbox import Outbox

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch, tmp_path):
    """The developer's own NHI_KIOSK_* variables or config file must not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("NHI_KIOSK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NHI_KIOSK_CONFIG", str(tmp_path / "empty.toml"))
    (tmp_path / "empty.toml").write_text("")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "kiosk.json"
    with Store.open(path) as store:
        mailer = Mailer(Outbox(store), FixedClock(NOW))
        mailer.queue(MailKind.VERIFY, "someone@example.com", seed="seed-1",
                     expires_at=datetime(2026, 3, 2, 9, 30, tzinfo=TAIPEI))
        mailer.queue(MailKind.REGISTERED, "zhang.san@example.org")
    return path


def _code(db) -> str:
    """The code the verification mail tells its reader."""
    with Store.open(db) as store:
        return Keyring(machine_key(store)).derive("seed-1", ALPHABET, LENGTH)


def test_json_lists_unmasked_records_newest_first_but_never_a_secret(db, capsys):
    assert main(["outbox", "--json", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    mails = json.loads(out)
    assert [m["id"] for m in mails] == [2, 1]
    assert [m["to"] for m in mails] == ["zhang.san@example.org", "someone@example.com"]
    verify = mails[1]
    assert verify["kind"] == "verify" and "code" not in verify and "seed-1" not in out
    assert verify["status"] == "queued" and verify["created_at"] == "2026-03-02T09:00:00+08:00"
    assert "驗證碼：*****-*****" in verify["body"] and " / " in verify["subject"]
    assert _code(db) not in out


def test_limit(db, capsys):
    assert main(["outbox", "--json", "--limit", "1", "--db", str(db)]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)] == [2]


def test_bad_limit_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as info:
        main(["outbox", "--limit", "-3", "--db", str(db)])
    assert info.value.code == 2


def test_human_output_masks_the_address(db, capsys):
    assert main(["outbox", "--lang", "en", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].startswith("ID: 2") and blocks[1].startswith("ID: 1")
    assert "To: z***@example.org" in blocks[0] and "To: s***@example.com" in blocks[1]
    assert "someone@example.com" not in out and "zhang.san" not in out
    assert "Kind: Registration verification" in blocks[1] and "Status: queued" in blocks[1]
    assert "Subject: 健保卡服務帳號註冊驗證 / Verify your NHI card service account" in blocks[1]
    assert "Time: Mon 2026-03-02 09:00 (ROC 115)" in blocks[1]
    assert _code(db) not in out


def test_human_output_in_chinese(db, capsys):
    assert main(["outbox", "--lang", "zh-TW", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "收件人: s***@example.com" in out and "狀態: 待寄出" in out


def test_empty_outbox(tmp_path, capsys):
    assert main(["outbox", "--lang", "en", "--db", str(tmp_path / "new.json")]) == 0
    assert "The outbox is empty." in capsys.readouterr().out


def test_deliver_without_smtp_is_a_usage_error_and_keeps_the_mail(db, capsys):
    assert main(["outbox", "--deliver", "--lang", "en", "--db", str(db)]) == EXIT_USAGE
    assert "No SMTP server is configured" in capsys.readouterr().err
    with Store.open(db) as store:
        assert [m["status"] for m in Outbox(store).mails()] == ["queued", "queued"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_deliver_to_an_unreachable_server_reports_and_keeps_the_mail(db, capsys, monkeypatch):
    monkeypatch.setenv("NHI_KIOSK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NHI_KIOSK_SMTP_PORT", str(_closed_port()))
    monkeypatch.setenv("NHI_KIOSK_SMTP_STARTTLS", "false")
    assert main(["outbox", "--deliver", "--json", "--lang", "en", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "0 sent, 0 given up, 2 to retry later" in captured.err
    mails = json.loads(captured.out)          # the report did not spoil the JSON
    assert {m["status"] for m in mails} == {"failed"}
    assert all(not m["final"] and "connection refused" in m["last_error"] for m in mails)

    assert main(["outbox", "--lang", "en", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Status: failed, will retry" in out and "Next retry:" in out
    assert "Last error: connection refused" in out


def test_error_text_in_human_output_masks_the_address(db, capsys):
    with Store.open(db) as store:
        Outbox(store).mark_attempt_failed(
            1, NOW.isoformat(), "recipient refused: 550 <someone@example.com> unknown",
            final=True)
    assert main(["outbox", "--lang", "en", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "someone@example.com" not in out
    assert "550 <s***@example.com> unknown" in out and "failed, given up" in out
