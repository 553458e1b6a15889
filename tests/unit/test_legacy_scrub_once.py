"""legacy_secrets.scrub_once: when it scrubs, what it records, and that a store with nothing
to scrub never needs the machine key for it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.domain import legacy_secrets
from kiosk.domain.codes import code_digest
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.legacy_secrets import scrub_once
from kiosk.domain.mail import MailKind, compose_deferred
from store.api import DEMO
from store.core import Store
from store.keys import load_or_create_key
from store.outbox import Outbox
from tests.unit.domain_fixtures import NOW

AT = NOW.isoformat()
EXPIRES = (NOW + timedelta(hours=1)).isoformat()


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "kiosk.json", purpose=DEMO)
    yield s
    s.close()


def no_key():
    raise AssertionError("the machine key is not needed")


def keys(store: Store):
    return (lambda: Keyring(machine_key(store))), (lambda: machine_key(store))


def insert(store: Store, table: str, *docs: dict) -> None:
    with store.transaction() as db:
        db.table(table).insert_multiple(docs)


def done(store: Store) -> list[dict]:
    return [dict(d) for d in store.db().table("migrations").all()]


def plain_code(code: str) -> dict:
    return {"code": code, "purpose": "device", "id_no": "A123456789",
            "expires_at": EXPIRES, "used_at": None, "data": {}}


def test_a_store_with_nothing_to_scrub_is_marked_done_without_the_machine_key(store):
    key = load_or_create_key(store.path.with_name("machine.key"))
    digest = code_digest(Keyring(key), "codes", "ABCDE23456")
    insert(store, "codes", plain_code(digest))
    insert(store, "qr_logins", {"code": Keyring(key).digest("qr_logins", "Q"), "id_no": "x"})
    insert(store, Outbox.TABLE, compose_deferred(MailKind.BATCH_WELCOME, "w@example.com", NOW,
                                                 unit="u", seed="s"))
    assert scrub_once(store, no_key, no_key, AT)
    assert done(store) == [{"name": "secrets-at-rest", "at": AT}]
    assert not scrub_once(store, no_key, no_key, AT)
    assert done(store) == [{"name": "secrets-at-rest", "at": AT}]
    assert store.db().table("codes").all()[0]["code"] == digest


def test_a_new_store_does_not_get_a_machine_key_by_being_opened(store):
    assert scrub_once(store, no_key, no_key, AT)
    assert not store.path.with_name("machine.key").exists()


@pytest.mark.parametrize("table", ["codes", "device_codes", "qr_logins"])
def test_one_plain_code_in_any_code_table_makes_the_store_scrubbed(store, table):
    insert(store, table, plain_code("3G4f10m1"))
    ring, key = keys(store)
    assert scrub_once(store, ring, key, AT)
    assert b"3G4f10m1" not in store.at_rest()
    assert done(store) == [{"name": "secrets-at-rest", "at": AT}]


def test_a_legacy_mail_alone_makes_the_store_scrubbed(store):
    insert(store, Outbox.TABLE, {"kind": "batch_welcome", "to": "w@example.com",
                                 "status": "sent", "subject": "s", "attempts": 1,
                                 "params": {"unit": "u", "password": "Plain1234pw"},
                                 "created_at": AT})
    ring, key = keys(store)
    assert scrub_once(store, ring, key, AT)
    assert b"Plain1234pw" not in store.at_rest()


def test_a_digested_qr_login_stays_and_a_plain_one_goes(store):
    key = load_or_create_key(store.path.with_name("machine.key"))
    kept = {"code": Keyring(key).digest("qr_logins", "QRCODE23"), "id_no": "A123456789"}
    insert(store, "qr_logins", kept, {"code": "QRCODE99", "id_no": "B220123455"})
    ring, keyfn = keys(store)
    assert scrub_once(store, ring, keyfn, AT)
    assert [dict(d) for d in store.db().table("qr_logins").all()] == [kept]


def test_plain_secrets_written_while_the_kiosk_starts_are_scrubbed_at_its_next_start(
        store, monkeypatch):
    """None a moment ago, so the key was not loaded: the scrub is not marked done."""
    real = legacy_secrets._has_legacy
    calls: list[int] = []

    def late(db):
        calls.append(1)
        if len(calls) == 1:
            insert(store, "qr_logins", plain_code("QRCODE99"))   # an older kiosk, just now
            return False
        return real(db)

    monkeypatch.setattr(legacy_secrets, "_has_legacy", late)
    assert not scrub_once(store, no_key, no_key, AT)
    assert done(store) == []
    monkeypatch.setattr(legacy_secrets, "_has_legacy", real)
    ring, key = keys(store)
    assert scrub_once(store, ring, key, AT)
    assert store.db().table("qr_logins").all() == []


def test_a_scrub_another_process_finished_meanwhile_is_not_done_twice(store, monkeypatch):
    insert(store, "qr_logins", plain_code("QRCODE99"))
    real = legacy_secrets._has_legacy

    def quicker(db):
        found = real(db)
        insert(store, "migrations", {"name": "secrets-at-rest", "at": "earlier"})
        return found

    monkeypatch.setattr(legacy_secrets, "_has_legacy", quicker)
    ring, key = keys(store)
    assert not scrub_once(store, ring, key, AT)
    assert done(store) == [{"name": "secrets-at-rest", "at": "earlier"}]


def test_the_store_records_when_the_kiosk_scrubbed_it(world):
    assert done(world.store) == [{"name": "secrets-at-rest", "at": NOW.isoformat()}]

