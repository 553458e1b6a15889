"""Passwords people chose cost an attacker OWASP's scrypt parameters, and hashes from the
cheaper days are upgraded at the holder's next login."""

from __future__ import annotations

import pytest

from kiosk.domain import passwords
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import WrongPassword
from kiosk.domain.passwords import hash_machine_password, hash_password, verify_password
from kiosk.domain.staff import Staff
from tests.unit.domain_fixtures import card

OWASP = "scrypt$131072$8$1$"

pytestmark = pytest.mark.real_scrypt


def test_a_chosen_password_is_hashed_at_owasp_cost():
    stored = hash_password("Nhi@2026x")
    assert stored.startswith(OWASP)
    assert verify_password("Nhi@2026x", stored)
    assert not verify_password("Nhi@2026y", stored)


def test_a_forged_hash_cannot_make_a_check_expensive():
    assert not verify_password("x", "scrypt$1073741824$8$1$AAAA$AAAA")
    assert not verify_password("x", "scrypt$1048576$8$1$AAAA$AAAA")     # 8x today's
    assert not verify_password("x", "scrypt$131072$8$4$AAAA$AAAA")      # 4x through p


def _old_hash(monkeypatch: pytest.MonkeyPatch, password: str) -> str:
    with monkeypatch.context() as cheap:
        cheap.setattr(passwords, "SCRYPT_N", 2**14)
        return hash_password(password)


def test_an_old_login_hash_is_upgraded_at_the_next_login(world, monkeypatch):
    holder = card("registered")
    old = _old_hash(monkeypatch, "Demo@2026")
    world.services.accounts.modify(holder.id_no, lambda _a: {"password_hash": old})
    with pytest.raises(WrongPassword):
        world.auth.login(holder, "Demo@2027")
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == old
    world.auth.login(holder, "Demo@2026")
    upgraded = world.services.accounts.get_by_id(holder.id_no)["password_hash"]
    assert upgraded.startswith(OWASP) and verify_password("Demo@2026", upgraded)


def test_an_old_staff_hash_is_upgraded_at_the_next_sign_in(world, monkeypatch):
    staff = Staff(world.store, world.clock)
    staff.add("chen01", "陳小華", "Staff@2026x")
    old = _old_hash(monkeypatch, "Staff@2026x")
    world.store.db()  # the staff table is private to Staff: rewrite the hash in place
    with world.store.transaction() as db:
        db.table("staff").update({"password_hash": old})
    staff.sign_in("chen01", "Staff@2026x")
    (doc,) = staff.all()
    assert doc["password_hash"].startswith(OWASP)


def test_a_hash_at_todays_cost_is_kept_as_it_is_at_login(world):
    holder = card("registered")
    before = world.services.accounts.get_by_id(holder.id_no)["password_hash"]
    assert before.startswith(OWASP)
    world.auth.login(holder, DEMO_PASSWORD)
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == before


def test_a_kiosk_made_default_password_keeps_its_fast_hash_until_the_holder_replaces_it(world):
    holder = card("registered")
    fast = hash_machine_password("Q7wErTy9UiOp", world.services.machine_key())
    world.services.accounts.modify(holder.id_no, lambda _a: {"password_hash": fast,
                                                             "must_change_password": True})
    assert world.auth.login(holder, "Q7wErTy9UiOp").must_change_password is True
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == fast
