"""QR login (seed 002 step 6(3)): ID + birth date → a login code a bound device approves
or denies; it expires, works once, and a newer request voids the older one."""

from __future__ import annotations

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.devices import Devices
from kiosk.domain.errors import InvalidInput, Locked
from kiosk.domain.qr_login import LoginState, QrLogin
from tests.unit.domain_fixtures import card, refused

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
    world.auth.change_password(session, DEMO_PASSWORD, "Qr@2026xx", "Qr@2026xx")
    world.auth.login(HOLDER, "Qr@2026xx")
