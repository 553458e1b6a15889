"""kiosk.domain.mail: bilingual rendering, outbox records, retries with backoff, no lost mail."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import string
from datetime import datetime, timedelta

import orjson
import pytest

from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.codes import Code
from kiosk.domain.config import Config
from kiosk.domain.i18n import load_catalog
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.mail import (
    CONFIRMATION_KINDS,
    LOGIN_LINK,
    PARAMS,
    SECRETS,
    SEPARATOR,
    MailDeliveryError,
    Mailer,
    MailKind,
    backoff,
    compose,
    compose_deferred,
    link_for,
    mask_email,
    parse_link,
    render,
    with_text,
)
from kiosk.domain.mail.smtp import SmtpSender, SmtpSettings
from store.outbox import Outbox

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)        # a Monday
EXPIRES = datetime(2026, 3, 2, 9, 30, tzinfo=TAIPEI)
TO = "someone@example.com"
SAMPLE: dict[MailKind, dict] = {
    MailKind.VERIFY: {"seed": "seed-verify", "expires_at": EXPIRES},
    MailKind.RESET: {"seed": "seed-reset", "expires_at": EXPIRES},
    MailKind.EMAIL_CHANGE: {"seed": "seed-change", "expires_at": EXPIRES},
    MailKind.PASSWORD_CHANGED: {"at": NOW},
    MailKind.REGISTERED: {},
    MailKind.ACCOUNT_LOCKED: {"until": EXPIRES},
    MailKind.BATCH_WELCOME: {"unit": "健康科技股份有限公司", "seed": "seed-welcome"},
    MailKind.CARD_RECEIPT: {"name": "王大明", "atm_no": "9512345678901234", "amount": 200,
                            "receipt_no": "20260301000001", "paid_at": NOW,
                            "insured_until": EXPIRES},
}
CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_KEY = re.compile(r"\bmail\.[a-z_]+\.(?:subject|body|name)\b|\bmail\.footer\b")


@pytest.fixture
def clock():
    """This file's Monday morning, not the suite's NOW (tests/unit/conftest.py)."""
    return FixedClock(NOW)


@pytest.fixture
def keyring(store) -> Keyring:
    return Keyring(machine_key(store))


def secret(keyring: Keyring, kind: MailKind) -> str:
    """What the mail of SAMPLE[kind] tells its reader: the code or password of its seed."""
    _name, alphabet, length = SECRETS[kind]
    return keyring.derive(SAMPLE[kind]["seed"], alphabet, length)


def rendered(kind: MailKind, secret_text: str) -> dict:
    """The template parameters of SAMPLE[kind] with its secret as the reader sees it."""
    params = {k: v for k, v in SAMPLE[kind].items() if k != "seed"}
    if kind in CONFIRMATION_KINDS:
        shown = Code(secret_text, EXPIRES).display
        return params | {"code": shown, "link": link_for(kind, secret_text)}
    return params | {"password": secret_text}


#: template parameters, as a reader of each SAMPLE mail sees them
RENDER = {kind: rendered(kind, "VERIFY1234") if kind in SECRETS else SAMPLE[kind]
          for kind in MailKind}


class FakeSender:
    """Answers each send() with the next scripted outcome (None = delivered)."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[dict] = []
        self.calls = 0

    def send(self, mail):
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.sent.append(dict(mail))


def temporary(reason: str = "451 try again later") -> MailDeliveryError:
    return MailDeliveryError(reason, permanent=False, code=451, category="refused")


# -- rendering ---------------------------------------------------------------------------


def test_every_kind_has_parameters_and_both_catalog_templates():
    assert set(PARAMS) == set(MailKind) == set(SAMPLE)
    for lang in ("zh-TW", "en"):
        catalog = load_catalog(lang)
        for kind in MailKind:
            for part in ("subject", "body", "name"):
                assert f"mail.{kind.value}.{part}" in catalog, (lang, kind, part)
            fields = {f for _, f, _, _ in string.Formatter().parse(
                catalog[f"mail.{kind.value}.body"]) if f}
            required, optional = PARAMS[kind]
            assert required <= fields <= required | optional, (lang, kind)


@pytest.mark.parametrize("kind", list(MailKind))
def test_render_is_bilingual_and_complete(kind):
    mail = render(kind, NOW, **RENDER[kind])
    zh, en = load_catalog("zh-TW"), load_catalog("en")
    zh_subject, en_subject = mail.subject.split(" / ")
    assert CJK.search(zh_subject) and not CJK.search(en_subject)
    assert zh_subject == zh[f"mail.{kind.value}.subject"]
    assert en_subject == en[f"mail.{kind.value}.subject"]

    zh_body, en_body = mail.body.split(SEPARATOR)
    assert zh_body.strip() and en_body.strip()
    assert zh["mail.footer"] in zh_body and en["mail.footer"] in en_body
    assert zh_body.strip().startswith("您好") and en_body.strip().startswith("Hello")
    for text in (mail.subject, mail.body):
        assert "{" not in text and "}" not in text, "a placeholder was not filled"
        assert not RAW_KEY.search(text), "a raw catalog key leaked"
    for name, value in RENDER[kind].items():
        if isinstance(value, str):
            assert value in zh_body and value in en_body, name


def test_the_receipt_mail_gives_the_insured_until_day_in_both_calendars():
    mail = render(MailKind.CARD_RECEIPT, NOW, **SAMPLE[MailKind.CARD_RECEIPT])
    zh_body, en_body = mail.body.split(SEPARATOR)
    assert "115" in zh_body and "03" in zh_body and "02" in zh_body
    assert "2026-03-02" in en_body and "NT$200" in en_body


def test_times_are_shown_per_language():
    mail = render(MailKind.VERIFY, NOW, **RENDER[MailKind.VERIFY])
    zh_body, en_body = mail.body.split(SEPARATOR)
    assert "民國 115 年 03 月 02 日（一）09:30" in zh_body
    assert "Mon 2026-03-02 09:30 (ROC 115)" in en_body
    assert mail.expires_at == "2026-03-02T09:30:00+08:00"


def test_password_changed_defaults_to_now_and_batch_welcome_has_links():
    notice = render(MailKind.PASSWORD_CHANGED, NOW)
    assert "09:00" in notice.body
    welcome = render(MailKind.BATCH_WELCOME, NOW, unit="某公司", password="x-Init-1")
    assert "nhi-kiosk://login" in welcome.body and "https://www.nhi.gov.tw/" in welcome.body
    assert "某公司" in welcome.body and welcome.code is None and welcome.link is None


@pytest.mark.parametrize(
    ("kind", "link"),
    [
        (MailKind.VERIFY, "nhi-kiosk://confirm/AbC-123_x"),
        (MailKind.EMAIL_CHANGE, "nhi-kiosk://confirm/AbC-123_x"),
        (MailKind.RESET, "nhi-kiosk://reset/AbC-123_x"),
    ],
)
def test_link_formats(kind, link):
    assert link_for(kind, "AbC-123_x") == link
    mail = render(kind, NOW, code="AbC-123_x", expires_at=EXPIRES)
    assert mail.link == link and mail.code == "AbC-123_x"
    assert link in mail.body
    assert parse_link(link) == (link.split("/")[2], "AbC-123_x")


def test_parse_link_rejects_other_links():
    assert parse_link("https://example.com/confirm/ABCD") is None
    assert parse_link("nhi-kiosk://confirm/a b") is None
    assert parse_link("nhi-kiosk://delete/ABCD") is None


def test_wrong_parameters_are_caught():
    with pytest.raises(TypeError, match="code"):
        render(MailKind.VERIFY, NOW, expires_at=EXPIRES)
    with pytest.raises(TypeError, match="colour"):
        render(MailKind.REGISTERED, NOW, colour="blue")
    with pytest.raises(ValueError, match="code"):
        render(MailKind.RESET, NOW, code="a/b", expires_at=EXPIRES)
    with pytest.raises(ValueError):
        render("no-such-kind", NOW)


def test_mask_email():
    assert mask_email("someone@example.com") == "s***@example.com"
    assert mask_email("x@y.tw") == "x***@y.tw"
    assert mask_email("nonsense") == "***"


# -- queueing ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MailKind))
def test_queue_stores_a_complete_record(store, clock, kind):
    outbox = Outbox(store)
    mail_id = Mailer(outbox, clock).queue(kind, f"  {TO} ", **SAMPLE[kind])
    record = outbox.get(mail_id)
    assert record["to"] == TO and record["kind"] == kind.value
    assert record["created_at"] == "2026-03-02T09:00:00+08:00"
    assert record["status"] == "queued" and record["attempts"] == 0
    assert record["last_error"] is None and " / " in record["subject"]
    assert "code" not in record and "link" not in record
    if kind not in SECRETS:
        assert SEPARATOR in record["body"]
        return
    keyring = Keyring(machine_key(store))
    hidden = secret(keyring, kind)
    assert "body" not in record and hidden not in orjson.dumps(record).decode()
    shown = with_text(record, keyring)
    assert SEPARATOR in shown["body"] and hidden in shown["body"]
    assert hidden not in with_text(record)["body"]      # without the key: asterisks
    if kind in CONFIRMATION_KINDS:
        assert shown["code"].replace("-", "") == hidden
        assert shown["link"] == link_for(kind, hidden) and shown["link"] in shown["body"]
        assert record["expires_at"] == "2026-03-02T09:30:00+08:00"


def test_queue_rejects_a_bad_address(store, clock):
    with pytest.raises(ValueError):
        Mailer(Outbox(store), clock).queue(MailKind.REGISTERED, "no address\r\nBcc: x@y.z")
    assert Outbox(store).count() == 0


def test_queue_never_touches_the_sender(store, clock):
    class Exploding:
        def send(self, mail):
            raise AssertionError("queue() must not send")

    mailer = Mailer(Outbox(store), clock, Exploding())
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    assert Outbox(store).get(mail_id)["status"] == "queued"


# -- delivery ------------------------------------------------------------------------------


def test_without_a_sender_mail_stays_queued(store, clock):
    mailer = Mailer(Outbox(store), clock)
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    report = mailer.deliver_pending()
    assert not report.configured and report.waiting == 1 and report.attempted == 0
    assert Outbox(store).get(mail_id)["status"] == "queued"


def test_delivery_success(store, clock):
    sender = FakeSender()
    mailer = Mailer(Outbox(store), clock, sender)
    a = mailer.queue(MailKind.REGISTERED, TO)
    b = mailer.queue(MailKind.VERIFY, "other@example.com", **SAMPLE[MailKind.VERIFY])
    report = mailer.deliver_pending()
    assert (report.sent, report.failed, report.retry, report.waiting) == (2, 0, 0, 0)
    assert [m["id"] for m in sender.sent] == [a, b]   # oldest first, with their ids
    for mail_id in (a, b):
        record = Outbox(store).get(mail_id)
        assert record["status"] == "sent" and record["sent_at"] == NOW.isoformat()
    assert mailer.deliver_pending().attempted == 0   # nothing is sent twice


def test_backoff_schedule():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(50) == timedelta(minutes=60)


def test_retries_back_off_then_give_up_without_losing_the_mail(store, clock):
    sender = FakeSender(*(temporary() for _ in range(10)))
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, sender)
    mail_id = mailer.queue(MailKind.VERIFY, TO, **SAMPLE[MailKind.VERIFY])
    original = outbox.get(mail_id)

    for attempt, wait in enumerate((1, 2, 4, 8), start=1):
        report = mailer.deliver_pending()
        assert (report.retry, report.failed, report.sent) == (1, 0, 0)
        record = outbox.get(mail_id)
        assert record["attempts"] == attempt and record["status"] == "failed"
        assert not record["final"] and record["last_error"] == "451 try again later"
        expected = clock.now() + timedelta(minutes=wait)
        assert datetime.fromisoformat(record["next_attempt_at"]) == expected
        # Not due yet: a second call right away and one a second early do not try.
        assert mailer.deliver_pending().waiting == 1
        clock.advance(minutes=wait, seconds=-1)
        assert mailer.deliver_pending().waiting == 1
        assert sender.calls == attempt
        clock.advance(seconds=1)
        for key in ("to", "subject", "params", "created_at"):
            assert record[key] == original[key], key

    report = mailer.deliver_pending(max_attempts=5)
    assert (report.failed, report.retry) == (1, 0)
    record = outbox.get(mail_id)
    assert record["status"] == "failed" and record["final"] and record["attempts"] == 5
    assert record["next_attempt_at"] is None and record["params"] == original["params"]
    clock.advance(hours=5)
    assert mailer.deliver_pending().attempted == 0 and sender.calls == 5
    assert outbox.count() == 1


def test_a_hard_refusal_is_final_at_once(store, clock):
    refusal = MailDeliveryError("recipient refused: 550 no such user", permanent=True, code=550)
    sender = FakeSender(refusal)
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, sender)
    mail_id = mailer.queue(MailKind.RESET, TO, **SAMPLE[MailKind.RESET])
    report = mailer.deliver_pending()
    assert (report.failed, report.retry) == (1, 0)
    record = outbox.get(mail_id)
    assert record["final"] and record["attempts"] == 1 and "550" in record["last_error"]
    assert record["params"]["seed"] == "seed-reset"   # never sent: still readable
    assert outbox.pending() == []


def test_success_after_a_temporary_failure(store, clock):
    sender = FakeSender(temporary(), None)
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, sender)
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    assert mailer.deliver_pending().retry == 1
    clock.advance(minutes=1)
    assert mailer.deliver_pending().sent == 1
    record = outbox.get(mail_id)
    assert record["status"] == "sent" and record["attempts"] == 2


def test_a_sender_bug_is_a_retryable_failure_and_others_still_go(store, clock):
    sender = FakeSender(RuntimeError("boom"), None)
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, sender)
    a = mailer.queue(MailKind.REGISTERED, TO)
    b = mailer.queue(MailKind.REGISTERED, "second@example.com")
    report = mailer.deliver_pending()
    assert (report.retry, report.sent) == (1, 1)
    assert "RuntimeError" in outbox.get(a)["last_error"] and not outbox.get(a)["final"]
    assert outbox.get(b)["status"] == "sent"


def test_a_mail_claimed_by_another_process_is_skipped(store, clock):
    sender = FakeSender()
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, sender)
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    assert outbox.claim(mail_id, NOW.isoformat(), (NOW + timedelta(minutes=10)).isoformat())
    assert mailer.deliver_pending().waiting == 1 and sender.calls == 0
    clock.advance(minutes=10)
    assert mailer.deliver_pending().sent == 1


def test_logs_never_contain_secrets_or_addresses(store, clock, caplog):
    caplog.set_level(logging.DEBUG)
    refusal = MailDeliveryError(f"recipient refused: 550 <{TO}> unknown", permanent=True,
                                code=550, category="recipient")
    sender = FakeSender(temporary(), refusal, None)
    mailer = Mailer(Outbox(store), clock, sender)
    mailer.queue(MailKind.VERIFY, TO, **SAMPLE[MailKind.VERIFY])
    mailer.queue(MailKind.RESET, TO, **SAMPLE[MailKind.RESET])
    mailer.queue(MailKind.BATCH_WELCOME, TO, **SAMPLE[MailKind.BATCH_WELCOME])
    mailer.deliver_pending()
    text = caplog.text
    assert "s***@example.com" in text    # the logging itself works
    keyring = Keyring(machine_key(store))
    secrets = [secret(keyring, kind) for kind in (MailKind.VERIFY, MailKind.RESET,
                                                  MailKind.BATCH_WELCOME)]
    for hidden in (TO, *secrets, "nhi-kiosk://"):
        assert hidden not in text


def test_max_attempts_must_be_positive(store, clock):
    with pytest.raises(ValueError):
        Mailer(Outbox(store), clock, FakeSender()).deliver_pending(max_attempts=0)


# -- SMTP settings and message (no network) ------------------------------------------------


def test_smtp_settings_hide_the_password():
    settings = SmtpSettings(host="mail.example.com", user="kiosk", password="hunter2")
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in repr(SmtpSender(settings))


def test_smtp_settings_from_config():
    assert SmtpSettings.from_config(Config()) is None
    config = Config(smtp_host="mail.example.com", smtp_port=2525, smtp_starttls=False,
                    smtp_user="kiosk", smtp_password="pw", mail_from="k@example.com")
    settings = SmtpSettings.from_config(config)
    assert settings is not None
    assert (settings.host, settings.port, settings.starttls, settings.user, settings.password,
            settings.mail_from) == ("mail.example.com", 2525, False, "kiosk", "pw",
                                    "k@example.com")


def test_message_is_utf8_with_an_encoded_subject(store, clock):
    outbox = Outbox(store)
    mail_id = Mailer(outbox, clock).queue(MailKind.VERIFY, TO, **SAMPLE[MailKind.VERIFY])
    mail = with_text(outbox.get(mail_id), Keyring(machine_key(store)))
    sender = SmtpSender(SmtpSettings(host="x", mail_from="NHI 櫃檯 <kiosk@example.com>"))
    raw = sender.build_message(mail).as_bytes()
    assert raw.isascii(), "headers and body must be transfer-encoded"
    assert b"=?utf-8?" in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == mail["subject"]
    assert parsed["To"] == TO and "kiosk@example.com" in parsed["From"]
    assert parsed.get_content_charset() == "utf-8"
    # Text travels in canonical form (CRLF line ends); the words arrive intact.
    assert parsed.get_content().replace("\r\n", "\n") == mail["body"]
    assert parsed["Message-ID"].endswith("@example.com>")


def test_a_mail_that_cannot_be_encoded_is_a_final_failure(store, clock):
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=9))
    with pytest.raises(MailDeliveryError) as info:
        sender.send({"to": "a@example.com\r\nBcc: evil@example.com", "subject": "s",
                     "body": "b", "created_at": NOW.isoformat()})
    assert info.value.permanent


# -- deferred rendering (batch mails) -------------------------------------------------------


@pytest.mark.parametrize("kind", list(MailKind))
def test_a_deferred_mail_reads_back_as_the_mail_composed_at_once(kind, keyring):
    deferred = compose_deferred(kind, TO, NOW, **SAMPLE[kind])
    assert "body" not in deferred and set(deferred["params"]) == set(SAMPLE[kind])
    stored = orjson.loads(orjson.dumps(deferred))   # as the store keeps it: JSON
    if kind not in SECRETS:
        assert with_text(stored) == compose(kind, TO, NOW, **SAMPLE[kind])
        return
    assert compose(kind, TO, NOW, **SAMPLE[kind]) == deferred   # never stored rendered
    shown = with_text(stored, keyring)
    at_once = render(kind, NOW, **rendered(kind, secret(keyring, kind)))
    assert (shown["subject"], shown["body"]) == (at_once.subject, at_once.body)


def test_a_mail_with_a_secret_needs_its_seed_not_the_secret():
    with pytest.raises(TypeError):
        compose(MailKind.RESET, TO, NOW, code="ABCDE12345", expires_at=EXPIRES)


def test_the_deferred_welcome_mail_tells_the_password_and_how_to_change_it(keyring):
    params = SAMPLE[MailKind.BATCH_WELCOME]
    password = secret(keyring, MailKind.BATCH_WELCOME)
    record = compose_deferred(MailKind.BATCH_WELCOME, TO, NOW, **params)
    assert record["params"] == params and record["subject"] == render(
        MailKind.BATCH_WELCOME, NOW, unit=params["unit"], password=password).subject
    shown = with_text(record, keyring)
    assert "params" not in shown
    zh_body, en_body = shown["body"].split(SEPARATOR)
    assert f"預設密碼：{password}" in zh_body and "首次登入時必須變更預設密碼" in zh_body
    assert f"Default password: {password}" in en_body
    assert "You must change the default password when you first sign in" in en_body
    assert f"登入：{LOGIN_LINK}" in zh_body and f"Sign in: {LOGIN_LINK}" in en_body
    assert "健康科技股份有限公司" in zh_body and "健康科技股份有限公司" in en_body


def test_a_record_stored_with_its_body_is_read_as_it_is():
    full = compose(MailKind.REGISTERED, TO, NOW)
    assert with_text(full) == full
    older = full | {"body": "the text as it was sent", "params": {}}
    assert with_text(older)["body"] == "the text as it was sent"


def test_a_deferred_mail_is_sent_rendered_and_stays_parameters(store, clock):
    outbox = Outbox(store)
    mail_id = outbox.add(compose_deferred(MailKind.BATCH_WELCOME, TO, NOW,
                                          **SAMPLE[MailKind.BATCH_WELCOME]))
    sender = FakeSender()
    assert Mailer(outbox, clock, sender).deliver_pending().sent == 1
    password = secret(Keyring(machine_key(store)), MailKind.BATCH_WELCOME)
    assert f"Default password: {password}" in sender.sent[0]["body"]
    assert "params" not in sender.sent[0]
    record = outbox.get(mail_id)
    assert record["status"] == "sent" and "body" not in record
    assert "seed" not in record["params"]          # delivered: the secret is gone for good
    assert password not in with_text(record, Keyring(machine_key(store)))["body"]


def test_the_smtp_message_of_a_deferred_mail_has_the_rendered_body(store, clock):
    record = compose_deferred(MailKind.REGISTERED, TO, NOW)
    message = SmtpSender(SmtpSettings(host="x")).build_message(record)
    assert message.get_content().replace("\r\n", "\n") == with_text(record)["body"]


def test_a_deferred_mail_that_cannot_be_rendered_fails_for_good(store, clock, caplog):
    outbox = Outbox(store)
    broken = outbox.add(compose_deferred(MailKind.BATCH_WELCOME, TO, NOW,
                                         **SAMPLE[MailKind.BATCH_WELCOME]))
    store_record = outbox.get(broken)
    with store.transaction() as db:     # a parameter lost (a bug, or a catalog change)
        db.table(Outbox.TABLE).update({"params": {"seed": "s"}}, doc_ids=[broken])
    fine = Mailer(outbox, clock).queue(MailKind.REGISTERED, "second@example.com")
    sender = FakeSender()
    with caplog.at_level(logging.DEBUG):
        report = Mailer(outbox, clock, sender).deliver_pending()
    assert (report.failed, report.sent) == (1, 1) and [m["id"] for m in sender.sent] == [fine]
    record = outbox.get(broken)
    assert record["final"] and "cannot be rendered" in record["last_error"]
    assert secret(Keyring(machine_key(store)), MailKind.BATCH_WELCOME) not in caplog.text
    assert store_record["params"]["seed"] not in caplog.text
