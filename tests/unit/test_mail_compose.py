"""kiosk.domain.mail composing: the exact shape of a mail and of its outbox record, the
parameters each kind takes, and what a stored secret-bearing mail reveals (and to whom)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.i18n import load_catalog
from kiosk.domain.keyring import Keyring
from kiosk.domain.mail import (
    Mailer,
    MailKind,
    compose,
    compose_deferred,
    render,
    reveal_params,
    with_text,
)
from kiosk.domain.passwords import MACHINE_ALPHABET
from store.core import Store
from store.outbox import Outbox

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)        # a Monday
EXPIRES = datetime(2026, 3, 2, 9, 30, tzinfo=TAIPEI)
TO = "someone@example.com"
SEP = "-" * 40
RING = Keyring(bytes(range(32)))
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ZH, EN = load_catalog("zh-TW"), load_catalog("en")


def catalog_subject(kind: str) -> str:
    return f"{ZH[f'mail.{kind}.subject'].strip()} / {EN[f'mail.{kind}.subject'].strip()}"


# -- the mail's text ----------------------------------------------------------------------


def test_a_mail_is_chinese_then_english_each_with_its_footer_and_one_final_newline():
    mail = render(MailKind.REGISTERED, NOW)
    assert mail.subject == catalog_subject("registered")
    assert mail.body == (f"{ZH['mail.registered.body'].strip()}\n\n{ZH['mail.footer'].strip()}"
                         f"\n\n{SEP}\n\n"
                         f"{EN['mail.registered.body'].strip()}\n\n{EN['mail.footer'].strip()}"
                         "\n")
    assert (mail.code, mail.link, mail.expires_at) == (None, None, None)


def test_the_record_of_a_new_mail_is_queued_unattempted_and_complete():
    record = compose(MailKind.REGISTERED, f" {TO}\t", NOW)
    body = record.pop("body")
    assert record == {"to": TO, "kind": "registered", "subject": catalog_subject("registered"),
                      "created_at": "2026-03-02T09:00:00+08:00", "status": "queued",
                      "final": False, "attempts": 0, "last_error": None,
                      "next_attempt_at": None}
    assert body.startswith("您好")


def test_a_deferred_record_keeps_the_same_fields_and_its_parameters_instead_of_a_body():
    record = compose_deferred(MailKind.RESET, TO, NOW + timedelta(microseconds=5),
                              seed="s-1", expires_at=EXPIRES + timedelta(microseconds=7))
    assert record == {"to": TO, "kind": "reset", "subject": catalog_subject("reset"),
                      "params": {"seed": "s-1", "expires_at": "2026-03-02T09:30:00.000007+08:00"},
                      "created_at": "2026-03-02T09:00:00+08:00", "status": "queued",
                      "final": False, "attempts": 0, "last_error": None,
                      "next_attempt_at": None, "expires_at": "2026-03-02T09:30:00+08:00"}


def test_a_deferred_receipt_stores_its_times_and_days_as_iso_text():
    record = compose_deferred(MailKind.CARD_RECEIPT, TO, NOW, name="王大明",
                              atm_no="9512345678901234", amount=200, receipt_no="R1",
                              paid_at=NOW, insured_until=datetime(2026, 6, 30, tzinfo=TAIPEI))
    assert record["params"]["paid_at"] == "2026-03-02T09:00:00+08:00"
    assert record["params"]["insured_until"] == "2026-06-30T00:00:00+08:00"
    assert "expires_at" not in record
    assert "2026-06-30" in with_text(record)["body"]


def test_a_mail_without_a_usable_address_is_refused_without_naming_it():
    for kind, params in ((MailKind.REGISTERED, {}),
                         (MailKind.RESET, {"seed": "s", "expires_at": EXPIRES})):
        with pytest.raises(ValueError) as info:
            compose(kind, "wang at example.com", NOW, **params)
        assert str(info.value) == "not a usable e-mail address"


def test_a_mail_with_a_secret_needs_a_seed_that_is_not_empty():
    for seed in ("", None):
        with pytest.raises(TypeError) as info:
            compose(MailKind.BATCH_WELCOME, TO, NOW, unit="u", seed=seed)
        assert str(info.value) == ("batch_welcome mail needs the seed of its secret, "
                                   "never the secret")


# -- parameters -----------------------------------------------------------------------------


def test_missing_and_unknown_parameters_are_all_named():
    with pytest.raises(TypeError) as missing:
        render(MailKind.VERIFY, NOW)
    assert str(missing.value) == "verify mail needs code, expires_at"
    with pytest.raises(TypeError) as unknown:
        render(MailKind.REGISTERED, NOW, size=1, colour="blue")
    assert str(unknown.value) == "registered mail takes no colour, size"


def test_a_code_of_4_to_128_letters_digits_dashes_or_underscores_is_accepted():
    for code in ("abcd", "A" * 128, "a-b_c9"):
        assert render(MailKind.VERIFY, NOW, code=code, expires_at=EXPIRES).code == code
    for code in ("abc", "A" * 129, "abcd!", "ab cd"):
        with pytest.raises(ValueError) as info:
            render(MailKind.VERIFY, NOW, code=code, expires_at=EXPIRES)
        assert str(info.value) == "a mail code is 4 to 128 letters, digits, '-' or '_'"


def test_a_given_link_is_used_as_it_is():
    mail = render(MailKind.VERIFY, NOW, code="ABCD", expires_at=EXPIRES,
                  link="nhi-kiosk://confirm/OTHER")
    assert mail.link == "nhi-kiosk://confirm/OTHER" and mail.link in mail.body
    assert "nhi-kiosk://confirm/ABCD" not in mail.body


def test_times_may_be_iso_text_and_a_time_without_zone_is_taipei_time():
    for expires in ("2026-03-02T09:30:00+08:00", datetime(2026, 3, 2, 9, 30),
                    "2026-03-02T09:30"):
        mail = render(MailKind.RESET, NOW, code="ABCD", expires_at=expires)
        assert "Mon 2026-03-02 09:30 (ROC 115)" in mail.body
        assert mail.expires_at == "2026-03-02T09:30:00+08:00"


def test_a_time_that_is_no_time_is_refused_naming_the_parameter():
    with pytest.raises(ValueError) as text:
        render(MailKind.ACCOUNT_LOCKED, NOW, until="tomorrow")
    assert str(text.value) == "mail parameter until: 'tomorrow' is not an ISO time"
    with pytest.raises(TypeError) as other:
        render(MailKind.ACCOUNT_LOCKED, NOW, until=12)
    assert str(other.value) == "mail parameter until must be a datetime, not int"
    with pytest.raises(ValueError) as expiry:
        render(MailKind.VERIFY, NOW, code="ABCD", expires_at="soon")
    assert str(expiry.value) == "mail parameter expires_at: 'soon' is not an ISO time"
    with pytest.raises(ValueError) as changed_at:
        render(MailKind.PASSWORD_CHANGED, NOW, at="today")
    assert str(changed_at.value) == "mail parameter at: 'today' is not an ISO time"
    receipt = {"name": "王大明", "atm_no": "9512345678901234", "amount": 200,
               "receipt_no": "R1", "paid_at": NOW, "insured_until": NOW}
    for name in ("paid_at", "insured_until"):
        with pytest.raises(ValueError) as bad:
            render(MailKind.CARD_RECEIPT, NOW, **receipt | {name: "later"})
        assert str(bad.value) == f"mail parameter {name}: 'later' is not an ISO time"


def test_the_locked_notice_tells_until_when_in_both_languages():
    mail = render(MailKind.ACCOUNT_LOCKED, NOW, until=EXPIRES)
    zh_body, en_body = mail.body.split(SEP)
    assert "09:30" in zh_body and "Mon 2026-03-02 09:30 (ROC 115)" in en_body


def test_a_password_notice_tells_the_time_given_or_else_now():
    assert "Mon 2026-03-02 11:15" in render(
        MailKind.PASSWORD_CHANGED, NOW, at=NOW + timedelta(hours=2, minutes=15)).body
    assert "Mon 2026-03-02 09:00" in render(MailKind.PASSWORD_CHANGED, NOW).body


def test_a_welcome_mail_links_to_sign_in_unless_given_another_link():
    default = render(MailKind.BATCH_WELCOME, NOW, unit="u", password="p")
    assert "nhi-kiosk://login" in default.body
    other = render(MailKind.BATCH_WELCOME, NOW, unit="u", password="p",
                   login_link="nhi-kiosk://elsewhere")
    assert "nhi-kiosk://elsewhere" in other.body and "nhi-kiosk://login" not in other.body


def test_the_receipt_names_the_insured_until_day_without_a_time():
    mail = render(MailKind.CARD_RECEIPT, NOW, name="王大明", atm_no="9512345678901234",
                  amount=200, receipt_no="R1", paid_at=NOW,
                  insured_until=datetime(2026, 6, 30, 23, 59, tzinfo=TAIPEI))
    en_body = mail.body.split(SEP)[1]
    assert "2026-06-30" in en_body and "23:59" not in en_body
    assert "Mon 2026-03-02 09:00" in en_body


# -- what a stored secret reveals ----------------------------------------------------------


def test_a_confirmation_mails_code_and_link_come_from_its_seed_with_the_key():
    code = RING.derive("s-1", CODE_ALPHABET, 10)
    params = {"seed": "s-1", "expires_at": EXPIRES}
    assert reveal_params(MailKind.VERIFY, params, RING) == {
        "expires_at": EXPIRES, "code": f"{code[:5]}-{code[5:]}",
        "link": f"nhi-kiosk://confirm/{code}"}
    assert reveal_params(MailKind.RESET, params, RING)["link"] == f"nhi-kiosk://reset/{code}"


def test_without_the_key_or_the_seed_a_code_reads_as_asterisks():
    hidden = {"expires_at": EXPIRES, "code": "*****-*****",
              "link": "nhi-kiosk://confirm/" + "*" * 10}
    assert reveal_params(MailKind.EMAIL_CHANGE, {"seed": "s-1", "expires_at": EXPIRES},
                         None) == hidden
    assert reveal_params(MailKind.EMAIL_CHANGE, {"expires_at": EXPIRES}, RING) == hidden


def test_a_welcome_mail_reveals_its_password_but_never_its_seed_or_holder():
    params = {"unit": "u", "seed": "s-2", "holder": "h"}
    assert reveal_params(MailKind.BATCH_WELCOME, params, RING) == {
        "unit": "u", "password": RING.derive("s-2", MACHINE_ALPHABET, 12)}
    assert reveal_params(MailKind.BATCH_WELCOME, params, None) == {
        "unit": "u", "password": "*" * 12}


def test_a_mail_without_a_secret_reveals_its_parameters_as_they_are():
    assert reveal_params(MailKind.ACCOUNT_LOCKED, {"until": EXPIRES}, RING) == {
        "until": EXPIRES}
    assert reveal_params(MailKind.REGISTERED, {}, None) == {}


def test_a_stored_confirmation_mail_read_with_the_key_has_its_code_and_link():
    record = compose_deferred(MailKind.VERIFY, TO, NOW, seed="s-1", expires_at=EXPIRES)
    code = RING.derive("s-1", CODE_ALPHABET, 10)
    shown = with_text(record, RING)
    assert shown["code"] == f"{code[:5]}-{code[5:]}"
    assert shown["link"] == f"nhi-kiosk://confirm/{code}" and shown["link"] in shown["body"]
    assert "code" not in with_text(record) and "link" not in with_text(record)


def test_a_mailer_without_a_sender_is_not_configured_and_one_with_a_sender_is(tmp_path: Path):
    outbox = Outbox(Store.open(tmp_path / "kiosk.json"))
    assert not Mailer(outbox, FixedClock(NOW)).configured
    assert Mailer(outbox, FixedClock(NOW), object()).configured  # type: ignore[arg-type]


def test_a_time_given_with_another_offset_keeps_its_moment():
    utc = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    mail = render(MailKind.RESET, NOW, code="ABCD", expires_at=utc)
    assert datetime.fromisoformat(mail.expires_at) == utc == EXPIRES


def test_a_catalog_without_a_template_or_footer_is_named_in_the_error(monkeypatch):
    """A catalog bug (the shipped catalogs are complete): the error names the language and
    what is missing, never a value."""
    from kiosk.domain.mail import composition as mail_module

    def without(name):
        def load(lang):
            found = dict(load_catalog(lang))
            if lang == "en":
                found.pop(name)
            return found
        return load

    monkeypatch.setattr(mail_module, "load_catalog", without("mail.footer"))
    with pytest.raises(ValueError) as footer:
        render(MailKind.REGISTERED, NOW)
    assert str(footer.value) == "en mail template needs 'mail.footer'"
    monkeypatch.setattr(mail_module, "load_catalog", without("mail.registered.body"))
    with pytest.raises(ValueError) as body:
        render(MailKind.REGISTERED, NOW)
    assert str(body.value) == "en mail template registered needs 'mail.registered.body'"
