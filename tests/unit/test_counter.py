"""Counter operations: each needs a live staff session and the person's own document,
changes what the citizen then meets online, and leaves its audit entry."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.accounts import State
from kiosk.domain.binding.devices import Devices
from kiosk.domain.counter.audit import Audit, Filter
from kiosk.domain.errors import InvalidInput, Locked
from kiosk.domain.id_documents import DocKind, check_document, likely_kind
from kiosk.domain.registration.register import AlreadyRegistered
from tests.unit.domain_fixtures import GOOD, NATIONAL_PROOF, card, refused
from tests.unit.domain_fixtures import STAFF_PASSWORD as PASSWORD

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores


def last_entry(world) -> dict:
    return Audit(world.store, world.clock).entries()[0]


@pytest.mark.parametrize(("kind", "number", "id_no", "born", "field", "key"), [
    ("id_card", "A123456780", "A123456789", None, "doc_number", "err.doc.not_this_person"),
    ("residence", "A123456789", "A123456789", None, "doc_kind", "err.doc.national"),
    ("id_card", "AC01234567", "AC01234567", None, "doc_kind", "err.doc.resident"),
    ("passport", "12345", "A123456789", None, "doc_number", "err.doc.passport"),
    ("household", "AB123456", "A123456789", date(1980, 5, 12), "doc_kind",
     "err.doc.household_age"),
    ("household", "AB123456", "A123456789", None, "doc_kind", "err.doc.household_card"),
    ("household", "123", "F229876540", date(2018, 3, 3), "doc_number", "err.doc.household"),
    ("driving", "", "A123456789", None, "doc_number", "err.doc.number"),
    ("library", "1", "A123456789", None, "doc_kind", "err.doc.kind"),
])
def test_a_document_that_is_not_the_persons_is_refused(kind, number, id_no, born, field,
                                                        key):
    with pytest.raises(InvalidInput) as info:
        check_document(kind, number, id_no, born, date(2026, 11, 23))
    assert (info.value.field, info.value.key) == (field, key)


def test_documents_that_fit(world):
    today = date(2026, 11, 23)
    assert check_document("id_card", " a123456789 ", "A123456789", None, today).number == \
        "A123456789"
    assert check_document("passport", "312345678", "A123456789", None, today).kind is \
        DocKind.PASSPORT
    under_14 = check_document("household", "ab123456", "F229876540", date(2018, 3, 3), today)
    assert under_14.number == "AB123456"
    # 14 today: the ID card is due, the household register no longer does
    with pytest.raises(InvalidInput):
        check_document("household", "AB123456", "F229876540", date(2012, 11, 23), today)


def test_counter_registration_is_active_at_once_and_records_the_document(world, desk):
    counter, session = desk
    child = card("child")
    doc = counter.document(child.id_no, "household", "AB123456", child)
    account = counter.register(session, child, doc, GOOD, GOOD, "", "")
    assert account["state"] == State.ACTIVE
    assert account["counter_document"] == {"kind": "household", "number": "AB123456"}
    assert not world.mail.sent                      # no confirmation mail at the counter
    world.sign_in.login(child, GOOD)                   # and the citizen can log in right away
    entry = last_entry(world)
    assert (entry["staff_id"], entry["action"], entry["person"]) == (
        "chen01", "register", "F22****540")
    assert entry["detail"]["number"] == "AB1**456"
    with pytest.raises(AlreadyRegistered):
        counter.register(session, child, doc, GOOD, GOOD, "", "")


def test_registration_refuses_a_document_of_someone_else(world, desk):
    counter, session = desk
    doc = counter.document("A123456789", "id_card", "A123456789")
    with refused("err.doc.not_this_person"):
        counter.register(session, card("long_name"), doc, GOOD, GOOD, "", "")
    assert world.registration.state_of(card("long_name")) is None


def test_suspension_stops_login_and_reactivation_restores_it(world, desk):
    counter, session = desk
    holder = card("registered")
    doc = counter.document(holder.id_no, "id_card", holder.id_no)
    with pytest.raises(InvalidInput) as info:
        counter.suspend(session, doc, " ")
    assert info.value.field == "reason"
    person = counter.suspend(session, doc, "本人申請 lost wallet")
    assert (person.state, person.reason) == (State.SUSPENDED, "本人申請 lost wallet")
    with refused("err.login.suspended"):
        world.sign_in.login(holder, "Demo@2026")
    with refused("err.counter.already_suspended"):
        counter.suspend(session, doc, "again")
    assert last_entry(world)["action"] == "suspend"
    assert counter.reactivate(session, doc).state is State.ACTIVE
    world.sign_in.login(holder, "Demo@2026")
    with refused("err.counter.not_suspended"):
        counter.reactivate(session, doc)
    actions = [e["action"] for e in Audit(world.store, world.clock).entries(
        Filter(person="J12****432"))]
    assert actions == ["reactivate", "suspend"]


def test_suspending_someone_unregistered_shuts_online_registration(world, desk):
    counter, session = desk
    person = card("national")
    doc = counter.document(person.id_no, "passport", "312345678")
    counter.suspend(session, doc, "identity theft report")
    with pytest.raises(AlreadyRegistered) as info:
        world.registration.register(person, NATIONAL_PROOF, GOOD, GOOD, "a@b.tw", "")
    assert info.value.state is State.SUSPENDED
    counter.reactivate(session, doc)     # the placeholder goes: free to register again
    world.registration.register(person, NATIONAL_PROOF, GOOD, GOOD, "a@b.tw", "")


def test_releasing_locks_opens_login_and_registration(world, desk):
    counter, session = desk
    holder = card("registered")
    for _ in range(5):
        with pytest.raises(Exception):   # noqa: B017 - wrong password, then Locked
            world.sign_in.login(holder, "Wrong@2026")
    doc = counter.document(holder.id_no, "driving", holder.id_no)
    assert counter.person(session, doc).locks == ("login",)
    assert counter.release_locks(session, doc) == ("login",)
    world.sign_in.login(holder, "Demo@2026")
    assert last_entry(world)["detail"]["released"] == ["login"]
    assert counter.release_locks(session, doc) == ()


def test_staff_bind_a_device_for_an_active_holder_only(world, desk):
    counter, session = desk
    holder = card("registered")
    code = counter.bind_device(session, counter.document(holder.id_no, "id_card",
                                                         holder.id_no))
    Devices(world.services).redeem(code.code, "Phone at counter")
    assert [d["name"] for d in Devices(world.services).of_holder(holder.id_no)] == [
        "Phone at counter"]
    suspended = card("suspended")
    with refused("err.counter.not_active"):
        counter.bind_device(session, counter.document(suspended.id_no, "id_card",
                                                      suspended.id_no))


def test_an_idle_or_disabled_staff_session_can_do_nothing(world, desk):
    counter, session = desk
    doc = counter.document("J128765432", "id_card", "J128765432")
    world.clock.advance(minutes=9)
    counter.person(session, doc)             # an action keeps the session alive
    world.clock.advance(minutes=10)
    with refused("err.staff.expired"):
        counter.person(session, doc)
    fresh = counter.staff.sign_in("chen01", PASSWORD)
    counter.staff.disable("chen01")
    with refused("err.staff.disabled"):
        counter.release_locks(fresh, doc)
    with refused("err.staff.signed_out"):
        counter.person(None, doc)   # type: ignore[arg-type]


def test_staff_sign_in_lock_is_not_the_citizens(world, desk):
    counter, _session = desk
    for _ in range(4):
        with refused("err.login.password"):
            counter.staff.sign_in("chen01", "not the password")
    with pytest.raises(Locked):
        counter.staff.sign_in("chen01", "not the password")
    world.sign_in.login(card("registered"), "Demo@2026")


def test_the_likely_document_is_preselected():
    today = date(2026, 11, 23)
    assert likely_kind("F229876540", date(2018, 3, 3), today) is DocKind.HOUSEHOLD
    assert likely_kind("AC01234567", date(1992, 8, 20), today) is DocKind.RESIDENCE
    assert likely_kind("A123456789", date(1980, 5, 12), today) is DocKind.ID_CARD


def test_a_household_register_must_be_the_persons_own(world, desk):
    counter, _session = desk
    child = card("child")
    with refused("err.doc.not_this_person"):
        counter.document(child.id_no, "household", "ZZ999999", child)
    assert counter.document(child.id_no, "household", "ab123456", child).number == "AB123456"


def test_keys_at_the_terminal_keep_the_staff_session(world, desk):
    counter, session = desk
    doc = counter.document("J128765432", "id_card", "J128765432")
    for _ in range(12):          # a clerk reading the audit log for twelve minutes
        world.clock.advance(minutes=1)
        counter.staff.touch(session)
    counter.person(session, doc)
    world.clock.advance(minutes=10)
    counter.staff.touch(session)   # too late: a key after the limit does not revive it
    with refused("err.staff.expired"):
        counter.person(session, doc)
