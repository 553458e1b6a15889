"""No secret at rest, in the store alone: one-time codes are kept as keyed digests, and a
batch default password stops being derivable once its holder chose their own."""

from __future__ import annotations

from datetime import timedelta

from kiosk.domain.batch import Batch
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH
from store.outbox import Outbox
from tests.unit.domain_fixtures import card

ROWS = ("身分證號,電子郵件,手機\n"
        "A123456789,wang@example.com,0912345678\n"
        "B220123455,nana@example.com,\n")


def test_codes_are_stored_only_as_keyed_digests(world):
    code = world.services.codes.issue("reset", "A123456789", timedelta(hours=1))
    raw = world.store.path.read_bytes()
    assert code.code.encode() not in raw and code.seed.encode() not in raw
    (doc,) = world.services.codes._table.all()
    assert doc["code"] == world.services.keyring().digest("codes", code.code)
    assert world.services.code_purpose(code.display.lower()) == "reset"   # typed loosely


def test_a_holder_who_chose_a_password_erases_the_unsent_default(world, tmp_path):
    csv = tmp_path / "11012100920160207.CSV"
    csv.write_text(ROWS, encoding="utf-8")
    Batch(world.services).import_file(csv, tmp_path / "reports", Catalog("en"))
    welcome = {m["to"]: m for m in Outbox(world.store).list()
               if m["kind"] == MailKind.BATCH_WELCOME}
    default = world.services.keyring().derive(welcome["wang@example.com"]["params"]["seed"],
                                              MACHINE_ALPHABET, MACHINE_LENGTH)
    session = world.auth.login(card("national"), default)
    assert session.must_change_password
    world.auth.change_password(session, default, "Mine@2026x", "Mine@2026x")
    seeds = {m["to"]: "seed" in m["params"] for m in Outbox(world.store).list()
             if m["kind"] == MailKind.BATCH_WELCOME}
    assert seeds == {"wang@example.com": False, "nana@example.com": True}
    shown = next(m for m in world.services.mails() if m["to"] == "wang@example.com"
                 and m["kind"] == MailKind.BATCH_WELCOME)
    assert default not in shown["body"] and "Default password: ************" in shown["body"]
