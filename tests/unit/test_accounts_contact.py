"""accounts.check_contact (the contact fields of registration and 基本資料), and a notice
that cannot be mailed."""

from __future__ import annotations

import logging

import pytest

from kiosk.domain.accounts import check_contact
from kiosk.domain.errors import InvalidInput
from kiosk.domain.mail import MailKind
from tests.unit.domain_fixtures import NOW


def refused_field(email: str, phone: str, **kw) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as info:
        check_contact(email, phone, **kw)
    return info.value.field, info.value.key


def test_an_email_address_is_required_unless_the_form_says_otherwise():
    assert refused_field("", "") == ("email", "err.required")
    assert refused_field("   ", "0912345678") == ("email", "err.required")
    assert check_contact("", "", email_required=False) == ("", "")


def test_a_given_address_must_be_usable_even_where_none_is_required():
    assert refused_field("not an address", "", email_required=False) == (
        "email", "err.contact.email")


def test_a_phone_number_is_optional_but_a_given_one_must_be_a_phone_number():
    assert check_contact(" wang@example.com ", "") == ("wang@example.com", "")
    assert check_contact("wang@example.com", "(02) 2345 6789") == (
        "wang@example.com", "0223456789")
    assert refused_field("wang@example.com", "12") == ("phone", "err.contact.phone")


def test_a_notice_to_an_unusable_stored_address_is_dropped_and_logged(world, caplog):
    caplog.set_level(logging.WARNING, logger="kiosk.domain.accounts")
    world.services.notify(MailKind.ACCOUNT_LOCKED, "no address", until=NOW)
    assert world.mail.sent == []
    assert [r.getMessage() for r in caplog.records if r.name == "kiosk.domain.accounts"] == [
        "notice account_locked not queued: the stored address is not usable"]


def test_an_old_hash_is_not_upgraded_over_a_password_changed_meanwhile(world, monkeypatch):
    """The upgrade hashes outside the store lock; a new password set in that moment wins."""
    from kiosk.domain import accounts as accounts_module
    from kiosk.domain import passwords

    s = world.services
    monkeypatch.setattr(passwords, "SCRYPT_N", 2**9)
    old = passwords.hash_password("Old@2026x")
    monkeypatch.setattr(passwords, "SCRYPT_N", 2**10)
    s.accounts.add({"id_no": "Z100000009", "card_no": "000099990000", "email": "",
                    "phone": "", "state": "active",
                    "password_hash": old})
    meanwhile = passwords.hash_password("New@2026x")
    real = accounts_module.hash_password

    def slow(password):
        s.accounts.modify("Z100000009", lambda _a: {"password_hash": meanwhile})
        return real(password)

    monkeypatch.setattr(accounts_module, "hash_password", slow)
    s.check_password(s.accounts.get_by_id("Z100000009"), "Old@2026x")
    assert s.accounts.get_by_id("Z100000009")["password_hash"] == meanwhile
