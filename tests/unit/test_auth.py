"""Login with card and password, the services after it, and password recovery."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import IdentityMismatch, InvalidInput, Locked, WrongPassword
from kiosk.domain.mail import MailKind
from kiosk.domain.registry import AddressFacts, NationalProof
from tests.unit.domain_fixtures import GOOD, card, new_card, refused

REGISTERED = "registered"   # 張志明, active, password DEMO_PASSWORD, mail on file
HOME = AddressFacts("新北市", "板橋區", "留侯里", 7)


def test_login_needs_the_right_password(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    assert session.name == "張志明" and session.card_no == card(REGISTERED).card_no
    with pytest.raises(WrongPassword) as info:
        world.sign_in.login(card(REGISTERED), "Wrong@123")
    assert info.value.tries_left == 4


def test_five_wrong_passwords_lock_and_time_releases(world):
    c = card(REGISTERED)
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPassword) as info:
            world.sign_in.login(c, "Wrong@123")
        assert info.value.tries_left == left
    with pytest.raises(Locked) as info:
        world.sign_in.login(c, "Wrong@123")
    assert info.value.key == "err.login.locked"
    assert world.mail.last(MailKind.ACCOUNT_LOCKED)[0] == "chang.demo@example.com"
    with pytest.raises(Locked):
        world.sign_in.login(c, DEMO_PASSWORD)
    world.clock.advance(minutes=30)
    world.sign_in.login(c, DEMO_PASSWORD)


def test_a_good_login_clears_the_count(world):
    c = card(REGISTERED)
    for _ in range(3):
        with pytest.raises(WrongPassword):
            world.sign_in.login(c, "Wrong@123")
    world.sign_in.login(c, DEMO_PASSWORD)
    with pytest.raises(WrongPassword) as info:
        world.sign_in.login(c, "Wrong@123")
    assert info.value.tries_left == 4


@pytest.mark.parametrize(("key", "error"), [("suspended", "err.login.suspended"),
                                            ("national", "err.login.not_registered"),
                                            ("specimen", "err.card.invalid")])
def test_who_cannot_log_in(world, key, error):
    with refused(error):
        world.sign_in.login(card(key), DEMO_PASSWORD)


def test_a_new_card_takes_over_and_the_old_one_stops(world):
    old = card(REGISTERED)
    replacement = new_card(old, "000077779999", date(2026, 11, 1))
    session = world.sign_in.login(replacement, DEMO_PASSWORD)
    assert session.card_no == "000077779999"
    assert world.services.accounts.get_by_id(old.id_no)["card_no"] == "000077779999"
    assert world.services.accounts.get_by_card(old.card_no) is None
    with refused("err.login.old_card"):
        world.sign_in.login(old, DEMO_PASSWORD)


def test_a_new_card_needs_the_password_before_it_is_recorded(world):
    old = card(REGISTERED)
    replacement = new_card(old, "000077779999", date(2026, 11, 1))
    with pytest.raises(WrongPassword):
        world.sign_in.login(replacement, "Wrong@123")
    assert world.services.accounts.get_by_id(old.id_no)["card_no"] == old.card_no


def test_change_password(world):
    c = card(REGISTERED)
    session = world.sign_in.login(c, DEMO_PASSWORD)
    with pytest.raises(WrongPassword):
        world.my_account.change_password(session, "Wrong@123", GOOD, GOOD)
    with refused("err.password.same"):
        world.my_account.change_password(session, DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD)
    with refused("err.password.repeat"):
        world.my_account.change_password(session, DEMO_PASSWORD, GOOD, GOOD + "x")
    world.my_account.change_password(session, DEMO_PASSWORD, GOOD, GOOD)
    assert world.mail.last(MailKind.PASSWORD_CHANGED)[0] == "chang.demo@example.com"
    world.sign_in.login(c, GOOD)
    with pytest.raises(WrongPassword):
        world.sign_in.login(c, DEMO_PASSWORD)


def test_update_phone_now_and_email_after_confirming(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    change = world.my_account.update_info(session, "chang.new@example.com", "02-23456789#12")
    assert change.phone_changed and change.email_pending == "chang.new@example.com"
    account = world.sign_in.account(session)
    assert account["phone"] == "02-23456789#12"
    assert account["email"] == "chang.demo@example.com"   # not before confirming
    to, params = world.mail.last(MailKind.EMAIL_CHANGE)
    assert to == "chang.new@example.com"
    assert world.my_account.confirm_email(params["code"]) == "chang.new@example.com"
    assert world.sign_in.account(session)["email"] == "chang.new@example.com"


def test_forgot_password_with_a_mail_on_file(world):
    c = card(REGISTERED)
    assert world.forgot_password.send_reset(c) == "chang.demo@example.com"
    to, params = world.mail.last(MailKind.RESET)
    assert to == "chang.demo@example.com" and params["link"].startswith("nhi-kiosk://reset/")
    world.forgot_password.reset(params["code"], GOOD, GOOD)
    world.sign_in.login(c, GOOD)
    with refused("err.code.used"):
        world.forgot_password.reset(params["code"], "Other@123", "Other@123")


def test_reset_codes_expire_after_an_hour(world):
    world.forgot_password.send_reset(card(REGISTERED))
    _, params = world.mail.last(MailKind.RESET)
    world.clock.advance(minutes=61)
    with refused("err.code.expired"):
        world.forgot_password.reset(params["code"], GOOD, GOOD)


def test_a_bad_new_password_does_not_burn_the_code(world):
    world.forgot_password.send_reset(card(REGISTERED))
    _, params = world.mail.last(MailKind.RESET)
    with pytest.raises(InvalidInput):
        world.forgot_password.reset(params["code"], "short", "short")
    world.forgot_password.reset(params["code"], GOOD, GOOD)


def test_forgot_password_without_mail_proves_the_address(world):
    c = card(REGISTERED)
    world.services.accounts.modify(c.id_no, lambda _a: {"email": ""})
    assert world.forgot_password.send_reset(c) is None
    with pytest.raises(IdentityMismatch) as info:
        world.forgot_password.send_reset_proven(
            c, NationalProof(None, AddressFacts("新北市", "板橋區", "留侯里", 8)),
            "chang.back@example.com")
    assert info.value.key == "err.identity.address"
    world.forgot_password.send_reset_proven(c, NationalProof(None, HOME), "chang.back@example.com")
    to, params = world.mail.last(MailKind.RESET)
    assert to == "chang.back@example.com"
    world.forgot_password.reset(params["code"], GOOD, GOOD)
    assert world.services.accounts.get_by_id(c.id_no)["email"] == "chang.back@example.com"


def test_a_reset_releases_a_login_lock(world):
    c = card(REGISTERED)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            world.sign_in.login(c, "Wrong@123")
    with pytest.raises(Locked):
        world.sign_in.login(c, "Wrong@123")
    world.forgot_password.send_reset(c)
    _, params = world.mail.last(MailKind.RESET)
    world.forgot_password.reset(params["code"], GOOD, GOOD)
    world.sign_in.login(c, GOOD)


def test_an_account_suspended_while_its_password_was_checked_does_not_log_in(world,
                                                                            monkeypatch):
    from kiosk.domain import accounts

    holder = card("registered")
    checking = accounts.verify_password

    def slow_check(*args, **kwargs):    # staff suspend the account meanwhile
        world.services.accounts.modify(holder.id_no, lambda _a: {"state": "suspended"})
        return checking(*args, **kwargs)

    monkeypatch.setattr(accounts, "verify_password", slow_check)
    with refused("err.login.suspended"):
        world.sign_in.login(holder, DEMO_PASSWORD)
