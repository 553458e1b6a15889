"""First registration (SPEC §3.1): wizard rules, identity proof, lockout, mail confirmation."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.errors import IdentityMismatch, InvalidInput, Locked
from kiosk.domain.mail import MailKind
from kiosk.domain.registration.register import AlreadyRegistered
from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof
from tests.unit.domain_fixtures import (
    ARC_PROOF,
    GOOD,
    NATIONAL_PROOF,
    TAIPEI_HOME,
    card,
    new_card,
    refused,
)

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores


def register_national(world, **kw):
    args = {"email": "wang@example.com", "phone": "0912000111"} | kw
    return world.registration.register(card("national"), NATIONAL_PROOF, GOOD, GOOD, **args)


def test_national_registers_pending_then_confirms_from_the_mail(world):
    account = register_national(world)
    assert account["state"] == State.PENDING
    assert account["password_hash"].startswith("scrypt$") and GOOD not in str(account)
    to, params = world.mail.last(MailKind.VERIFY)
    assert to == "wang@example.com" and params["link"].startswith("nhi-kiosk://confirm/")
    with refused("err.login.pending"):
        world.sign_in.login(card("national"), GOOD)
    world.registration.confirm(params["code"])
    assert world.registration.state_of(card("national")) is State.ACTIVE
    assert world.mail.last(MailKind.REGISTERED)[0] == "wang@example.com"
    assert world.sign_in.login(card("national"), GOOD).id_no == "A123456789"


def test_resident_registers_with_the_residence_permit(world):
    c = card("resident_arc")
    world.registration.register(c, ARC_PROOF, GOOD, GOOD, "lan@example.com", "")
    assert world.registration.state_of(c) is State.PENDING


def test_the_link_in_the_mail_confirms_too(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.registration.confirm(params["link"].rsplit("/", 1)[1])
    assert world.registration.state_of(card("national")) is State.ACTIVE


@pytest.mark.parametrize(("key", "state"), [("registered", State.ACTIVE),
                                            ("suspended", State.SUSPENDED)])
def test_already_registered_is_told_with_its_state(world, key, state):
    with pytest.raises(AlreadyRegistered) as info:
        world.registration.begin(card(key))
    assert info.value.state is state
    assert info.value.key == f"err.register.already_{state.value}"


def test_invalid_card_cannot_register(world):
    with refused("err.card.invalid"):
        world.registration.begin(card("specimen"))


def test_tai_and_tai_are_the_same_county(world):
    proof = NationalProof("ab123456", AddressFacts("台北市", "中正區", "水源里", 12))
    world.registration.check_identity(card("national"), proof)  # no exception


@pytest.mark.parametrize(
    ("proof", "group"),
    [
        (NationalProof("AB123457", TAIPEI_HOME), "household"),
        (NationalProof("AB123456", AddressFacts("臺北市", "中正區", "水源里", 13)), "household"),
        (NationalProof("AB123456", AddressFacts("臺北市", "大同區", "水源里", 12)), "household"),
        (ARC_PROOF, "address"),  # a resident's proof for a national
    ],
)
def test_a_wrong_proof_names_the_group_never_the_field(world, proof, group):
    """Household number or any address part wrong: the same message, whatever the field."""
    with pytest.raises(IdentityMismatch) as info:
        world.registration.check_identity(card("national"), proof)
    assert info.value.key == f"err.identity.{group}"
    assert info.value.tries_left == 4


def test_five_failed_proofs_close_registration_for_fifteen_minutes(world):
    wrong = NationalProof("ZZ000000", TAIPEI_HOME)
    national = card("national")
    for left in (4, 3, 2, 1):
        with pytest.raises(IdentityMismatch) as info:
            world.registration.check_identity(national, wrong)
        assert info.value.tries_left == left
    with pytest.raises(Locked) as info:
        world.registration.check_identity(national, wrong)
    assert info.value.params["until"] == "10:15"
    with pytest.raises(Locked):   # even the right proof waits
        world.registration.check_identity(national, NATIONAL_PROOF)
    with pytest.raises(Locked):
        world.registration.begin(national)
    world.clock.advance(minutes=15)
    world.registration.check_identity(national, NATIONAL_PROOF)


def test_resident_proof_checks_all_three_permit_facts(world):
    c = card("resident_arc")
    bad = ResidentProof(ARC_PROOF.issue_date, ARC_PROOF.expiry_date, "YE00012346")
    with pytest.raises(IdentityMismatch) as info:
        world.registration.check_identity(c, bad)
    assert info.value.key == "err.identity.resident"


@pytest.mark.parametrize(
    ("password", "repeat", "key"),
    [("abc12", "abc12", "err.password.length"),
     ("abcdefghijk12", "abcdefghijk12", "err.password.length"),
     ("abc def1", "abc def1", "err.password.forbidden"),
     ("abc<def1", "abc<def1", "err.password.forbidden"),
     ("abc'def1", "abc'def1", "err.password.forbidden"),
     ("Nhi@2026x", "Nhi@2026y", "err.password.repeat")],
)

def test_password_rules(world, password, repeat, key):
    with pytest.raises(InvalidInput) as info:
        world.registration.register(card("national"), NATIONAL_PROOF, password, repeat,
                                    "wang@example.com", "")
    assert info.value.key == key
    assert world.registration.state_of(card("national")) is None


@pytest.mark.parametrize(("email", "phone", "field"),
                         [("wang@", "", "email"), ("", "", "email"),
                          ("wang@example.com", "12345", "phone")])
def test_contact_details_are_checked(world, email, phone, field):
    with pytest.raises(InvalidInput) as info:
        register_national(world, email=email, phone=phone)
    assert info.value.field == field


def test_resend_voids_the_old_code(world):
    register_national(world)
    _, first = world.mail.last(MailKind.VERIFY)
    assert world.registration.resend(card("national"), GOOD) == "wang@example.com"
    _, second = world.mail.last(MailKind.VERIFY)
    assert first["code"] != second["code"]
    with refused("err.code.unknown"):
        world.registration.confirm(first["code"])
    world.registration.confirm(second["code"])


def test_codes_expire_and_work_once(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.clock.advance(hours=25)
    with refused("err.code.expired"):
        world.registration.confirm(params["code"])
    world.registration.resend(card("national"), GOOD)
    _, params = world.mail.last(MailKind.VERIFY)
    world.registration.confirm(params["code"])
    with refused("err.code.used"):
        world.registration.confirm(params["code"])


def test_cancel_a_pending_registration(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.registration.cancel(card("national"), GOOD)
    assert world.registration.state_of(card("national")) is None
    with refused("err.code.unknown"):
        world.registration.confirm(params["code"])
    register_national(world)   # and can register anew


def test_counter_registration_needs_no_mail(world):
    world.registration.register_at_counter(card("national"), GOOD, GOOD, "", "")
    assert world.registration.state_of(card("national")) is State.ACTIVE
    assert not world.mail.sent


def test_a_confirmation_after_a_suspension_does_not_reactivate(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.services.accounts.modify("A123456789", lambda _a: {"state": "suspended"})
    with refused("err.code.unknown"):
        world.registration.confirm(params["code"])
    assert world.registration.state_of(card("national")) is State.SUSPENDED


def test_a_confirmation_after_a_cancel_elsewhere_is_refused_cleanly(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.services.accounts.remove("A123456789")
    with refused("err.code.unknown"):
        world.registration.confirm(params["code"])


def test_a_confirmation_records_when_it_happened(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.clock.advance(hours=2, minutes=5)
    account = world.registration.confirm(params["code"])
    assert account["confirmed_at"] == world.clock.now().isoformat()
    stored = world.services.accounts.get_by_id("A123456789")
    assert stored["confirmed_at"] == "2026-11-23T12:05:00+08:00"


def test_a_confirmation_after_an_activation_elsewhere_sends_no_second_welcome(world):
    """A phone reset at another kiosk completed the registration a moment before the mail's
    link was followed (its void of the link not yet done): the link is refused."""
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    earlier = world.clock.now().isoformat()
    world.services.accounts.modify("A123456789", lambda _a: {"state": "active",
                                                             "confirmed_at": earlier})
    world.clock.advance(seconds=1)
    with refused("err.code.unknown"):
        world.registration.confirm(params["code"])
    assert not [kind for kind, _, _ in world.mail.sent if kind == MailKind.REGISTERED]
    assert world.services.accounts.get_by_id("A123456789")["confirmed_at"] == earlier


def test_after_a_cancel_the_mailed_code_is_unknown_to_the_code_screen(world):
    register_national(world)
    _, params = world.mail.last(MailKind.VERIFY)
    world.registration.cancel(card("national"), GOOD)
    with refused("err.code.unknown"):
        world.services.code_purpose(params["code"])


@pytest.mark.parametrize("key", ["national", "registered"])
def test_only_a_pending_application_can_be_resent_or_cancelled(world, key):
    """Nobody registered (national), or an active registration (registered)."""
    with refused("err.register.not_pending"):
        world.registration.resend(card(key), GOOD)
    with refused("err.register.not_pending"):
        world.registration.cancel(card(key), GOOD)
    assert world.registration.state_of(card(key)) is (
        None if key == "national" else State.ACTIVE)


def test_a_registration_keeps_the_card_the_contact_details_and_its_times(world):
    world.clock.advance(minutes=7)
    register_national(world, phone="0912000111")
    stored = world.services.accounts.get_by_id("A123456789")
    assert (stored["card_no"], stored["card_issue_date"]) == ("000011112222", "2015-03-02")
    assert (stored["birth_date"], stored["name"]) == ("1980-05-12", card("national").name)
    assert (stored["email"], stored["phone"]) == ("wang@example.com", "0912000111")
    assert (stored["created_at"], stored["confirmed_at"]) == ("2026-11-23T10:07:00+08:00", None)
    assert stored["must_change_password"] is False


def test_a_counter_registration_is_confirmed_when_it_is_made(world):
    world.clock.advance(minutes=7)
    world.registration.register_at_counter(card("national"), GOOD, GOOD, "", "0912000111")
    stored = world.services.accounts.get_by_id("A123456789")
    assert stored["created_at"] == stored["confirmed_at"] == "2026-11-23T10:07:00+08:00"
    assert stored["phone"] == "0912000111"


def test_a_holder_who_chose_the_password_is_not_asked_to_change_it(world):
    register_national(world)
    world.registration.confirm(world.mail.last(MailKind.VERIFY)[1]["code"])
    assert world.sign_in.login(card("national"), GOOD).must_change_password is False


def test_an_older_card_of_the_registered_holder_cannot_log_in(world):
    register_national(world)
    world.registration.confirm(world.mail.last(MailKind.VERIFY)[1]["code"])
    older = new_card(card("national"), "000011110000", date(2012, 1, 9))
    with refused("err.login.old_card"):
        world.sign_in.login(older, GOOD)


@pytest.mark.parametrize(("at_counter", "key"), [(False, "err.register.already_pending"),
                                                 (True, "err.register.already_active")])
def test_a_registration_made_elsewhere_a_moment_before_is_told_with_its_state(
        world, monkeypatch, at_counter, key):
    """Both kiosks passed the "not registered yet" check; the other one stored first."""
    accounts = world.services.accounts
    real_add = accounts.add

    def add_after_the_other_kiosk(account):
        real_add(account)           # the other kiosk's identical registration
        real_add(account)

    monkeypatch.setattr(accounts, "add", add_after_the_other_kiosk)
    with refused(key):
        if at_counter:
            world.registration.register_at_counter(card("national"), GOOD, GOOD, "", "")
        else:
            register_national(world)
