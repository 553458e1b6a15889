"""行動電話認證: every carrier refusal of seed 001 Q9, registration and binding in one
step, and the password reset by authenticating again (seed 001 Q7)."""

from __future__ import annotations

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import InvalidInput, Locked
from kiosk.domain.mail import MailKind
from tests.unit.domain_fixtures import GOOD, card, refused

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

NEW = "Phone@2026"


@pytest.fixture
def devices(world):
    return Devices(world.services)


@pytest.fixture
def phone(world, devices):
    return PhoneAuth(world.services, devices)


def last4(key: str) -> str:
    return card(key).card_no[-4:]


@pytest.mark.parametrize(("number", "id_key", "reason"), [
    ("0955000555", "child", "err.phone.parent_child"),
    ("0966000666", "cp950_ext", "err.phone.prepaid"),
    ("0977000777", "national", "err.phone.company"),
    ("0988000888", "long_name", "err.phone.mvno"),
    ("0920000200", "resident_ui", "err.phone.suspended"),
    ("0921000210", "resident_ui", "err.phone.arrears"),
    ("0911000111", "long_name", "err.phone.not_holder"),
    ("0920000200", "national", "err.phone.not_holder"),   # a stranger learns no status
    ("0966000666", "national", "err.phone.not_holder"),   # ... nor that it is prepaid
    ("0930000300", "long_name", "err.phone.not_five"),
    ("0900123456", "national", "err.phone.not_five"),
])
def test_each_carrier_refusal_names_its_reason_and_changes_nothing(
        world, phone, number, id_key, reason):
    before = world.services.accounts.count()
    with refused(reason):
        phone.authenticate(number, card(id_key).id_no, last4(id_key), NEW, NEW)
    assert world.services.accounts.count() == before
    assert phone.devices.of_holder(card(id_key).id_no) == []


def test_success_registers_and_binds_the_phone_in_one_step(world, phone):
    holder = card("national")
    result = phone.authenticate("0911-000-111", holder.id_no.lower(), "2222", NEW, NEW)
    assert result.registered
    account = world.services.accounts.get_by_id(holder.id_no)
    assert account["state"] == State.ACTIVE
    assert account["card_no"] == holder.card_no and account["phone"] == "0911000111"
    assert result.device["name"] == "0911-***-111"
    # the card and the new password now log in at the kiosk
    session = world.sign_in.login(holder, NEW)
    assert [d["name"] for d in phone.devices.of(session)] == ["0911-***-111"]


def test_a_resident_authenticates_with_the_arc_number(world, phone):
    result = phone.authenticate("0933000333", "AC01234567", last4("resident_arc"), NEW, NEW,
                                "Lan's phone")
    assert result.registered and result.device["name"] == "Lan's phone"


def test_authenticating_again_resets_the_password_and_keeps_one_device(world, phone):
    holder = card("registered")
    world.services.login_lock.guard(holder.id_no, lambda: False)  # one wrong password
    result = phone.authenticate("0912345678", holder.id_no, last4("registered"), NEW, NEW)
    assert not result.registered
    with refused("err.login.password"):
        world.sign_in.login(holder, DEMO_PASSWORD)
    world.sign_in.login(holder, NEW)
    to, _ = world.mail.last(MailKind.PASSWORD_CHANGED)
    assert to == "chang.demo@example.com"
    again = phone.authenticate("0912345678", holder.id_no, last4("registered"), GOOD, GOOD)
    assert again.device["device_id"] == result.device["device_id"]
    assert len(phone.devices.of_holder(holder.id_no)) == 1
    world.sign_in.login(holder, GOOD)


def test_a_pending_registration_is_completed_by_the_carrier(world, phone):
    from tests.unit.domain_fixtures import NATIONAL_PROOF

    holder = card("national")
    world.registration.register(holder, NATIONAL_PROOF, GOOD, GOOD, "wang@example.com", "")
    _, mail = world.mail.last(MailKind.VERIFY)
    phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW)
    assert world.services.accounts.get_by_id(holder.id_no)["state"] == State.ACTIVE
    with refused("err.code.unknown"):   # the old verification link is void
        world.registration.confirm(mail["code"])


def test_a_suspended_registration_is_sent_to_the_counter(world, phone):
    holder = card("suspended")
    with refused("err.login.suspended"):
        phone.authenticate("0922333444", holder.id_no, last4("suspended"), NEW, NEW)
    assert phone.devices.of_holder(holder.id_no) == []


def test_wrong_card_digits_count_and_lock_after_five(world, phone):
    holder = card("national")
    for tries_left in (4, 3, 2, 1):
        with refused("err.phone.mismatch") as info:
            phone.authenticate("0911000111", holder.id_no, "0000", NEW, NEW)
        assert info.value.params["tries_left"] == tries_left
    with pytest.raises(Locked):
        phone.authenticate("0911000111", holder.id_no, "0000", NEW, NEW)
    with pytest.raises(Locked):   # even the right digits wait for the lock to end
        phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW)
    world.clock.advance(minutes=15)
    assert phone.authenticate("0911000111", holder.id_no, "2222", NEW, NEW).registered


def test_probing_one_number_with_many_ids_closes_the_number(world, phone):
    strangers = ["A123456789", "B220123455", "E123456783", "F229876540", "AC01234567"]
    for id_no in strangers[:4]:
        with refused("err.phone.not_holder"):
            phone.authenticate("0912345678", id_no, "0000", NEW, NEW)
    with pytest.raises(Locked):
        phone.authenticate("0912345678", strangers[4], "0000", NEW, NEW)
    with pytest.raises(Locked):   # the holder waits too: the number is closed for a while
        phone.authenticate("0912345678", "J128765432", "8888", NEW, NEW)
    world.services.identity_lock.check("A123456789")   # card registration stays open


def test_a_replacement_card_known_to_the_registry_works_before_its_first_read(world, phone):
    people = world.services.registry
    people.put(people.person("J128765432") | {"card_no": "000077779999"})
    phone.authenticate("0912345678", "J128765432", "9999", NEW, NEW)


def test_a_reset_voids_older_reset_mails_and_keeps_the_phone_name(world, phone):
    holder = card("registered")
    world.forgot_password.send_reset(holder)
    _, mail = world.mail.last(MailKind.RESET)
    phone.authenticate("0912345678", holder.id_no, "8888", NEW, NEW, "Chang's phone")
    again = phone.authenticate("0912345678", holder.id_no, "8888", GOOD, GOOD)
    assert again.device["name"] == "Chang's phone"
    with refused("err.code.unknown"):
        world.forgot_password.reset(mail["code"], "Other@2026", "Other@2026")


def test_a_person_the_registry_has_no_card_for_cannot_authenticate(world, phone):
    people = world.services.registry
    person = people.person("A123456789")
    people.put({k: v for k, v in person.items() if k not in ("card_no", "card_issue_date")})
    with refused("err.phone.mismatch"):
        phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW)


@pytest.mark.parametrize(("args", "field"), [
    (("12345", "A123456789", "2222", NEW, NEW), "phone"),
    (("0911000111", "A123456788", "2222", NEW, NEW), "id"),
    (("0911000111", "A123456789", "22a2", NEW, NEW), "last4"),
    (("0911000111", "A123456789", "2222", "short", "short"), "password"),
    (("0911000111", "A123456789", "2222", NEW, NEW + "x"), "password2"),
])
def test_malformed_input_names_the_field_and_costs_no_try(world, phone, args, field):
    with pytest.raises(InvalidInput) as info:
        phone.authenticate(*args)
    assert info.value.field == field
    assert world.services.phone_lock.locked_until("A123456789") is None
    with refused("err.phone.mismatch") as wrong:
        phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    assert wrong.value.params["tries_left"] == 4
