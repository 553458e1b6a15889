"""kiosk.domain.mail delivery as the operator sees it: the log line of every step, the
retry rules at their edges, mails reserved while they are sent, secrets that were erased."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.mail import (
    SEED_PARAMS,
    DeliveryReport,
    MailDeliveryError,
    Mailer,
    MailKind,
    compose_deferred,
    mask_email,
    with_text,
)
from store.outbox import Outbox
from tests.unit.test_mail import FakeSender as Sender

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)
TO = "someone@example.com"
OTHER = "second@example.com"
WELCOME = {"unit": "健康科技股份有限公司", "seed": "seed-welcome"}


@pytest.fixture
def clock():
    """This file's Monday morning, not the suite's NOW (tests/unit/conftest.py)."""
    return FixedClock(NOW)


@pytest.fixture
def outbox(store):
    return Outbox(store)




def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kiosk.domain.mail"]


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger="kiosk.domain.mail")
    return caplog


# -- what the log says ----------------------------------------------------------------------


def test_queueing_and_sending_are_logged_with_id_kind_and_masked_address(outbox, clock, log):
    mailer = Mailer(outbox, clock, Sender())
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    mailer.deliver_pending()
    assert lines(log) == [f"mail {mail_id} (registered) to s***@example.com queued",
                          f"mail {mail_id} (registered) to s***@example.com sent"]


def first_attempt_logged(outbox, clock, log, error: BaseException) -> tuple[int, str]:
    """A registered mail to TO tried once by a sender raising ``error``: the mail's id, and what
    the log's last line says of the attempt after naming the mail as the line above does."""
    mailer = Mailer(outbox, clock, Sender(error))
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    mailer.deliver_pending()
    line, named = lines(log)[-1], f"mail {mail_id} (registered) to s***@example.com: attempt 1 "
    assert line.startswith(named)
    return mail_id, line.removeprefix(named)


def test_a_temporary_failure_is_logged_with_its_category_code_and_retry_time(
        outbox, clock, log):
    error = MailDeliveryError("451 try later", code=451, category="refused")
    _, said = first_attempt_logged(outbox, clock, log, error)
    assert said == "failed (refused 451); retry at 2026-03-02T09:01:00+08:00"


def test_a_final_failure_is_logged_as_giving_up(outbox, clock, log):
    error = MailDeliveryError("550 no such user", permanent=True, code=550,
                              category="recipient")
    _, said = first_attempt_logged(outbox, clock, log, error)
    assert said == "failed (recipient 550); giving up"


def test_a_failure_without_code_or_category_is_logged_as_a_plain_error(outbox, clock, log):
    _, said = first_attempt_logged(outbox, clock, log, MailDeliveryError("connection timed out"))
    assert said == "failed (error); retry at 2026-03-02T09:01:00+08:00"


def test_a_sender_bug_is_logged_under_the_exceptions_name(outbox, clock, log):
    mail_id, said = first_attempt_logged(outbox, clock, log, KeyError("boom"))
    assert said == "failed (KeyError); retry at 2026-03-02T09:01:00+08:00"
    assert outbox.get(mail_id)["last_error"] == "unexpected error: KeyError: 'boom'"


def test_a_delivery_error_reads_as_its_reason():
    error = MailDeliveryError("451 try later", code=451, category="refused")
    assert str(error) == "451 try later" == error.reason
    assert (error.code, error.category, error.permanent) == (451, "refused", False)
    assert MailDeliveryError("x").category == "error"


def test_a_masked_address_keeps_only_what_follows_the_last_at_sign():
    assert mask_email('"a@b"@example.com') == '"***@example.com'


# -- secrets erased, mails that cannot be rendered --------------------------------------------


def test_a_welcome_mail_whose_password_was_erased_is_never_sent(outbox, clock, log):
    mail_id = outbox.add(compose_deferred(MailKind.BATCH_WELCOME, TO, NOW, **WELCOME))
    outbox.forget(lambda mail: True, SEED_PARAMS)      # the holder chose a password
    sender = Sender()
    report = Mailer(outbox, clock, sender).deliver_pending()
    assert (report.failed, report.retry, report.sent) == (1, 0, 0) and sender.calls == 0
    record = outbox.get(mail_id)
    assert record["status"] == "failed" and record["final"] and record["attempts"] == 1
    assert record["last_error"] == "the mail's secret was erased"
    assert lines(log)[-1] == (f"mail {mail_id} (batch_welcome) to s***@example.com: "
                              "attempt 1 failed (render); giving up")


def test_a_mail_that_cannot_be_rendered_is_logged_as_a_render_failure(outbox, clock, log):
    mail_id = outbox.add(compose_deferred(MailKind.BATCH_WELCOME, TO, NOW, **WELCOME))
    with outbox.store.transaction() as db:     # the unit is lost: it cannot be rendered
        db.table(Outbox.TABLE).update({"params": {"seed": "s"}}, doc_ids=[mail_id])
    Mailer(outbox, clock, Sender()).deliver_pending()
    assert lines(log)[-1] == (f"mail {mail_id} (batch_welcome) to s***@example.com: "
                              "attempt 1 failed (render); giving up")


def test_a_deferred_mail_without_a_secret_is_sent(outbox, clock):
    mail_id = outbox.add(compose_deferred(MailKind.REGISTERED, TO, NOW))
    sender = Sender()
    assert Mailer(outbox, clock, sender).deliver_pending().sent == 1
    assert [m["id"] for m in sender.sent] == [mail_id] and "您好" in sender.sent[0]["body"]


# -- attempts ---------------------------------------------------------------------------------


def temporary() -> MailDeliveryError:
    return MailDeliveryError("451 try later", code=451, category="refused")


def test_by_default_a_mail_is_given_up_after_its_fifth_failed_attempt(outbox, clock):
    sender = Sender(*(temporary() for _ in range(10)))
    mailer = Mailer(outbox, clock, sender)
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    for wait in (1, 2, 4, 8):
        assert mailer.deliver_pending().retry == 1
        clock.advance(minutes=wait)
    report = mailer.deliver_pending()
    assert (report.failed, report.retry) == (1, 0)
    assert outbox.get(mail_id)["final"] and outbox.get(mail_id)["attempts"] == 5


def test_one_attempt_is_allowed_and_none_refused(outbox, clock):
    mailer = Mailer(outbox, clock, Sender(temporary()))
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    assert mailer.deliver_pending(max_attempts=1).failed == 1
    assert outbox.get(mail_id)["final"] and outbox.get(mail_id)["next_attempt_at"] is None
    with pytest.raises(ValueError, match=r"^max_attempts must be at least 1$"):
        mailer.deliver_pending(max_attempts=0)


def test_each_attempt_records_when_it_was_made(outbox, clock):
    mailer = Mailer(outbox, clock, Sender(temporary(), None))
    mail_id = mailer.queue(MailKind.REGISTERED, TO)
    clock.advance(minutes=3)
    mailer.deliver_pending()
    assert outbox.get(mail_id)["last_attempt_at"] == "2026-03-02T09:03:00+08:00"
    clock.advance(minutes=1)
    mailer.deliver_pending()
    assert outbox.get(mail_id)["last_attempt_at"] == "2026-03-02T09:04:00+08:00"


def test_a_round_counts_every_mail_given_up_and_every_one_to_retry(outbox, clock):
    final = MailDeliveryError("550 no", permanent=True, code=550)
    mailer = Mailer(outbox, clock, Sender(final, final, final, temporary(), temporary()))
    for n in range(5):
        mailer.queue(MailKind.REGISTERED, f"user{n}@example.com")
    assert mailer.deliver_pending() == DeliveryReport(failed=3, retry=2)


def test_without_a_sender_the_report_says_not_configured(outbox, clock):
    mailer = Mailer(outbox, clock)
    mailer.queue(MailKind.REGISTERED, TO)
    mailer.queue(MailKind.REGISTERED, OTHER)
    assert mailer.deliver_pending() == DeliveryReport(waiting=2, configured=False)


# -- waiting: backoff and other processes ------------------------------------------------------


def test_mails_waiting_for_their_retry_are_counted_and_do_not_hold_up_the_others(
        outbox, clock):
    sender = Sender(temporary(), temporary())
    mailer = Mailer(outbox, clock, sender)
    a = mailer.queue(MailKind.REGISTERED, TO)
    b = mailer.queue(MailKind.REGISTERED, OTHER)
    assert mailer.deliver_pending().retry == 2
    c = mailer.queue(MailKind.REGISTERED, "third@example.com")
    assert mailer.deliver_pending() == DeliveryReport(sent=1, waiting=2)
    assert [m["id"] for m in sender.sent] == [c]
    assert outbox.get(a)["status"] == outbox.get(b)["status"] == "failed"


def test_mails_another_process_holds_are_counted_and_do_not_hold_up_the_others(
        outbox, clock):
    sender = Sender()
    mailer = Mailer(outbox, clock, sender)
    held = [mailer.queue(MailKind.REGISTERED, to) for to in (TO, OTHER)]
    free = mailer.queue(MailKind.REGISTERED, "third@example.com")
    until = (NOW + timedelta(minutes=10)).isoformat()
    for mail_id in held:
        assert outbox.claim(mail_id, NOW.isoformat(), until)
    assert mailer.deliver_pending() == DeliveryReport(sent=1, waiting=2)
    assert [m["id"] for m in sender.sent] == [free]


def test_a_mail_being_sent_is_reserved_for_ten_minutes(outbox, clock):
    """A second kiosk process delivering while the first still talks to the server leaves
    the mail alone for 10 minutes, then may take it over."""
    seen: list[DeliveryReport] = []

    class SlowSender(Sender):
        def send(self, mail):
            for minutes in (9, 10):
                other_clock = FixedClock(NOW + timedelta(minutes=minutes))
                other = Sender(temporary())
                seen.append(Mailer(outbox, other_clock, other).deliver_pending())
            super().send(mail)

    mailer = Mailer(outbox, clock, SlowSender())
    mailer.queue(MailKind.REGISTERED, TO)
    mailer.deliver_pending()
    assert seen == [DeliveryReport(waiting=1), DeliveryReport(retry=1)]


# -- reading stored mails -----------------------------------------------------------------------


def test_a_stored_record_with_its_body_reads_without_its_parameters():
    older = {"to": TO, "kind": "registered", "subject": "s", "body": "as sent",
             "params": {"x": 1}, "created_at": NOW.isoformat(), "status": "sent"}
    shown = with_text(older)
    assert shown == {k: v for k, v in older.items() if k != "params"}


def test_a_deferred_password_notice_without_a_time_gives_the_time_it_was_written():
    record = compose_deferred(MailKind.PASSWORD_CHANGED, TO, NOW + timedelta(minutes=7))
    zh_body, en_body = with_text(record)["body"].split("-" * 40)
    assert "09:07" in zh_body and "09:07" in en_body


def test_a_deferred_record_without_a_subject_is_read_with_the_rendered_one():
    record = compose_deferred(MailKind.REGISTERED, TO, NOW)
    subject = record.pop("subject")
    assert " / " in subject and with_text(record)["subject"] == subject


# -- what a mail carries -------------------------------------------------------------------

RECEIPT = {"name": "王大明", "atm_no": "9576788399995815", "amount": 200,
           "receipt_no": "20260302123456",
           "paid_at": datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI),
           "insured_until": datetime(2026, 3, 16, tzinfo=TAIPEI)}


def test_a_receipt_mail_is_sent_with_the_files_drawn_for_it(outbox, clock):
    from kiosk.domain.mail import Attachment

    drawn: list[dict] = []

    def attachments(mail):
        drawn.append(dict(mail["attach"]))
        return [Attachment("receipt.pdf", b"%PDF-1.7")]

    sender = Sender()
    mailer = Mailer(outbox, clock, sender, attachments=attachments)
    mail_id = mailer.queue(MailKind.CARD_RECEIPT, "wang@example.com", **RECEIPT)
    assert mailer.deliver_pending().sent == 1
    assert drawn == [{"receipt": RECEIPT["atm_no"]}]
    assert [a.filename for a in sender.sent[0]["attachments"]] == ["receipt.pdf"]
    assert "attachments" not in outbox.get(mail_id)           # drawn, never stored


def test_a_receipt_that_cannot_be_drawn_leaves_the_mail_without_it_and_is_logged(
        outbox, clock, log):
    def attachments(_mail):
        raise OSError("the papers' fonts are missing")

    sender = Sender()
    mailer = Mailer(outbox, clock, sender, attachments=attachments)
    mailer.queue(MailKind.CARD_RECEIPT, "wang@example.com", **RECEIPT)
    assert mailer.deliver_pending().sent == 1
    assert "attachments" not in sender.sent[0] and "9576788399995815" in sender.sent[0]["body"]
    assert any("attachment could not be drawn (OSError)" in line for line in lines(log))
    assert not any("fonts" in line for line in lines(log))   # only the error's type
