"""No secret at rest: after a batch import, and after its mails went out through a real
SMTP server (aiosmtpd), neither the store file, nor its backup, nor ``nhi-kiosk outbox
--json`` holds a default password or a one-time code — yet the mails that arrived do.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

import pytest

from kiosk.cli import main
from kiosk.domain.accounts import Services
from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.batch import Batch
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import Mailer, MailKind
from kiosk.domain.mail.smtp import SmtpSender
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH, verify_password
from store.core import Store
from store.outbox import Outbox
from tests.integration.test_smtp import NOW, _settings, start_server  # noqa: F401
from tests.unit.test_secrets_at_rest import ROWS

UNIT = "110121009"


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch, tmp_path):
    for name in ("NHI_KIOSK_DB", "NHI_KIOSK_SMTP_HOST", "NHI_KIOSK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NHI_KIOSK_CONFIG", str(tmp_path / "empty.toml"))
    (tmp_path / "empty.toml").write_text("")


def _at_rest(store: Store, capsys: pytest.CaptureFixture[str]) -> bytes:
    """Everything an attacker with the data directory (but not machine.key) can read."""
    capsys.readouterr()
    assert main(["outbox", "--json", "--db", str(store.path)]) == 0
    listing = capsys.readouterr().out.encode()
    json.loads(listing)
    return store.at_rest() + listing


def test_batch_passwords_and_codes_never_rest_in_plain_text(start_server, tmp_path,  # noqa: F811
                                                            capsys):
    recorder, port = start_server()
    store = Store.open(tmp_path / "data" / "kiosk.json")
    clock = FixedClock(NOW)
    services = Services(store, clock, Mailer(Outbox(store), clock))
    csv = tmp_path / f"{UNIT}20160207.CSV"
    csv.write_text(ROWS, encoding="utf-8")
    report = Batch(services).import_file(csv, tmp_path / "reports", Catalog("en"))
    assert report.imported == 2
    reset = services.codes.issue("reset", "A123456789", timedelta(hours=1),
                                 email="wang@example.com")
    services.mail.queue(MailKind.RESET, "wang@example.com", seed=reset.seed,
                        expires_at=reset.expires_at)

    keyring = services.keyring()
    welcome = [m for m in Outbox(store).mails() if m["kind"] == MailKind.BATCH_WELCOME]
    passwords = {m["to"]: keyring.derive(m["params"]["seed"], MACHINE_ALPHABET,
                                         MACHINE_LENGTH) for m in welcome}
    for account in services.accounts.all():   # the derived password is the account's
        assert verify_password(passwords[account["email"]], account["password_hash"],
                               services.machine_key())
    secrets = [*passwords.values(), reset.code]
    rest = _at_rest(store, capsys)
    for secret in secrets:
        assert secret.encode() not in rest, secret

    sending = Mailer(Outbox(store), clock, SmtpSender(_settings(port)))
    assert sending.deliver_pending().sent == 3
    arrived = "".join(
        email.message_from_bytes(m["raw"], policy=email.policy.default).get_content()
        for m in recorder.messages)
    for address, password in passwords.items():
        assert f"Default password: {password}" in arrived, address
    assert f"{reset.code[:5]}-{reset.code[5:]}" in arrived

    rest = _at_rest(store, capsys)
    for secret in secrets:
        assert secret.encode() not in rest, secret
    for mail in Outbox(store).mails():          # delivered: no seed left to derive from
        assert "seed" not in mail.get("params", {})
    store.close()
