"""Passwords people chose cost an attacker OWASP's scrypt parameters, and hashes from the
cheaper days are upgraded at the holder's next login."""

from __future__ import annotations

import base64
import hashlib

import pytest

from kiosk.domain import passwords
from kiosk.domain.counter.staff import Staff
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import WrongPassword
from kiosk.domain.passwords import hash_machine_password, hash_password, verify_password
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
        world.sign_in.login(holder, "Demo@2027")
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == old
    world.sign_in.login(holder, "Demo@2026")
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
    world.sign_in.login(holder, DEMO_PASSWORD)
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == before


def test_a_kiosk_made_default_password_keeps_its_fast_hash_until_the_holder_replaces_it(world):
    holder = card("registered")
    fast = hash_machine_password("Q7wErTy9UiOp", world.services.machine_key())
    world.services.accounts.modify(holder.id_no, lambda _a: {"password_hash": fast,
                                                             "must_change_password": True})
    assert world.sign_in.login(holder, "Q7wErTy9UiOp").must_change_password is True
    assert world.services.accounts.get_by_id(holder.id_no)["password_hash"] == fast


class _CountingScrypt:
    """hashlib.scrypt stood in by a cheap keyed digest that records each cost it was asked
    for, so a test sees whether a stored string made the kiosk run scrypt at all."""

    def __init__(self) -> None:
        self.costs: list[tuple[int, int, int]] = []

    def __call__(self, password: bytes, *, salt: bytes, n: int, r: int, p: int,
                 dklen: int, maxmem: int) -> bytes:
        self.costs.append((n, r, p))
        return hashlib.sha256(salt + password).digest()[:dklen]

    @staticmethod
    def stored(password: str, n: int, r: int, p: int, scheme: str = "scrypt") -> str:
        salt = b"s" * 16
        digest = hashlib.sha256(salt + password.encode()).digest()
        b64 = base64.b64encode
        return f"{scheme}${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


@pytest.fixture
def counting(monkeypatch) -> _CountingScrypt:
    spy = _CountingScrypt()
    monkeypatch.setattr(passwords.hashlib, "scrypt", spy)
    return spy


@pytest.mark.parametrize("n, r, p", [
    (2**30, 8, 1), (2**20, 8, 1), (2**17, 8, 4), (2**17, 16, 2), (2**17, 32, 1),
    (0, 8, 1), (2**17, 0, 1), (2**17, 8, 0), (-1, -8, 1)])
def test_a_forged_cost_is_refused_before_any_scrypt_runs(counting, n, r, p):
    assert not verify_password("Nhi@2026x", counting.stored("Nhi@2026x", n, r, p))
    assert counting.costs == []


def test_a_hash_at_exactly_twice_todays_cost_is_still_checked(counting):
    doubled = (2 * passwords.SCRYPT_N, passwords.SCRYPT_R, passwords.SCRYPT_P)
    assert verify_password("Nhi@2026x", counting.stored("Nhi@2026x", *doubled))
    assert counting.costs == [doubled]


def test_a_hash_of_another_scheme_with_scrypt_s_fields_opens_nothing(counting):
    assert verify_password("Nhi@2026x", counting.stored("Nhi@2026x", 2**14, 8, 1))
    for scheme in ("bcrypt", "SCRYPT", "", "scrypt "):
        assert not verify_password("Nhi@2026x",
                                   counting.stored("Nhi@2026x", 2**14, 8, 1, scheme))


@pytest.mark.parametrize("stored", [
    "", "garbage", "scrypt", "scrypt$16384$8$1$c2FsdA==",            # fields missing
    "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0$extra",                    # one field too many
    "scrypt$many$8$1$c2FsdA==$ZGlnZXN0", "scrypt$16384$8$1.5$c2FsdA==$ZGlnZXN0",
    "scrypt$16384$8$1$not*base64$ZGlnZXN0", "scrypt$16384$8$1$c2FsdA==$not*base64",
    "hmac-sha256$", "hmac-sha256$zz"])
def test_a_corrupt_stored_hash_opens_nothing(stored):
    """A hand-edited or damaged store refuses every password, the empty one too; it never
    raises out of the login."""
    for password in ("Nhi@2026x", "", "garbage"):
        assert not verify_password(password, stored, b"k" * 32)
