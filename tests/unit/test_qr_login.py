"""QR login (seed 002 step 6(3)): ID + birth date → a login code a bound device approves
or denies; it expires, works once, and a newer request voids the older one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.qr_login import LoginState, QrLogin
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import InvalidInput, Locked
from tests.unit.domain_fixtures import GOOD, NATIONAL_PROOF, card, refused

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

HOLDER = card("registered")          # 張志明, born 1958-02-28, active account
BIRTH = "047/02/28"                  # the ROC form of his birth date


@pytest.fixture
def devices(world):
    devices = Devices(world.services)
    devices.bind(HOLDER.id_no, "Chang's phone")
    return devices


@pytest.fixture
def qr(world, devices):
    return QrLogin(world.services, devices)


def test_a_bound_device_approves_and_the_kiosk_logs_in_once(world, qr, devices):
    request = qr.request(HOLDER.id_no, BIRTH)
    assert qr.state(request.code) is LoginState.PENDING
    assert request.payload.endswith(request.code) and len(request.code) == 8
    world.clock.advance(seconds=30)
    device = qr.approve(request.payload, "chang's  PHONE")   # scanned; case and spaces aside
    assert qr.state(request.display) is LoginState.APPROVED
    assert devices.of_holder(HOLDER.id_no)[0]["last_used"] == world.clock.now().isoformat()
    session = qr.complete(request.code)
    assert (session.id_no, session.via, session.by_card) == (HOLDER.id_no, "qr", False)
    assert device["name"] == "Chang's phone"
    with refused("err.qr.not_approved"):
        qr.complete(request.code)
    with refused("err.qr.answered"):
        qr.approve(request.code, "Chang's phone")


def test_a_denied_request_never_logs_in(qr):
    request = qr.request(HOLDER.id_no, "1958-02-28")
    qr.deny(request.code, "Chang's phone")
    assert qr.state(request.code) is LoginState.DENIED
    with refused("err.qr.not_approved"):
        qr.complete(request.code)
    with refused("err.qr.answered"):
        qr.approve(request.code, "Chang's phone")


def test_requests_expire(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    world.clock.advance(minutes=3)
    assert qr.state(request.code) is LoginState.EXPIRED
    with refused("err.code.expired"):
        qr.approve(request.code, "Chang's phone")


def test_an_approval_does_not_outlive_the_screen_or_the_code(world, qr):
    left = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(left.code, "Chang's phone")
    qr.cancel(left.code)                       # the kiosk left the screen meanwhile
    with refused("err.qr.not_approved"):
        qr.complete(left.code)
    late = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(late.code, "Chang's phone")
    world.clock.advance(minutes=3)
    with refused("err.qr.not_approved"):
        qr.complete(late.code)


def test_only_a_device_bound_to_that_holder_can_answer(world, qr, devices):
    devices.bind(card("national").id_no, "Wang's phone")
    request = qr.request(HOLDER.id_no, BIRTH)
    with refused("err.qr.device"):
        qr.approve(request.code, "Wang's phone")
    with refused("err.code.unknown"):
        qr.approve("ZZZZ9999", "Chang's phone")
    assert qr.state(request.code) is LoginState.PENDING


def test_a_new_request_or_leaving_the_screen_voids_the_old_one(qr):
    first = qr.request(HOLDER.id_no, BIRTH)
    second = qr.request(HOLDER.id_no, BIRTH)
    with refused("err.code.unknown"):
        qr.approve(first.code, "Chang's phone")
    qr.cancel(second.code)
    with refused("err.code.unknown"):
        qr.approve(second.code, "Chang's phone")


def test_wrong_birth_dates_count_towards_the_identity_lock(world, qr):
    for tries_left in (4, 3, 2, 1):
        with refused("err.qr.mismatch") as info:
            qr.request(HOLDER.id_no, "1958-02-27")
        assert info.value.params["tries_left"] == tries_left
    with pytest.raises(Locked):
        qr.request(HOLDER.id_no, "1958-02-27")
    with pytest.raises(Locked):   # the right date waits for the lock to end
        qr.request(HOLDER.id_no, BIRTH)
    world.clock.advance(minutes=15)
    qr.request(HOLDER.id_no, BIRTH)


def test_the_qr_lock_is_its_own(world, qr):
    """A success elsewhere does not clear its failures, and its failures never close card
    registration (which needs the card itself)."""
    for _ in range(4):
        with refused("err.qr.mismatch"):
            qr.request(HOLDER.id_no, "1958-02-27")
    world.services.identity_lock.reset(HOLDER.id_no)
    world.services.phone_lock.reset(HOLDER.id_no)
    with pytest.raises(Locked):
        qr.request(HOLDER.id_no, "1958-02-27")
    world.services.identity_lock.check(HOLDER.id_no)   # card registration stays open


def test_who_cannot_ask_for_a_login_qr(world, qr):
    with pytest.raises(InvalidInput) as bad_id:
        qr.request("A123456788", BIRTH)
    assert bad_id.value.field == "id"
    with pytest.raises(InvalidInput) as bad_date:
        qr.request(HOLDER.id_no, "Feb 28")
    assert bad_date.value.field == "birth"
    national = card("national")          # in the registry, never registered
    with refused("err.qr.mismatch"):
        qr.request(national.id_no, national.birth_date.isoformat())
    suspended = card("suspended")
    with refused("err.login.suspended"):
        qr.request(suspended.id_no, suspended.birth_date.isoformat())


def test_without_a_bound_device_the_holder_is_told_to_bind_one(world):
    qr = QrLogin(world.services, Devices(world.services))
    with refused("err.qr.no_device"):
        qr.request(HOLDER.id_no, BIRTH)


def test_a_qr_session_uses_the_services(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    session = qr.complete(request.code)
    world.my_account.change_password(session, DEMO_PASSWORD, "Qr@2026xx", "Qr@2026xx")
    world.sign_in.login(HOLDER, "Qr@2026xx")


def test_a_qr_session_is_the_holder_by_name_since_now_without_a_card(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    world.clock.advance(seconds=40)
    session = qr.complete(request.code)
    assert (session.id_no, session.card_no, session.name) == (HOLDER.id_no, "", "張志明")
    assert session.started_at == world.clock.now()
    assert session.must_change_password is False
    assert qr.state(request.code) is LoginState.USED


def test_a_holder_still_on_a_default_password_is_asked_to_change_it_after_a_qr_login(world, qr):
    # accounts issued in a batch carry a default password until it is changed
    world.services.modify_account(HOLDER.id_no, lambda _a: {"must_change_password": True})
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    assert qr.complete(request.code).must_change_password is True


@pytest.mark.parametrize("change", [{"state": "suspended"}, {"state": "pending"}])
def test_an_account_suspended_after_the_approval_is_not_logged_in(world, qr, change):
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    world.services.modify_account(HOLDER.id_no, lambda _a: change)
    with refused("err.login.not_registered"):
        qr.complete(request.code)


def test_an_account_gone_after_the_approval_is_not_logged_in(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    world.services.accounts.remove(HOLDER.id_no)
    with refused("err.login.not_registered"):
        qr.complete(request.code)


def test_leaving_the_screen_after_an_answer_keeps_the_answer(world, qr):
    denied = qr.request(HOLDER.id_no, BIRTH)
    qr.deny(denied.code, "Chang's phone")
    qr.cancel(denied.code)
    assert qr.state(denied.code) is LoginState.DENIED
    used = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(used.code, "Chang's phone")
    qr.complete(used.code)
    qr.cancel(used.code)
    assert qr.state(used.code) is LoginState.USED


def test_the_app_panel_lists_the_holders_devices_newest_first(world, qr, devices):
    world.clock.advance(minutes=1)
    devices.bind(HOLDER.id_no, "Chang's tablet")
    devices.bind(card("national").id_no, "Wang's phone")
    request = qr.request(HOLDER.id_no, BIRTH)
    assert qr.device_names(request.payload) == ["Chang's tablet", "Chang's phone"]
    assert qr.device_names("ZZZZ9999") == []


def test_a_request_lasts_three_minutes_and_not_a_second_more(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    assert request.expires_at == world.clock.now() + timedelta(minutes=3)
    world.clock.advance(minutes=3, seconds=-1)
    assert qr.state(request.code) is LoginState.PENDING
    qr.approve(request.code, "Chang's phone")
    session = qr.complete(request.code)
    assert session.id_no == HOLDER.id_no
    late = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(late.code, "Chang's phone")
    world.clock.advance(minutes=3)
    assert qr.state(late.code) is LoginState.APPROVED   # answered in time, not logged in
    with refused("err.qr.not_approved"):
        qr.complete(late.code)


def test_an_id_typed_in_lower_case_with_spaces_asks_for_the_same_person(world, qr):
    request = qr.request(f"  {HOLDER.id_no.lower()} ", BIRTH)
    qr.approve(request.code, "Chang's phone")
    assert qr.complete(request.code).id_no == HOLDER.id_no


def test_an_id_that_is_not_one_is_refused_under_the_id_field(qr):
    with pytest.raises(InvalidInput) as bad:
        qr.request("A12345678", BIRTH)
    assert (bad.value.field, bad.value.key) == ("id", "err.qr.id")


def test_a_pending_registration_cannot_ask_for_a_login_qr(world, qr):
    national = card("national")
    world.registration.register(national, NATIONAL_PROOF, GOOD, GOOD, "wang@example.com", "")
    with refused("err.login.pending"):
        qr.request(national.id_no, national.birth_date.isoformat())


def test_an_account_without_a_birth_date_is_checked_against_the_registry(world, qr):
    world.services.modify_account(HOLDER.id_no, lambda _a: {"birth_date": None})
    with refused("err.qr.mismatch"):
        qr.request(HOLDER.id_no, "1958-02-27")
    qr.request(HOLDER.id_no, BIRTH)


def test_one_persons_request_leaves_another_persons_request_open(world, qr, devices):
    wang = card("national")
    world.registration.register_at_counter(wang, GOOD, GOOD, "", "")
    devices.bind(wang.id_no, "Wang's phone")
    chang = qr.request(HOLDER.id_no, BIRTH)
    theirs = qr.request(wang.id_no, wang.birth_date.isoformat())
    qr.approve(chang.code, "Chang's phone")
    qr.approve(theirs.code, "Wang's phone")
    assert qr.complete(chang.code).id_no == HOLDER.id_no
    assert qr.complete(theirs.code).id_no == wang.id_no


def test_an_unbound_device_is_named_in_the_refusal_as_typed_with_spacing_folded(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    with refused("err.qr.device") as info:
        qr.approve(request.code, "  Chang's   tablet ")
    assert info.value.params == {"name": "Chang's tablet"}


def test_an_unknown_code_has_no_request_to_watch(qr):
    assert qr.state("ZZZZ9999") is LoginState.CANCELLED


def test_twenty_wrong_codes_from_one_app_close_login_approvals_for_a_while(world, qr):
    request = qr.request(HOLDER.id_no, BIRTH)
    for _ in range(19):
        with refused("err.code.unknown"):
            qr.approve("ZZZZ9999", "Chang's phone")
    with pytest.raises(Locked) as locked:
        qr.deny("ZZZZ9998", "Chang's phone")
    assert locked.value.key == "err.code.locked"
    with pytest.raises(Locked):
        qr.approve(request.code, "Chang's phone")
    world.clock.advance(minutes=15)
    later = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(later.code, "Chang's phone")


def test_a_right_code_does_not_count_as_a_wrong_one(world, qr):
    for _ in range(19):
        request = qr.request(HOLDER.id_no, BIRTH)
        qr.deny(request.code, "Chang's phone")
    request = qr.request(HOLDER.id_no, BIRTH)
    qr.approve(request.code, "Chang's phone")
    assert qr.complete(request.code).id_no == HOLDER.id_no


def test_the_approving_device_is_recorded_with_the_request(world, qr, devices):
    request = qr.request(HOLDER.id_no, BIRTH)
    table = world.store.keyed("qr_logins", "code")
    assert [(r["state"], r["device_id"]) for r in table.all()] == [("pending", None)]
    device = qr.approve(request.code, "Chang's phone")
    stored = table.all()
    assert [(r["state"], r["device_id"]) for r in stored] == [("approved", device["device_id"])]


class _LeavesTheScreenMeanwhile(Devices):
    """The kiosk leaves the screen while the app's answer is on its way."""

    qr: QrLogin
    code: str

    def named(self, id_no, name):
        found = super().named(id_no, name)
        self.qr.cancel(self.code)
        return found


def test_an_answer_arriving_after_the_kiosk_left_the_screen_is_told_the_code_is_gone(world):
    devices = _LeavesTheScreenMeanwhile(world.services)
    devices.bind(HOLDER.id_no, "Chang's phone")
    qr = devices.qr = QrLogin(world.services, devices)
    request = qr.request(HOLDER.id_no, BIRTH)
    devices.code = request.code
    with refused("err.code.unknown"):
        qr.approve(request.code, "Chang's phone")
    assert qr.state(request.code) is LoginState.CANCELLED


def test_a_holder_registered_at_the_counter_and_not_in_the_registry_logs_in_by_qr(world, qr,
                                                                                  devices):
    newcomer = replace(card("national"), id_no="F123456784")   # a valid ID the registry lacks
    assert world.services.registry.person(newcomer.id_no) is None
    world.registration.register_at_counter(newcomer, GOOD, GOOD, "", "")
    devices.bind(newcomer.id_no, "new phone")
    request = qr.request(newcomer.id_no, "1980-05-12")
    qr.approve(request.code, "new phone")
    assert qr.complete(request.code).id_no == "F123456784"


def test_one_persons_wrong_birth_dates_leave_another_persons_tries_alone(world, qr):
    for _ in range(4):
        with refused("err.qr.mismatch"):
            qr.request(HOLDER.id_no, "1958-02-27")
    other = card("suspended")
    with refused("err.qr.mismatch") as info:
        qr.request(other.id_no, "1970-12-25")
    assert info.value.params["tries_left"] == 4
