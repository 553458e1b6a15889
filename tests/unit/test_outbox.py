"""store.outbox: the mail records are stored, updated in place, visible to other processes,
and never removed."""

from __future__ import annotations

import pytest

from store.core import Store
from store.outbox import Outbox, adopt_record, new_record

T0 = "2026-03-01T09:00:00+08:00"
T1 = "2026-03-01T09:01:00+08:00"
T2 = "2026-03-01T09:02:00+08:00"



def _mail(n: int) -> dict:
    return {"to": f"user{n}@example.com", "kind": "verify", "subject": f"s{n}",
            "body": f"b{n}", "created_at": T0}


def test_add_get_and_defaults(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    got = outbox.get(mail_id)
    assert got is not None
    assert got["id"] == mail_id and got["to"] == "user1@example.com"
    assert got["status"] == "queued" and got["attempts"] == 0 and got["last_error"] is None
    assert outbox.get(mail_id + 100) is None


def test_new_record_copies_and_adopt_record_takes_the_dict_over():
    given = _mail(1) | {"id": 7}
    copy = new_record(given)
    assert "id" in given and "id" not in copy and copy["status"] == "queued"
    adopted = adopt_record(given)
    assert adopted is given and adopted == copy
    with pytest.raises(ValueError, match="status"):
        adopt_record(_mail(2) | {"status": "lost"})


def test_add_ignores_a_given_id_and_rejects_unknown_status(store):
    outbox = Outbox(store)
    first = outbox.add(_mail(1) | {"id": 999})
    assert outbox.get(first)["id"] == first != 999
    with pytest.raises(ValueError, match="status"):
        outbox.add(_mail(2) | {"status": "lost"})
    assert outbox.count() == 1


def test_list_order_and_limit(store):
    outbox = Outbox(store)
    ids = [outbox.add(_mail(n)) for n in range(5)]
    assert [m["id"] for m in outbox.mails()] == ids[::-1]
    assert [m["id"] for m in outbox.mails(newest_first=False)] == ids
    assert [m["id"] for m in outbox.mails(limit=2)] == ids[::-1][:2]
    assert outbox.mails(limit=0) == []


def test_writes_are_committed_to_the_file(store, db_path):
    Outbox(store).add(_mail(1))
    with Store.open(db_path) as fresh:      # what another process reads from the files
        on_disk = fresh.db().table("outbox").all()
    assert [d["to"] for d in on_disk] == ["user1@example.com"]


def test_mark_sent(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    outbox.mark_sent(mail_id, T1)
    got = outbox.get(mail_id)
    assert got["status"] == "sent" and got["sent_at"] == T1 and got["attempts"] == 1
    assert outbox.pending() == []


def test_failures_keep_the_record_and_count_attempts(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    outbox.mark_attempt_failed(mail_id, T1, "451 try later", final=False, next_attempt_at=T2)
    got = outbox.get(mail_id)
    assert got["status"] == "failed" and not got["final"] and got["attempts"] == 1
    assert got["last_error"] == "451 try later" and got["next_attempt_at"] == T2
    assert [m["id"] for m in outbox.pending()] == [mail_id]   # retryable

    outbox.mark_attempt_failed(mail_id, T2, "550 no such user", final=True)
    got = outbox.get(mail_id)
    assert got["status"] == "failed" and got["final"] and got["attempts"] == 2
    assert got["next_attempt_at"] is None and got["body"] == "b1"
    assert outbox.pending() == []
    assert outbox.count() == 1


def test_pending_is_queued_or_retryable_oldest_first(store):
    outbox = Outbox(store)
    a, b, c, d = (outbox.add(_mail(n)) for n in range(4))
    outbox.mark_sent(a, T1)
    outbox.mark_attempt_failed(b, T1, "timeout", final=False)
    outbox.mark_attempt_failed(c, T1, "550", final=True)
    assert [m["id"] for m in outbox.pending()] == [b, d]


def test_marking_a_missing_mail_raises_keyerror(store):
    outbox = Outbox(store)
    with pytest.raises(KeyError):
        outbox.mark_sent(42, T1)
    with pytest.raises(KeyError):
        outbox.mark_attempt_failed(42, T1, "x", final=True)


def test_claim_reserves_a_mail_until_it_expires(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    assert outbox.claim(mail_id, T0, T2)
    assert not outbox.claim(mail_id, T1, T2)          # held by someone else
    assert outbox.claim(mail_id, T2, "2026-03-01T09:12:00+08:00")   # expired: taken over
    outbox.mark_sent(mail_id, T2)
    assert not outbox.claim(mail_id, T2, T2)          # not pending any more
    assert not outbox.claim(999, T0, T1)


def test_claim_returns_the_current_record_and_respects_the_retry_time(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    outbox.mark_attempt_failed(mail_id, T0, "451", final=False, next_attempt_at=T2)
    assert outbox.claim(mail_id, T1, T2) is None            # retry not due yet
    claimed = outbox.claim(mail_id, T2, "2026-03-01T09:12:00+08:00")
    assert claimed is not None
    assert claimed["id"] == mail_id and claimed["attempts"] == 1
    assert claimed["to"] == "user1@example.com"


def test_claim_compares_times_not_text(store):
    outbox = Outbox(store)
    mail_id = outbox.add(_mail(1))
    assert outbox.claim(mail_id, T0, "2026-03-01T09:05:00+08:00")
    # 01:06 UTC is 09:06 Taipei: the claim has expired, although "01" < "09" as text.
    assert outbox.claim(mail_id, "2026-03-01T01:06:00+00:00", "2026-03-01T01:16:00+00:00")


def test_a_second_process_sees_the_same_outbox(db_path, store):
    mail_id = Outbox(store).add(_mail(1))
    with Store.open(db_path) as other:
        Outbox(other).mark_sent(mail_id, T1)
    assert Outbox(store).get(mail_id)["status"] == "sent"
