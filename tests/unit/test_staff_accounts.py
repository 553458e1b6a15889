"""Staff accounts from the clerk's and the shell's side: the password and name rules with
their limits, what an account keeps, the list's order, the lock's message, and what the
audit log says about every change, sign-in and sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.domain import passwords
from kiosk.domain.counter import staff as staff_module
from kiosk.domain.counter.audit import Audit
from kiosk.domain.counter.staff import Staff
from kiosk.domain.errors import InvalidInput, Locked
from tests.unit.domain_fixtures import NOW, refused
from tests.unit.domain_fixtures import STAFF_PASSWORD as PASSWORD

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores


def log(world) -> list[tuple[str, str, dict]]:
    """The audit log oldest first: who, what, and the details."""
    entries = reversed(Audit(world.store, world.clock).entries())
    return [(e["staff_id"], e["action"], e["detail"]) for e in entries]


def invalid(call, *args) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args)
    return info.value


# -- passwords -----------------------------------------------------------------------------
def test_a_staff_password_of_10_characters_is_accepted_and_9_refused(staff):
    staff.add("ten_ok", "Ten", "a" * 10)
    error = invalid(staff.add, "nine_no", "Nine", "a" * 9)
    assert (error.field, error.key, error.params) == (
        "password", "err.staff.password", {"min": 10, "max": 64})


def test_a_staff_password_of_64_characters_is_accepted_and_65_refused(staff):
    staff.add("sixty4", "Sixty-four", "b" * 64)
    error = invalid(staff.add, "sixty5", "Sixty-five", "b" * 65)
    assert (error.field, error.key, error.params) == (
        "password", "err.staff.password", {"min": 10, "max": 64})


def test_a_new_staff_password_follows_the_same_limits(staff):
    error = invalid(staff.passwd, "chen01", "c" * 65)
    assert (error.field, error.key, error.params) == (
        "password", "err.staff.password", {"min": 10, "max": 64})
    staff.passwd("chen01", "c" * 64)
    staff.sign_in("chen01", "c" * 64)


@pytest.mark.parametrize("password", ["Counter\t2026", "Counter#2026\n", "Count\x00er#2026"])
def test_a_staff_password_with_a_control_character_is_refused(staff, password):
    error = invalid(staff.add, "lin02", "林櫃員", password)
    assert (error.field, error.key, error.params) == ("password", "err.password.charset", {})


def test_a_staff_password_may_hold_any_printable_character(staff):
    staff.add("lin02", "林櫃員", "櫃檯密碼 with spaces")
    assert staff.sign_in("lin02", "櫃檯密碼 with spaces").staff_id == "lin02"


# -- IDs and names -------------------------------------------------------------------------
@pytest.mark.parametrize("staff_id", ["ab", "a" * 21, "chen.01", "陳01"])
def test_a_bad_staff_id_is_refused_under_its_field(staff, staff_id):
    error = invalid(staff.add, staff_id, "Name", PASSWORD)
    assert (error.field, error.key) == ("staff_id", "err.staff.id")


def test_a_staff_id_of_3_and_of_20_characters_is_accepted(staff):
    staff.add("abc", "Three", PASSWORD)
    staff.add("a" * 20, "Twenty", PASSWORD)
    assert {"abc", "a" * 20} <= {doc["staff_id"] for doc in staff.all()}


def test_a_blank_name_is_required(staff):
    error = invalid(staff.add, "lin02", " \t ", PASSWORD)
    assert (error.field, error.key) == ("name", "err.required")


def test_a_name_is_kept_trimmed_with_single_spaces(staff):
    doc = staff.add("lin02", "  Lin   Mei \t Ling ", PASSWORD)
    assert doc["name"] == "Lin Mei Ling"
    assert staff.sign_in("lin02", PASSWORD).name == "Lin Mei Ling"


def test_a_taken_staff_id_is_named_in_the_refusal(staff):
    with refused("err.staff.exists") as info:
        staff.add("chen01", "Another", PASSWORD)
    assert info.value.params == {"staff_id": "chen01"}


# -- what an account keeps -------------------------------------------------------------------
def test_an_account_keeps_its_id_name_state_and_when_it_was_made_and_disabled(world, staff):
    world.clock.advance(hours=2)
    made = staff.add("lin02", "林櫃員", PASSWORD)
    assert made["staff_id"] == "lin02"
    world.clock.advance(days=3)
    staff.disable("lin02")
    doc = next(d for d in staff.all() if d["staff_id"] == "lin02")
    assert passwords.verify_password(PASSWORD, doc.pop("password_hash"))
    assert doc == {"staff_id": "lin02", "name": "林櫃員", "active": False,
                   "created_at": (NOW + timedelta(hours=2)).isoformat(),
                   "disabled_at": (NOW + timedelta(hours=2, days=3)).isoformat()}


def test_staff_are_listed_by_id(staff):
    staff.add("zhao09", "趙櫃員", PASSWORD)
    staff.add("lin02", "林櫃員", PASSWORD)
    staff.add("abe07", "阿部", PASSWORD)
    assert [d["staff_id"] for d in staff.all()] == ["abe07", "chen01", "lin02", "zhao09"]


def test_anyone_can_sign_in_only_while_an_active_account_exists(world):
    staff = Staff(world.store, world.clock)
    assert not staff.any_active()
    staff.add("chen01", "陳櫃員", PASSWORD)
    assert staff.any_active()
    staff.add("lin02", "林櫃員", PASSWORD)
    staff.disable("chen01")
    assert staff.any_active()
    staff.disable("lin02")
    assert not staff.any_active()


def test_changing_or_disabling_an_unknown_staff_id_names_it(staff):
    with refused("err.staff.unknown") as info:
        staff.passwd("nobody", PASSWORD)
    assert info.value.params == {"staff_id": "nobody"}
    with refused("err.staff.unknown") as info:
        staff.disable("nobody")
    assert info.value.params == {"staff_id": "nobody"}


def test_unlocking_an_unknown_staff_id_names_it(world, staff):
    with refused("err.staff.unknown") as info:
        staff.unlock("nobody")
    assert info.value.params == {"staff_id": "nobody"}
    assert ("shell", "staff_unlock", {"staff": "nobody"}) not in log(world)


# -- sign-in, lock and sessions --------------------------------------------------------------
def test_a_locked_staff_id_says_until_when(world, staff):
    for _ in range(4):
        with refused("err.login.password"):
            staff.sign_in("chen01", "wrong-password")
    with pytest.raises(Locked) as info:
        staff.sign_in("chen01", "wrong-password")
    assert (info.value.key, info.value.params) == ("err.staff.locked", {"until": "10:15"})
    with pytest.raises(Locked) as info:
        staff.sign_in("chen01", PASSWORD)
    assert info.value.key == "err.staff.locked"


def test_a_new_password_from_the_shell_releases_the_lock(staff):
    for _ in range(4):
        with refused("err.login.password"):
            staff.sign_in("chen01", "wrong-password")
    with pytest.raises(Locked):
        staff.sign_in("chen01", "wrong-password")
    staff.passwd("chen01", "Fresh#Counter1")
    assert staff.sign_in("chen01", "Fresh#Counter1").staff_id == "chen01"


def test_a_staff_lock_counts_per_staff_id(staff):
    staff.add("lin02", "林櫃員", PASSWORD)
    for _ in range(4):
        with refused("err.login.password"):
            staff.sign_in("chen01", "wrong-password")
    with pytest.raises(Locked):
        staff.sign_in("chen01", "wrong-password")
    assert staff.sign_in("lin02", PASSWORD).staff_id == "lin02"


def test_a_session_starts_and_is_active_at_sign_in_time(world, staff):
    world.clock.advance(minutes=7)
    session = staff.sign_in("chen01", PASSWORD)
    assert session.started_at == NOW + timedelta(minutes=7)
    assert session.last_active == NOW + timedelta(minutes=7)


def test_a_rehash_at_sign_in_never_undoes_a_password_changed_meanwhile(world, monkeypatch):
    monkeypatch.setattr(passwords, "SCRYPT_N", 2**9)    # an account from cheaper days
    staff = Staff(world.store, world.clock)
    staff.add("chen01", "陳櫃員", PASSWORD)
    monkeypatch.setattr(passwords, "SCRYPT_N", 2**10)
    shell = Staff(world.store, world.clock)
    real_hash, changed = staff_module.hash_password, []

    def rehash_while_the_shell_changes_it(password: str) -> str:
        if not changed:
            changed.append(True)
            shell.passwd("chen01", "Changed#2026")      # during the slow rehash
        return real_hash(password)

    monkeypatch.setattr(staff_module, "hash_password", rehash_while_the_shell_changes_it)
    staff.sign_in("chen01", PASSWORD)
    assert changed
    assert staff.sign_in("chen01", "Changed#2026").staff_id == "chen01"
    with refused("err.login.password"):
        staff.sign_in("chen01", PASSWORD)


# -- the audit log -------------------------------------------------------------------------
def test_every_shell_change_is_logged_under_the_shell_naming_the_staff_id(world, staff):
    for _ in range(4):
        with refused("err.login.password"):
            staff.sign_in("chen01", "wrong-password")
    staff.unlock("chen01")
    staff.passwd("chen01", "Another#2026")
    staff.disable("chen01")
    assert log(world) == [
        ("shell", "staff_add", {"staff": "chen01"}),
        ("shell", "staff_unlock", {"staff": "chen01"}),
        ("shell", "staff_passwd", {"staff": "chen01"}),
        ("shell", "staff_disable", {"staff": "chen01"}),
    ]


def test_sign_in_and_both_kinds_of_sign_out_are_logged_under_the_staff_id(world, staff):
    session = staff.sign_in("chen01", PASSWORD)
    staff.sign_out(session)
    session = staff.sign_in("chen01", PASSWORD)
    staff.sign_out(session, timed_out=True)
    assert log(world)[1:] == [
        ("chen01", "sign_in", {}),
        ("chen01", "sign_out", {}),
        ("chen01", "sign_in", {}),
        ("chen01", "sign_out_idle", {}),
    ]
