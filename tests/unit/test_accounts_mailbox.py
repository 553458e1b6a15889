"""Services.mails / mail_by_id: the outbox as the demo's mailbox reads it, and as a real
kiosk's staff read it (never with a secret)."""

from __future__ import annotations

from datetime import timedelta

from kiosk.domain.accounts import Services
from kiosk.domain.clock import FixedClock
from kiosk.domain.mail import MailKind, compose, compose_deferred
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH
from store.api import DEMO, KIOSK
from store.core import Store
from store.outbox import Outbox
from tests.unit.domain_fixtures import NOW, RecordingMail

TO = "wang@example.com"


def services(tmp_path, purpose: str) -> Services:
    store = Store.open(tmp_path / f"{purpose}.json", purpose=purpose)
    return Services(store, FixedClock(NOW), RecordingMail())


def welcome(s: Services) -> tuple[int, str]:
    """A batch welcome mail in the outbox, and the default password it tells."""
    mail_id = Outbox(s.store).add(compose_deferred(MailKind.BATCH_WELCOME, TO, NOW,
                                                   unit="某公司", seed="seed-1"))
    return mail_id, s.keyring().derive("seed-1", MACHINE_ALPHABET, MACHINE_LENGTH)


def test_a_real_kiosks_outbox_never_shows_a_default_password(tmp_path):
    s = services(tmp_path, KIOSK)
    mail_id, password = welcome(s)
    (listed,) = s.mails()
    for shown in (listed, s.mail_by_id(mail_id)):
        assert password not in shown["body"]
        assert f"Default password: {'*' * MACHINE_LENGTH}" in shown["body"]


def test_the_demo_mailbox_shows_the_default_password(tmp_path):
    s = services(tmp_path, DEMO)
    mail_id, password = welcome(s)
    (listed,) = s.mails()
    for shown in (listed, s.mail_by_id(mail_id)):
        assert f"Default password: {password}" in shown["body"]


def test_an_unknown_mail_id_reads_as_no_mail(tmp_path):
    s = services(tmp_path, DEMO)
    mail_id, _ = welcome(s)
    assert s.mail_by_id(mail_id + 1) is None


def test_the_mailbox_shows_the_50_newest_mails_unless_asked_for_more_or_fewer(tmp_path):
    s = services(tmp_path, DEMO)
    with s.store.transaction() as db:
        db.table(Outbox.TABLE).insert_multiple(
            compose(MailKind.REGISTERED, f"user{n}@example.com", NOW + timedelta(minutes=n))
            for n in range(52))
    newest_first = [f"user{n}@example.com" for n in range(51, -1, -1)]
    assert [m["to"] for m in s.mails()] == newest_first[:50]
    assert [m["to"] for m in s.mails(limit=3)] == newest_first[:3]
    assert [m["to"] for m in s.mails(limit=60)] == newest_first
