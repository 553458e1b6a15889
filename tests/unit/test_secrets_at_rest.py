"""No secret at rest, in the store alone: one-time codes are kept as keyed digests, and a
batch default password stops being derivable once its holder chose their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.domain.accounts import Services
from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.batch import Batch
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog
from kiosk.domain.legacy_secrets import scrub_once
from kiosk.domain.mail import MailKind
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
from tests.unit.domain_fixtures import NOW, RecordingMail, card

ROWS = ("身分證號,電子郵件,手機\n"
        "A123456789,wang@example.com,0912345678\n"
        "B220123455,nana@example.com,\n")


def test_codes_are_stored_only_as_keyed_digests(world):
    code = world.services.codes.issue("reset", "A123456789", timedelta(hours=1))
    raw = world.store.at_rest()
    assert code.code.encode() not in raw and code.seed.encode() not in raw
    (doc,) = world.services.codes._table.all()
    assert doc["code"] == world.services.keyring().digest("codes", code.code)
    assert world.services.code_purpose(code.display.lower()) == "reset"   # typed loosely


def test_a_holder_who_chose_a_password_erases_the_unsent_default(world, tmp_path):
    csv = tmp_path / "11012100920160207.CSV"
    csv.write_text(ROWS, encoding="utf-8")
    Batch(world.services).import_file(csv, tmp_path / "reports", Catalog("en"))
    welcome = {m["to"]: m for m in Outbox(world.store).mails()
               if m["kind"] == MailKind.BATCH_WELCOME}
    default = world.services.keyring().derive(welcome["wang@example.com"]["params"]["seed"],
                                              MACHINE_ALPHABET, MACHINE_LENGTH)
    session = world.sign_in.login(card("national"), default)
    assert session.must_change_password
    world.my_account.change_password(session, default, "Mine@2026x", "Mine@2026x")
    seeds = {m["to"]: "seed" in m["params"] for m in Outbox(world.store).mails()
             if m["kind"] == MailKind.BATCH_WELCOME}
    assert seeds == {"wang@example.com": False, "nana@example.com": True}
    shown = next(m for m in world.services.mails() if m["to"] == "wang@example.com"
                 and m["kind"] == MailKind.BATCH_WELCOME)
    assert default not in shown["body"] and "Default password: ************" in shown["body"]


def test_a_store_without_its_machine_key_is_refused_not_given_a_new_one(world):
    world.services.machine_key()
    key_file = world.store.path.with_name("machine.key")
    original = key_file.read_bytes()
    key_file.unlink()          # a data directory restored from a backup without the key
    with pytest.raises(KioskError) as missing:
        Services(world.store, world.clock, world.mail).machine_key()
    assert missing.value.key == "err.key.missing" and not key_file.exists()
    key_file.write_bytes(bytes(32))       # another machine's key
    with pytest.raises(KioskError) as wrong:
        Services(world.store, world.clock, world.mail).machine_key()
    assert wrong.value.key == "err.key.wrong"
    key_file.write_bytes(original)
    assert Services(world.store, world.clock, world.mail).machine_key() == original


def test_an_older_stores_plain_secrets_are_scrubbed_once_and_what_was_mailed_still_works(
        tmp_path):
    store = Store.open(tmp_path / "kiosk.json", purpose=DEMO)
    # the key file as the older kiosk left it: made, but no check value in the store yet
    key = load_or_create_key(store.path.with_name("machine.key"))
    expires = (NOW + timedelta(hours=1)).isoformat()
    sent_code, unsent_code = "ABCDE23456", "FGHJK23456"
    sent_pw, unsent_pw = "Sent1234pass", "Wait1234pass"
    with store.transaction() as db:     # what a kiosk before keyed digests left behind
        db.table("codes").insert_multiple([
            {"code": code, "purpose": "reset", "id_no": id_no, "expires_at": expires,
             "used_at": None, "data": {"email": "wang@example.com"}}
            for code, id_no in ((sent_code, "A123456789"), (unsent_code, "B220123455"))])
        db.table("qr_logins").insert({"code": "QRCODE23", "id_no": "A123456789"})
        db.table("accounts").insert_multiple([
            {"id_no": id_no, "email": to, "state": "active", "must_change_password": True,
             "password_hash": hash_machine_password(pw, key)}
            for id_no, to, pw in (("A123456789", "wang@example.com", sent_pw),
                                  ("B220123455", "nana@example.com", unsent_pw))])
        db.table(Outbox.TABLE).insert_multiple([
            {"kind": "reset", "to": "wang@example.com", "status": "sent", "subject": "s",
             "body": f"code {sent_code[:5]}-{sent_code[5:]}", "code": sent_code,
             "link": f"nhi-kiosk://reset/{sent_code}", "expires_at": expires,
             "created_at": NOW.isoformat()},
            {"kind": "reset", "to": "nana@example.com", "status": "queued", "subject": "s",
             "body": f"code {unsent_code}", "code": f"{unsent_code[:5]}-{unsent_code[5:]}",
             "link": f"nhi-kiosk://reset/{unsent_code}", "expires_at": expires,
             "created_at": NOW.isoformat()},
            {"kind": "batch_welcome", "to": "wang@example.com", "status": "sent",
             "subject": "s", "params": {"unit": "u", "password": sent_pw},
             "created_at": NOW.isoformat()},
            {"kind": "batch_welcome", "to": "nana@example.com", "status": "queued",
             "subject": "s", "params": {"unit": "u", "password": unsent_pw},
             "created_at": NOW.isoformat()}])
    services = Services(store, FixedClock(NOW), RecordingMail())
    raw = store.at_rest()
    for plain in (sent_code, unsent_code, sent_pw, unsent_pw, "QRCODE23"):
        assert plain.encode() not in raw, plain
    assert services.codes.live_purpose(sent_code) == "reset"     # the holder has this one
    shown = {m["to"] + m["kind"]: m for m in services.mails()}
    new_code = shown["nana@example.comreset"]["code"]
    assert new_code != unsent_code and services.codes.live_purpose(new_code) == "reset"
    new_pw = shown["nana@example.combatch_welcome"]["body"].split("Default password: ")[1][:12]
    nana = services.accounts.get_by_id("B220123455")
    assert verify_password(new_pw, nana["password_hash"], key)
    wang = services.accounts.get_by_id("A123456789")
    assert verify_password(sent_pw, wang["password_hash"], key)   # mailed: still good
    assert "qr_logins" not in store.db().tables() or not store.db().table("qr_logins").all()
    assert not scrub_once(store, services.keyring, services.machine_key, NOW.isoformat())
