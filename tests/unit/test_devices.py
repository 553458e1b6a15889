"""Device verification codes and device management, with an injected clock."""

from __future__ import annotations

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.devices import Devices
from kiosk.domain.errors import InvalidInput
from tests.unit.domain_fixtures import card, refused


@pytest.fixture
def devices(world):
    return Devices(world.services)


@pytest.fixture
def session(world):
    return world.auth.login(card("registered"), DEMO_PASSWORD)


def test_code_is_eight_letters_and_digits_and_binds_a_device(world, devices, session):
    code = devices.new_code(session)
    assert len(code.code) == 8 and code.code.isalnum()
    assert code.expires_at == world.clock.now() + devices.code_ttl
    device = devices.redeem(code.code, "  Pixel   8 ")
    assert device["name"] == "Pixel 8"
    assert [d["name"] for d in devices.of(session)] == ["Pixel 8"]


def test_codes_are_case_sensitive_and_single_use(devices, session, monkeypatch):
    # a code with letters of both cases (the seed's example), so the case check always runs
    monkeypatch.setattr("kiosk.domain.keyring.Keyring.derive", lambda *_a: "3G4f10m1")
    code = devices.new_code(session).code
    assert code == "3G4f10m1"
    with refused("err.code.unknown"):
        devices.redeem("3g4F10M1", "phone")
    devices.redeem(code, "phone")
    with refused("err.code.used"):
        devices.redeem(code, "phone 2")


def test_codes_work_for_ten_minutes_and_not_after(world, devices, session):
    first = devices.new_code(session).code
    world.clock.advance(minutes=9, seconds=59)
    devices.redeem(first, "phone")                     # just in time
    second = devices.new_code(session).code
    world.clock.advance(minutes=10)
    with refused("err.code.expired"):
        devices.redeem(second, "tablet")


def test_a_new_code_voids_the_old_one(devices, session):
    old = devices.new_code(session).code
    new = devices.new_code(session).code
    with refused("err.code.unknown"):
        devices.redeem(old, "phone")
    devices.redeem(new, "phone")


def test_wrong_code_and_bad_names(devices, session):
    with refused("err.code.unknown"):
        devices.redeem("nope1234", "phone")
    code = devices.new_code(session).code
    with pytest.raises(InvalidInput):
        devices.redeem(code, "   ")
    with pytest.raises(InvalidInput):
        devices.redeem(code, "x" * 41)
    devices.redeem(code, "phone")   # the refused names did not use the code


def test_unbind_only_your_own_devices(world, devices, session):
    device = devices.redeem(devices.new_code(session).code, "phone")
    other = world.auth.login(card("registered"), DEMO_PASSWORD)
    stranger = type(other)("A123456789", "000011112222", "王大明", other.started_at)
    with refused("err.device.unknown"):
        devices.unbind(stranger, device["device_id"])
    devices.unbind(session, device["device_id"])
    assert devices.of(session) == []


def test_the_code_is_configurable(world, session):
    from datetime import timedelta

    short = Devices(world.services, code_ttl=timedelta(minutes=2))
    code = short.new_code(session).code
    world.clock.advance(minutes=3)
    with refused("err.code.expired"):
        short.redeem(code, "phone")
