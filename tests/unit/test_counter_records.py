"""Counter operations, as the clerk's screen, the citizen and the record show them: what
the person view says, what a suspension keeps and undoes, which doors a release opens,
and the audit entry each operation leaves."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth
from kiosk.domain.counter.audit import Audit
from kiosk.domain.counter.desk import Counter, Person, suspend_reason
from kiosk.domain.errors import InvalidInput
from kiosk.domain.mail import MailKind
from tests.unit.domain_fixtures import GOOD, NATIONAL_PROOF, card, lock_out, refused

HOLDER = card("registered")            # 張志明, registered online, active
HOLDER_MASKED = "J12****432"
NOBODY = card("national")              # 王大明, not registered
NOBODY_MASKED = "A12****789"
AT = "2026-11-23T10:00:00+08:00"       # the world's clock, to the second


def newest(world) -> dict[str, Any]:
    return Audit(world.store, world.clock).entries()[0]


def said(entry: dict[str, Any]) -> tuple[Any, ...]:
    return entry["staff_id"], entry["action"], entry["person"], entry["detail"]


def stored(world, id_no: str) -> dict[str, Any]:
    account = world.services.accounts.get_by_id(id_no)
    assert account is not None
    return account


def id_card(counter: Counter, who=HOLDER):
    return counter.document(who.id_no, "id_card", who.id_no)


# -- the ID number and the document ----------------------------------------------------------

def test_an_id_number_that_is_not_one_is_refused_under_the_id_field(desk):
    counter, _session = desk
    with pytest.raises(InvalidInput) as info:
        counter.document("J128765433", "id_card", "J128765433")   # check digit wrong
    assert (info.value.field, info.value.key) == ("id_no", "err.counter.id")


def test_a_household_register_of_another_household_is_refused_under_the_number(desk):
    counter, _session = desk
    child = card("child")
    with pytest.raises(InvalidInput) as info:
        counter.document(child.id_no, "household", "ZZ999999", child)
    assert (info.value.field, info.value.key) == ("doc_number", "err.doc.not_this_person")


def test_a_registered_child_shows_the_household_register_without_the_card(desk):
    counter, session = desk
    child = card("child")                       # born 2018: the register is her document
    counter.register(session, child, counter.document(child.id_no, "household", "AB123456",
                                                      child), GOOD, GOOD, "", "")
    # a later visit without the card: the registration knows her birth date
    assert counter.document(child.id_no, "household", "AB123456").number == "AB123456"


def test_registering_with_someone_elses_document_is_refused_under_the_number(world, desk):
    counter, session = desk
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    with pytest.raises(InvalidInput) as info:
        counter.register(session, card("long_name"), doc, GOOD, GOOD, "", "")
    assert (info.value.field, info.value.key) == ("doc_number", "err.doc.not_this_person")


# -- the suspension reason -------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["x", " x ", "x" * 101, "  " + "x" * 101 + " "])
def test_a_reason_of_1_or_101_characters_is_refused_naming_2_and_100(reason):
    with pytest.raises(InvalidInput) as info:
        suspend_reason(reason)
    assert (info.value.field, info.value.key, info.value.params) == (
        "reason", "err.counter.reason", {"min": 2, "max": 100})


@pytest.mark.parametrize(("reason", "kept"), [
    ("xy", "xy"),
    (" x\t y ", "x y"),                                  # 3 once the spaces are folded
    ("x" * 100, "x" * 100),
    ("x" * 50 + "  \n " + "x" * 49, "x" * 50 + " " + "x" * 49),   # 100 once folded
])
def test_a_reason_of_2_to_100_characters_is_kept_with_spaces_folded(reason, kept):
    assert suspend_reason(reason) == kept


def test_a_refused_reason_suspends_nothing(world, desk):
    counter, session = desk
    with refused("err.counter.reason"):
        counter.suspend(session, id_card(counter), "x")
    assert stored(world, HOLDER.id_no)["state"] == State.ACTIVE


# -- the person view -------------------------------------------------------------------------

def test_someone_never_registered_is_shown_with_nothing(desk):
    counter, session = desk
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    assert counter.person(session, doc) == Person(
        "A123456789", "", None, "", "", "", (), 0, None)


def test_an_online_registration_shows_its_contact_data_and_devices(world, desk):
    counter, session = desk
    devices = Devices(world.services)
    devices.bind(HOLDER.id_no, "Pixel")
    devices.bind(HOLDER.id_no, "iPad")
    assert counter.person(session, id_card(counter)) == Person(
        "J128765432", "張志明", State.ACTIVE, "chang.demo@example.com", "0912345678",
        "online", (), 2, None)


def test_a_counter_registration_without_contact_data_shows_blanks(desk):
    counter, session = desk
    child = card("child")
    doc = counter.document(child.id_no, "household", "AB123456", child)
    counter.register(session, child, doc, GOOD, GOOD, "", "")
    assert counter.person(session, doc) == Person(
        "F229876540", "林小美", State.ACTIVE, "", "", "counter", (), 0, None)


def test_a_counter_registration_from_before_the_way_was_recorded_shows_counter(world, desk):
    counter, session = desk
    world.services.accounts.add({
        "id_no": NOBODY.id_no, "card_no": NOBODY.card_no, "name": NOBODY.name,
        "state": "active", "password_hash": None, "email": "", "phone": "",
        "counter_document": {"kind": "id_card", "number": NOBODY.id_no}})
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    assert counter.person(session, doc).via == "counter"


def test_a_phone_registration_shows_phone(world, desk):
    counter, session = desk
    PhoneAuth(world.services, Devices(world.services)).authenticate(
        "0911000111", NOBODY.id_no, NOBODY.card_no[-4:], GOOD, GOOD)
    person = counter.person(session, counter.document(NOBODY.id_no, "id_card",
                                                      NOBODY.id_no))
    assert (person.via, person.phone, person.devices) == ("phone", "0911000111", 1)


def test_looking_someone_up_is_audited_with_the_document(world, desk):
    counter, session = desk
    counter.person(session, counter.document(HOLDER.id_no, "driving", HOLDER.id_no))
    assert said(newest(world)) == ("chen01", "look_up", HOLDER_MASKED,
                                   {"document": "driving"})


# -- registering at the counter --------------------------------------------------------------

def test_a_counter_registration_records_how_and_by_whom(world, desk):
    counter, session = desk
    child = card("child")
    doc = counter.document(child.id_no, "household", "AB123456", child)
    counter.register(session, child, doc, GOOD, GOOD, "", "")
    account = stored(world, child.id_no)
    assert (account["registered_via"], account["counter_staff"]) == ("counter", "chen01")
    assert said(newest(world)) == ("chen01", "register", "F22****540",
                                   {"document": "household", "number": "AB1**456"})


# -- suspension and reactivation -------------------------------------------------------------

def test_a_suspension_is_kept_with_the_registration_and_in_the_audit_log(world, desk):
    counter, session = desk
    person = counter.suspend(session, id_card(counter), "  本人申請\n遺失  ")
    assert (person.state, person.reason) == (State.SUSPENDED, "本人申請 遺失")
    assert stored(world, HOLDER.id_no)["suspension"] == {
        "reason": "本人申請 遺失", "at": AT, "by": "chen01", "document": "id_card",
        "from": "active"}
    assert said(newest(world)) == ("chen01", "suspend", HOLDER_MASKED,
                                   {"reason": "本人申請 遺失", "document": "id_card"})


def test_suspending_someone_unregistered_leaves_an_empty_suspended_registration(world, desk):
    counter, session = desk
    doc = counter.document(NOBODY.id_no, "passport", "312345678")
    person = counter.suspend(session, doc, "identity theft report")
    assert person == Person("A123456789", "", State.SUSPENDED, "", "", "", (), 0,
                            "identity theft report")
    placeholder = stored(world, NOBODY.id_no)
    placeholder.pop("doc_id", None)
    assert placeholder == {
        "id_no": "A123456789", "card_no": None, "name": "", "state": "suspended",
        "password_hash": None, "email": "", "phone": "", "created_at": AT,
        "placeholder": True,
        "suspension": {"reason": "identity theft report", "at": AT, "by": "chen01",
                       "document": "passport", "from": None}}
    with refused("err.login.suspended"):
        world.sign_in.login(NOBODY, GOOD)


def test_a_registration_made_while_the_clerk_suspends_is_suspended_itself(world, desk,
                                                                         monkeypatch):
    counter, session = desk
    accounts = world.services.accounts
    real_add = accounts.add

    def registered_meanwhile(account: dict[str, Any]) -> int:
        monkeypatch.setattr(accounts, "add", real_add)
        world.registration.register(NOBODY, NATIONAL_PROOF, GOOD, GOOD, "a@b.tw", "")
        return real_add(account)    # the placeholder now meets that registration

    monkeypatch.setattr(accounts, "add", registered_meanwhile)
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    person = counter.suspend(session, doc, "identity theft report")
    assert (person.state, person.name, person.email, person.reason) == (
        State.SUSPENDED, "王大明", "a@b.tw", "identity theft report")
    assert stored(world, NOBODY.id_no)["suspension"]["from"] == "pending"
    assert counter.reactivate(session, doc).state is State.PENDING


def test_reactivation_returns_a_pending_registration_to_pending(world, desk):
    counter, session = desk
    world.registration.register(NOBODY, NATIONAL_PROOF, GOOD, GOOD, "a@b.tw", "")
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    counter.suspend(session, doc, "fraud check")
    person = counter.reactivate(session, doc)
    assert (person.state, person.reason) == (State.PENDING, None)
    assert stored(world, NOBODY.id_no)["suspension"] is None
    with refused("err.login.pending"):
        world.sign_in.login(NOBODY, GOOD)


def test_a_suspension_without_its_record_reactivates_to_active(world, desk):
    counter, session = desk
    lee = card("suspended")          # suspended in the demo data, before records were kept
    person = counter.reactivate(session, counter.document(lee.id_no, "id_card", lee.id_no))
    assert (person.state, person.reason) == (State.ACTIVE, None)


def test_reactivation_is_audited_with_the_document(world, desk):
    counter, session = desk
    doc = counter.document(HOLDER.id_no, "passport", "312345678")
    counter.suspend(session, doc, "lost card")
    counter.reactivate(session, doc)
    assert said(newest(world)) == ("chen01", "reactivate", HOLDER_MASKED,
                                   {"document": "passport"})


def test_someone_never_registered_cannot_be_reactivated(world, desk):
    counter, session = desk
    with refused("err.counter.not_suspended"):
        counter.reactivate(session, counter.document(NOBODY.id_no, "id_card", NOBODY.id_no))
    assert world.services.accounts.get_by_id(NOBODY.id_no) is None


def test_of_two_clerks_reactivating_at_once_the_second_is_told_it_is_done(world, desk,
                                                                         monkeypatch):
    counter, session = desk
    doc = id_card(counter)
    counter.suspend(session, doc, "lost card")
    accounts = world.services.accounts
    real_get = accounts.get_by_id

    def read_before_the_other_clerk(id_no: str) -> dict[str, Any] | None:
        monkeypatch.setattr(accounts, "get_by_id", real_get)
        seen = real_get(id_no)                      # still suspended ...
        counter.reactivate(session, doc)            # ... when the other clerk finishes
        return seen

    monkeypatch.setattr(accounts, "get_by_id", read_before_the_other_clerk)
    with refused("err.counter.not_suspended"):
        counter.reactivate(session, doc)
    assert stored(world, HOLDER.id_no)["state"] == State.ACTIVE


def test_a_suspension_voids_the_mailed_codes_for_good(world, desk):
    counter, session = desk
    assert world.forgot_password.send_reset(HOLDER) == "chang.demo@example.com"
    _, reset = world.mail.last(MailKind.RESET)
    holder = world.sign_in.login(HOLDER, "Demo@2026")
    world.my_account.update_info(holder, "chang.new@example.com", "0912345678")
    _, change = world.mail.last(MailKind.EMAIL_CHANGE)
    world.registration.register(NOBODY, NATIONAL_PROOF, GOOD, GOOD, "a@b.tw", "")
    _, verify = world.mail.last(MailKind.VERIFY)
    for who in (HOLDER, NOBODY):
        doc = counter.document(who.id_no, "id_card", who.id_no)
        counter.suspend(session, doc, "fraud check")
        counter.reactivate(session, doc)
    with refused("err.code.unknown"):
        world.forgot_password.reset(reset["code"], "Other@2026x", "Other@2026x")
    with refused("err.code.unknown"):
        world.my_account.confirm_email(change["code"])
    with refused("err.code.unknown"):
        world.registration.confirm(verify["code"])
    world.sign_in.login(HOLDER, "Demo@2026")           # the password is still the old one
    assert stored(world, HOLDER.id_no)["email"] == "chang.demo@example.com"


def test_a_suspension_voids_a_device_code_for_good(world, desk):
    counter, session = desk
    doc = id_card(counter)
    code = counter.bind_device(session, doc)
    counter.suspend(session, doc, "lost phone")
    counter.reactivate(session, doc)
    with refused("err.code.unknown"):
        Devices(world.services).redeem(code.code, "Stolen phone")
    assert Devices(world.services).of_holder(HOLDER.id_no) == []


# -- locks -----------------------------------------------------------------------------------

def test_every_closed_door_is_shown_and_released(world, desk):
    counter, session = desk
    s = world.services
    for lock in (s.qr_lock, s.phone_lock, s.identity_lock, s.login_lock):
        lock_out(lock, HOLDER.id_no)
    doc = id_card(counter)
    assert counter.person(session, doc).locks == ("login", "identity", "phone", "qr")
    assert counter.release_locks(session, doc) == ("login", "identity", "phone", "qr")
    assert [lock.locked_until(HOLDER.id_no) for lock in (
        s.login_lock, s.identity_lock, s.phone_lock, s.qr_lock)] == [None] * 4
    assert said(newest(world)) == ("chen01", "release_locks", HOLDER_MASKED, {
        "released": ["login", "identity", "phone", "qr"], "document": "id_card"})


def test_releasing_opens_phone_authentication_on_the_holders_number(world, desk):
    counter, session = desk
    lock_out(world.services.phone_lock, "number:0912345678")   # strangers tried the number
    phone = PhoneAuth(world.services, Devices(world.services))
    with refused("err.phone.locked"):
        phone.authenticate("0912345678", HOLDER.id_no, "8888", GOOD, GOOD)
    assert counter.person(session, id_card(counter)).locks == ("phone",)   # the clerk sees it
    assert counter.release_locks(session, id_card(counter)) == ("phone",)
    assert counter.person(session, id_card(counter)).locks == ()
    assert phone.authenticate("0912345678", HOLDER.id_no, "8888", GOOD, GOOD).registered \
        is False


def test_releasing_opens_registration_for_someone_not_registered(world, desk):
    counter, session = desk
    lock_out(world.services.identity_lock, NOBODY.id_no)   # five wrong registry answers
    with refused("err.identity.locked"):
        world.registration.begin(NOBODY)
    doc = counter.document(NOBODY.id_no, "id_card", NOBODY.id_no)
    assert counter.release_locks(session, doc) == ("identity",)
    world.registration.begin(NOBODY)


# -- devices ---------------------------------------------------------------------------------

def test_binding_a_device_is_audited_with_the_document(world, desk):
    counter, session = desk
    counter.bind_device(session, id_card(counter))
    assert said(newest(world)) == ("chen01", "bind_device", HOLDER_MASKED,
                                   {"document": "id_card"})
