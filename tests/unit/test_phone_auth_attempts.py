"""行動電話認證, what counts as a try and against what: wrong card digits close the ID, not
the number; only "not your number" counts against a number; the card digits of the
registry and of the account both work; two kiosks registering one ID at once; the name the
phone is bound under."""

from __future__ import annotations

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding import phone_auth as phone_auth_module
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth, mask_mobile
from kiosk.domain.errors import InvalidInput, Locked
from tests.unit.domain_fixtures import NOW, refused

NEW = "Phone@2026"


@pytest.fixture
def phone(world):
    return PhoneAuth(world.services, Devices(world.services))


def test_wrong_card_digits_close_the_id_but_not_the_number(world, phone):
    for _ in range(4):
        with refused("err.phone.mismatch"):
            phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    with pytest.raises(Locked) as locked:
        phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    assert locked.value.key == "err.phone.locked"
    assert world.services.phone_lock.locked_until("A123456789") is not None
    assert world.services.phone_lock.locked_until("number:0911000111") is None
    with refused("err.phone.not_holder"):    # the number itself is still open
        phone.authenticate("0911000111", "B220123455", "7777", NEW, NEW)


def test_a_refusal_other_than_not_your_number_costs_no_try(world, phone):
    for _ in range(6):
        with refused("err.phone.prepaid"):
            phone.authenticate("0966000666", "E123456783", "6666", NEW, NEW)
    assert world.services.phone_lock.locked_until("E123456783") is None
    assert world.services.phone_lock.locked_until("number:0966000666") is None
    with refused("err.phone.mismatch") as wrong:
        phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    assert wrong.value.params["tries_left"] == 4


def test_not_your_number_counts_against_the_id_too(world, phone):
    with refused("err.phone.not_holder"):
        phone.authenticate("0912345678", "A123456789", "2222", NEW, NEW)
    with refused("err.phone.mismatch") as wrong:
        phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    assert wrong.value.params["tries_left"] == 3


def test_a_right_answer_clears_the_ids_wrong_tries(world, phone):
    for _ in range(3):
        with refused("err.phone.mismatch"):
            phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW)
    with refused("err.phone.mismatch") as wrong:
        phone.authenticate("0911000111", "A123456789", "0000", NEW, NEW)
    assert wrong.value.params["tries_left"] == 4


def test_the_last_digits_of_the_accounts_newer_card_work_as_well_as_the_registrys(world,
                                                                                  phone):
    world.services.accounts.modify("J128765432", lambda _a: {"card_no": "000077771234"})
    phone.authenticate("0912345678", "J128765432", "1234", NEW, NEW)     # the account's
    phone.authenticate("0912345678", "J128765432", "8888", NEW, NEW)     # the registry's
    with refused("err.phone.mismatch"):
        phone.authenticate("0912345678", "J128765432", "7777", NEW, NEW)


def test_digits_typed_with_spaces_around_them_are_read(world, phone):
    assert phone.authenticate(" 0911000111 ", " a123456789 ", " 2222 ", NEW, NEW).registered


def test_a_registration_made_elsewhere_meanwhile_is_busy_not_a_second_account(
        world, phone, monkeypatch):
    real_hash = phone_auth_module.hash_password

    def hash_while_another_kiosk_registers(password: str) -> str:
        world.services.accounts.add({"id_no": "A123456789", "state": State.PENDING.value,
                                     "card_no": None, "name": "", "email": "",
                                     "created_at": NOW.isoformat()})
        return real_hash(password)

    monkeypatch.setattr(phone_auth_module, "hash_password", hash_while_another_kiosk_registers)
    with refused("err.busy"):
        phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW)
    assert world.services.accounts.get_by_id("A123456789")["state"] == State.PENDING.value
    assert phone.devices.of_holder("A123456789") == []


def test_a_blank_device_name_binds_the_phone_under_its_masked_number(world, phone):
    result = phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW, "   ")
    assert result.device["name"] == "0911-***-111"
    renamed = phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW, " Wang's ")
    assert renamed.device["name"] == "Wang's"
    assert renamed.device["device_id"] == result.device["device_id"]
    assert mask_mobile("0987654321") == "0987-***-321"


def test_a_number_closed_by_probing_leaves_other_numbers_open(world, phone):
    for id_no in ("B220123455", "E123456783", "F229876540", "AC01234567"):
        with refused("err.phone.not_holder"):
            phone.authenticate("0912345678", id_no, "0000", NEW, NEW)
    with pytest.raises(Locked):
        phone.authenticate("0912345678", "H223456788", "0000", NEW, NEW)
    assert world.services.phone_lock.locked_until("number:0912345678") is not None
    assert phone.authenticate("0911000111", "A123456789", "2222", NEW, NEW).registered


@pytest.mark.parametrize(("args", "field", "key"), [
    (("0911-000-11", "A123456789", "2222"), "phone", "err.phone.number"),
    (("0211000111", "A123456789", "2222"), "phone", "err.phone.number"),
    (("0911000111", "A12345678", "2222"), "id", "err.phone.id"),
    (("0911000111", "A123456789", "222"), "last4", "err.phone.last4"),
    (("0911000111", "A123456789", "22222"), "last4", "err.phone.last4"),
])
def test_malformed_input_is_refused_under_its_field_with_its_message(world, phone, args,
                                                                     field, key):
    with pytest.raises(InvalidInput) as info:
        phone.authenticate(*args, NEW, NEW)
    assert (info.value.field, info.value.key) == (field, key)
