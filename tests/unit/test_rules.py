"""The rules that protect people, stated from their side and checked on both sides of each
boundary. Expected values come from the rule as published, never from the code under test:
each of these tests was written against a deliberate bug that the rest of the suite let
through (mutation testing, docs/mutation.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kiosk.domain.accounts import LOGIN_LOCK, RESET_TTL
from kiosk.domain.binding.devices import Devices
from kiosk.domain.cards import card_problem
from kiosk.domain.counter.batch import TARGET, target_reached
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import InvalidInput, Locked
from kiosk.domain.lockout import LIMIT
from kiosk.domain.mail import MailKind
from kiosk.domain.mask import mask_card_no, mask_id, mask_name, mask_phone
from kiosk.domain.passwords import check_new_password
from kiosk.domain.replacement.applications import check_digit
from kiosk.domain.validate import (
    IdKind,
    id_kind,
    is_valid_email,
    is_valid_id,
    is_valid_mobile,
    is_valid_phone,
)
from reader.card import decode_name
from tests.unit.domain_fixtures import card, lock_out, luhn_ok, refused

# -- identity formats ------------------------------------------------------------------
#: the letter table of the national ID as the Ministry of the Interior publishes it
#: (A=10 … H=17, I=34, J=18 … N=22, O=35, P=23 … V=29, W=32, X=30, Y=31, Z=33)
PUBLISHED = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                     (10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25,
                      26, 27, 28, 29, 32, 30, 31, 33), strict=True))


def with_check_digit(first: str, body: str) -> str:
    """The published rule: tens + ones×9 of the letter, then the 8 digits weighted 8…1,
    and the check digit that makes the sum a multiple of 10."""
    value = PUBLISHED[first]
    total = value // 10 + value % 10 * 9 + sum(int(d) * w for d, w in zip(body, range(8, 0, -1),
                                                                        strict=True))
    return f"{first}{body}{(10 - total % 10) % 10}"


@pytest.mark.parametrize("letter", ["I", "O", "W", "Z"])
def test_national_ids_of_the_out_of_order_letters_are_valid(letter):
    good = with_check_digit(letter, "12345678")
    assert is_valid_id(good) and id_kind(good) is IdKind.NATIONAL
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not is_valid_id(wrong)


def test_an_address_of_254_characters_is_accepted_and_255_is_not():
    local = "a" * 64
    domain = ".".join(["b" * 63, "c" * 63, "d" * 63]) + ".tw"     # 194 characters
    assert not is_valid_email(f"{local}@{domain}")                # 259
    fits = f"{local[:59]}@{domain}"                               # 254
    assert len(fits) == 254 and is_valid_email(fits)
    assert not is_valid_email("x" + fits)


@pytest.mark.parametrize(("typed", "ok"), [
    ("0912345678", True), ("0912-345-678", True), ("(0912) 345 678", True),
    ("0912X45678", False), ("0912X345678", False), ("091234567", False), ("0812345678", False)])
def test_a_mobile_number_is_09_and_eight_digits_however_it_is_spaced(typed, ok):
    assert is_valid_mobile(typed) is ok   # a letter among the digits is refused, never dropped


@pytest.mark.parametrize(("typed", "ok"), [
    ("02-23456789", True), ("(02) 2345 6789", True), ("02-23456789#123", True),
    ("049-2345678", True), ("0912-345-678", True),
    ("02-2345X6789", False), ("23456789", False), ("02-23456789#1234567", False)])
def test_a_phone_is_a_mobile_or_an_area_code_and_number_with_an_extension(typed, ok):
    assert is_valid_phone(typed) is ok


@pytest.mark.parametrize("second", ["8", "9"])
def test_new_resident_numbers_of_both_series_are_recognised(second):
    number = with_check_digit("A", second + "1234567")
    assert id_kind(number) is IdKind.RESIDENT_UI and is_valid_id(number)


# -- lockouts ----------------------------------------------------------------------------
def test_the_login_lock_lasts_30_minutes_and_not_a_second_less(world):
    assert LOGIN_LOCK == timedelta(minutes=30)
    holder = card("registered")
    account = world.services.accounts.get_by_id(holder.id_no)
    for _ in range(LIMIT - 1):
        with refused("err.login.password"):
            world.services.check_password(account, "Wrong@2026")
    with pytest.raises(Locked):
        world.services.check_password(account, "Wrong@2026")
    world.clock.advance(minutes=29, seconds=59)
    with pytest.raises(Locked):
        world.sign_in.login(holder, DEMO_PASSWORD)
    world.clock.advance(seconds=1)
    world.sign_in.login(holder, DEMO_PASSWORD)


def test_after_a_lock_runs_out_the_count_starts_again(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    lock_out(lock, holder)
    world.clock.advance(minutes=30)
    assert lock.guard(holder, lambda: False) == LIMIT - 1    # one wrong now is one, not six


# -- code lifetimes ------------------------------------------------------------------------
def test_a_reset_mail_works_for_an_hour_and_not_after(world):
    assert RESET_TTL == timedelta(hours=1)
    holder = card("registered")
    world.forgot_password.send_reset(holder)
    _, params = world.mail.last(MailKind.RESET)
    world.clock.advance(minutes=59, seconds=59)
    assert world.services.code_purpose(params["code"]) == "reset"
    world.clock.advance(seconds=1)
    with refused("err.code.expired"):
        world.forgot_password.reset(params["code"], "Nhi@2026x", "Nhi@2026x")


# -- devices -----------------------------------------------------------------------------
def test_a_suspended_person_cannot_bind_a_device(world):
    devices = Devices(world.services)
    holder = card("registered")
    code = devices.code_for(holder.id_no)
    world.services.accounts.modify(holder.id_no, lambda _a: {"state": "suspended"})
    with refused("err.code.unknown"):
        devices.redeem(code.code, "My phone")
    assert devices.of_holder(holder.id_no) == []


# -- what the screen shows -----------------------------------------------------------------
def test_a_masked_phone_keeps_only_three_trailing_digits():
    assert mask_phone("0912345678") == "0912***678"
    assert mask_phone("02123456") == "0212***456"      # the shortest number shown in part
    assert mask_phone("0212345") == "***"


def test_an_id_shows_its_first_and_last_three_only_when_long_enough():
    assert mask_id("A123456789") == "A12****789"
    assert mask_id("ABCDEFG") == "ABC*EFG"
    assert mask_id("ABCDEF") == "******"                 # too short to show any of it


def test_a_card_number_shows_its_last_four():
    assert mask_card_no("000012345678") == "****5678"
    assert mask_card_no("5678") == "****5678"
    assert mask_card_no("678") == "****"


@pytest.mark.parametrize(("name", "shown"), [
    ("王大明", "王○明"), ("歐陽小明", "歐○○明"), ("李四", "李○"), ("王", "王"),
    ("ＷＡＮＧ", "Ｗ○○Ｇ"),          # full-width letters are masked as wide characters
    ("Mary Ann Lee", "M*** A** L**"), ("", ""), ("   ", "")])
def test_names_are_masked_keeping_first_and_last(name, shown):
    assert mask_name(name) == shown


def test_a_card_name_padded_with_full_width_spaces_is_the_name_alone():
    assert decode_name("王大明".encode("cp950") + "\u3000\u3000".encode("cp950")) == "王大明"


# -- passwords and card data -------------------------------------------------------------
@pytest.mark.parametrize("password", ["密碼Abc123", "Abc123é!", "Ab1\u00a0xyz"])
def test_a_password_is_english_letters_digits_and_symbols_only(password):
    with pytest.raises(InvalidInput) as refused_:
        check_new_password(password, password)
    assert refused_.value.key == "err.password.charset"


def test_a_card_whose_holder_was_born_after_it_was_issued_is_refused():
    good = card("registered")
    assert card_problem(good) is None
    born_later = replace(good, birth_date=good.issue_date + timedelta(days=1))
    assert card_problem(born_later) == "invalid.dates"
    assert card_problem(replace(good, birth_date=good.issue_date)) is None


# -- payments ----------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["795123456789012", "795000000000000", "799999999999999",
                                  "795314159265358"])
def test_an_atm_no_ends_in_its_luhn_check_digit(body):
    number = body + check_digit(body)
    assert luhn_ok(number)
    assert sum(luhn_ok(body + str(d)) for d in range(10)) == 1   # exactly one digit fits


def test_luhn_itself_on_published_examples():
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")


# -- batch registration --------------------------------------------------------------------
def test_a_unit_reaches_its_target_at_80_percent_exactly():
    assert TARGET == 0.8
    assert target_reached(8, 10) and target_reached(80, 100)
    assert not target_reached(79, 100) and not target_reached(7, 10)
    assert not target_reached(0, 0)

