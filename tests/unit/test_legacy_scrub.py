"""kiosk.domain.legacy_secrets: an older store's plain secrets are scrubbed once, and what
was already safe, or never secret, comes through untouched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.accounts import Services
from kiosk.domain.binding.devices import Devices
from kiosk.domain.clock import FixedClock
from kiosk.domain.codes import code_digest
from kiosk.domain.errors import KioskError
from kiosk.domain.keyring import Keyring
from kiosk.domain.mail import MailKind, compose, compose_deferred
from kiosk.domain.passwords import (
    MACHINE_ALPHABET,
    MACHINE_LENGTH,
    hash_machine_password,
    verify_password,
)
from store.api import DEMO
from store.core import Store
from store.keys import load_or_create_key
from store.outbox import Outbox
from tests.unit.domain_fixtures import NOW

EXPIRES = (NOW + timedelta(hours=1)).isoformat()


class Legacy:
    """A store as a kiosk from before keyed digests left it: the key file made, no check
    value of it in the store, secrets in plain text."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = Store.open(tmp_path / "kiosk.json", purpose=DEMO)
        self.key = load_or_create_key(self.store.path.with_name("machine.key"))

    def insert(self, table: str, *docs: dict[str, Any]) -> None:
        with self.store.transaction() as db:
            db.table(table).insert_multiple(docs)

    def code(self, code: str, id_no: str = "A123456789", table: str = "codes",
             purpose: str = "reset") -> None:
        self.insert(table, {"code": code, "purpose": purpose, "id_no": id_no,
                            "expires_at": EXPIRES, "used_at": None, "data": {}})

    def reset_mail(self, code: str, to: str, **fields: Any) -> None:
        self.insert(Outbox.TABLE, {
            "kind": "reset", "to": to, "status": "queued", "subject": "s",
            "body": f"code {code}", "code": code, "link": f"nhi-kiosk://reset/{code}",
            "expires_at": EXPIRES, "created_at": NOW.isoformat(), "attempts": 0, **fields})

    def open(self) -> Services:
        """The first kiosk with the machine key opens it (and scrubs it)."""
        return Services(self.store, FixedClock(NOW), _NoMail())

    def raw(self) -> bytes:
        return self.store.at_rest()


class _NoMail:
    def queue(self, kind: Any, to: str, **params: Any) -> int:
        raise AssertionError("the scrub sends no mail")


@pytest.fixture
def legacy(tmp_path) -> Legacy:
    return Legacy(tmp_path)


def shown(services: Services, to: str, kind: str) -> dict[str, Any]:
    (mail,) = [m for m in services.mails() if m["to"] == to and m["kind"] == kind]
    return mail


def test_a_code_already_kept_as_a_digest_still_works_beside_a_scrubbed_one(legacy):
    legacy.code("ABCDE23456")
    legacy.insert("codes", {"code": code_digest(Keyring(legacy.key), "codes", "HJKLM23456"),
                            "purpose": "verify", "id_no": "B220123455",
                            "expires_at": EXPIRES, "used_at": None, "data": {}})
    services = legacy.open()
    assert services.codes.live_purpose("ABCDE23456") == "reset"
    assert services.codes.live_purpose("hjklm-23456") == "verify"
    assert b"ABCDE23456" not in legacy.raw()


def test_a_plain_device_code_is_scrubbed_and_still_binds_the_device_in_its_own_case(legacy):
    legacy.insert("accounts", {"id_no": "A123456789", "email": "wang@example.com",
                               "state": "active", "password_hash": "x"})
    legacy.code("3G4f10m1", table="device_codes", purpose="device")
    services = legacy.open()
    assert b"3G4f10m1" not in legacy.raw()
    devices = Devices(services)
    with pytest.raises(KioskError) as other_case:
        devices.redeem("3g4F10M1", "My phone")
    assert other_case.value.key == "err.code.unknown"
    assert devices.redeem("3G4f10m1", "My phone")["name"] == "My phone"


def test_a_mail_that_never_carried_a_secret_keeps_its_text(legacy):
    notice = compose(MailKind.ACCOUNT_LOCKED, "wang@example.com", NOW,
                     until=NOW + timedelta(minutes=30))
    legacy.insert(Outbox.TABLE, notice)              # first: the scrub passes it by
    legacy.code("FGHJK23456", "B220123455")
    legacy.reset_mail("FGHJK23456", "nana@example.com")
    services = legacy.open()
    kept = shown(services, "wang@example.com", "account_locked")
    assert kept["body"] == notice["body"] and "Mon 2026-11-23 10:30" in kept["body"]
    assert b"FGHJK23456" not in legacy.raw()        # the mail after it was scrubbed too
    new_code = shown(services, "nana@example.com", "reset")["code"]
    assert services.codes.live_purpose(new_code) == "reset"


def test_a_welcome_mail_already_kept_as_a_seed_is_left_as_it_is(legacy):
    legacy.insert(Outbox.TABLE, compose_deferred(MailKind.BATCH_WELCOME, "wang@example.com",
                                                 NOW, unit="某公司", seed="seed-1"))
    legacy.code("ABCDE23456")                       # something to scrub
    services = legacy.open()
    password = services.keyring().derive("seed-1", MACHINE_ALPHABET, MACHINE_LENGTH)
    body = shown(services, "wang@example.com", "batch_welcome")["body"]
    assert f"Default password: {password}" in body


def test_a_mail_to_be_retried_gets_a_new_code_and_one_given_up_keeps_none(legacy):
    legacy.code("ABCDE23456", "A123456789")
    legacy.code("FGHJK23456", "B220123455")
    legacy.reset_mail("ABCDE23456", "wang@example.com", status="failed", final=False,
                      attempts=1, last_error="451")
    legacy.reset_mail("FGHJK23456", "nana@example.com", status="failed", final=True,
                      attempts=1, last_error="550")
    services = legacy.open()
    retried = shown(services, "wang@example.com", "reset")
    assert retried["code"].replace("-", "") != "ABCDE23456"
    assert services.codes.live_purpose(retried["code"]) == "reset"
    with pytest.raises(KioskError):      # replaced: nobody had seen it
        services.codes.live_purpose("ABCDE23456")
    given_up = shown(services, "nana@example.com", "reset")
    assert "code" not in given_up and "*****-*****" in given_up["body"]


def test_a_sent_confirmation_mail_reads_with_its_code_hidden(legacy):
    legacy.code("ABCDE23456")
    legacy.reset_mail("ABCDE23456", "wang@example.com", status="sent", sent_at=NOW.isoformat(),
                      attempts=1, final=True)
    services = legacy.open()
    mail = shown(services, "wang@example.com", "reset")
    assert "code" not in mail and "*****-*****" in mail["body"]
    assert "Before Mon 2026-11-23 11:00" in mail["body"]         # its expiry stays
    assert services.codes.live_purpose("ABCDE23456") == "reset"   # the holder has it


def welcome_to(legacy: Legacy, to: str, password: str) -> None:
    legacy.insert(Outbox.TABLE, {"kind": "batch_welcome", "to": to, "status": "queued",
                                 "subject": "s", "params": {"unit": "u", "password": password},
                                 "created_at": NOW.isoformat(), "attempts": 0})


def test_a_new_default_goes_to_the_holder_the_mail_is_for_even_if_another_had_the_same(
        legacy):
    same = "Same1234pass"
    legacy.insert("accounts", *(
        {"id_no": id_no, "email": to, "state": "active", "must_change_password": True,
         "password_hash": hash_machine_password(same, legacy.key)}
        for id_no, to in (("A123456789", "wang@example.com"),
                          ("B220123455", "nana@example.com"))))
    welcome_to(legacy, "nana@example.com", same)
    services = legacy.open()
    body = shown(services, "nana@example.com", "batch_welcome")["body"]
    new = body.split("Default password: ")[1][:MACHINE_LENGTH]
    nana = services.accounts.get_by_id("B220123455")
    wang = services.accounts.get_by_id("A123456789")
    assert verify_password(new, nana["password_hash"], legacy.key)
    assert verify_password(same, wang["password_hash"], legacy.key)


def test_a_holder_who_later_chooses_a_password_erases_the_new_default(legacy):
    legacy.insert("accounts", {"id_no": "B220123455", "email": "nana@example.com",
                               "state": "active", "must_change_password": True,
                               "password_hash": hash_machine_password("Old1234pass", legacy.key)})
    welcome_to(legacy, "nana@example.com", "Old1234pass")
    services = legacy.open()
    assert "seed" in Outbox(legacy.store).mails()[0]["params"]
    services.forget_mailed_password("B220123455")
    (mail,) = Outbox(legacy.store).mails()
    assert "seed" not in mail["params"] and "holder" not in mail["params"]
    assert f"Default password: {'*' * MACHINE_LENGTH}" in shown(
        services, "nana@example.com", "batch_welcome")["body"]
