"""行動電話認證, what it leaves behind: the account it registers (the registry's card, name
and birth date, how and when it was made), and what a reset by phone changes: the password
and nothing it must not, a pending registration completed at that moment, a batch default
password no longer shown, the login lock cleared, and an account suspended meanwhile kept
suspended."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding import phone_auth as phone_auth_module
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth
from kiosk.domain.counter.batch import Batch
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import verify_password
from store.outbox import Outbox
from tests.unit.domain_fixtures import GOOD, NATIONAL_PROOF, NOW, card, refused

NEW = "Phone@2026"


@pytest.fixture
def phone(world):
    return PhoneAuth(world.services, Devices(world.services))


def test_a_phone_registration_keeps_the_registrys_facts_and_how_and_when_it_was_made(
        world, phone):
    holder = card("national")
    world.clock.advance(minutes=7)
    phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW)
    account = world.services.accounts.get_by_id(holder.id_no)
    when = NOW.replace(minute=7).isoformat()
    assert {k: account.get(k) for k in (
        "id_no", "card_no", "card_issue_date", "name", "birth_date", "state", "email", "phone",
        "created_at", "confirmed_at", "must_change_password", "registered_via")} == {
        "id_no": holder.id_no, "card_no": holder.card_no,
        "card_issue_date": holder.issue_date.isoformat(), "name": holder.name,
        "birth_date": holder.birth_date.isoformat(), "state": State.ACTIVE.value,
        "email": "", "phone": "0911000111", "created_at": when, "confirmed_at": when,
        "must_change_password": False, "registered_via": "phone"}
    assert verify_password(NEW, account["password_hash"], world.services.machine_key())
    session = world.sign_in.login(holder, NEW)
    assert session.name == holder.name and not session.must_change_password


def test_after_a_phone_registration_an_older_card_is_refused_and_a_newer_one_accepted(
        world, phone):
    holder = card("national")
    phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW)
    older = replace(holder, card_no="000011110000", issue_date=date(2014, 1, 1))
    with refused("err.login.old_card"):
        world.sign_in.login(older, NEW)
    newer = replace(holder, card_no="000011113333", issue_date=date(2025, 1, 1))
    assert world.sign_in.login(newer, NEW).id_no == holder.id_no


def test_a_registry_person_without_a_name_registers_with_an_empty_name(world, phone):
    people = world.services.registry
    person = people.person("A123456789")
    people.put({k: v for k, v in person.items() if k != "name"})
    phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW)
    assert world.services.accounts.get_by_id("A123456789")["name"] == ""
    assert world.sign_in.login(card("national"), NEW).name == ""


def test_a_pending_registration_completed_by_phone_is_confirmed_then_with_the_new_password(
        world, phone):
    holder = card("national")
    world.registration.register(holder, NATIONAL_PROOF, GOOD, GOOD, "wang@example.com", "")
    world.clock.advance(minutes=30)
    phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW)
    account = world.services.accounts.get_by_id(holder.id_no)
    assert account["state"] == State.ACTIVE.value
    assert account["confirmed_at"] == NOW.replace(minute=30).isoformat()
    assert account["created_at"] == NOW.isoformat()
    with refused("err.login.password"):
        world.sign_in.login(holder, GOOD)
    assert not world.sign_in.login(holder, NEW).must_change_password


def test_a_batch_default_password_is_replaced_by_phone_and_no_longer_shown(
        world, phone, tmp_path):
    unit_file = tmp_path / "11012100920160207.CSV"
    unit_file.write_text("A123456789,wang@example.com\nB220123455,nana@example.com\n",
                         "utf-8")
    Batch(world.services).import_file(unit_file, tmp_path / "reports", Catalog("en"))
    result = phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW)
    assert not result.registered
    session = world.sign_in.login(card("national"), NEW)
    assert not session.must_change_password            # the holder chose this password
    assert not world.services.accounts.get_by_id("A123456789")["must_change_password"]
    seeds = {m["to"]: "seed" in m["params"] for m in Outbox(world.store).mails()
             if m["kind"] == MailKind.BATCH_WELCOME}
    assert seeds == {"wang@example.com": False, "nana@example.com": True}
    shown = next(m for m in world.services.mails() if m["to"] == "wang@example.com"
                 and m["kind"] == MailKind.BATCH_WELCOME)
    assert "Default password: ************" in shown["body"]
    to, _ = world.mail.last(MailKind.PASSWORD_CHANGED)
    assert to == "wang@example.com"


def test_a_reset_by_phone_clears_the_wrong_passwords_counted_at_login(world, phone):
    holder = card("registered")
    for tries_left in (4, 3, 2, 1):
        with refused("err.login.password") as wrong:
            world.sign_in.login(holder, "Wrong@2026")
        assert wrong.value.params["tries_left"] == tries_left
    phone.authenticate("0912345678", holder.id_no, "8888", NEW, NEW)
    with refused("err.login.password") as wrong:
        world.sign_in.login(holder, "Wrong@2026")
    assert wrong.value.params["tries_left"] == 4
    world.sign_in.login(holder, NEW)


def test_an_account_suspended_while_the_new_password_is_hashed_stays_suspended(
        world, phone, monkeypatch):
    holder = card("registered")
    before = world.services.accounts.get_by_id(holder.id_no)
    real_hash = phone_auth_module.hash_password

    def hash_while_staff_suspend(password: str) -> str:
        world.services.accounts.modify(holder.id_no,
                                       lambda _a: {"state": State.SUSPENDED.value})
        return real_hash(password)

    monkeypatch.setattr(phone_auth_module, "hash_password", hash_while_staff_suspend)
    with refused("err.login.suspended"):
        phone.authenticate("0912345678", holder.id_no, "8888", NEW, NEW)
    after = world.services.accounts.get_by_id(holder.id_no)
    assert after["state"] == State.SUSPENDED.value
    assert after["password_hash"] == before["password_hash"]
    assert phone.devices.of_holder(holder.id_no) == []
    assert verify_password(DEMO_PASSWORD, after["password_hash"], world.services.machine_key())
