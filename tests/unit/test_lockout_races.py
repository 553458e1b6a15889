"""Lockouts hold across processes: 8 kiosk processes guessing one person's secret at the
same instant never get more than 5 guesses checked, and the door is closed afterwards, on
one store file and on one PostgreSQL database alike.

Each child counts the checks it really made (by wrapping the slow comparison), waits for
the parent's "go" on stdin so all start together, and reports on stdout; the parent waits
on those lines with timeouts, never on fixed sleeps.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.domain import passwords
from kiosk.domain.accounts import LOGIN_LOCK
from kiosk.domain.codes import EVERYONE_LIMIT, TERMINAL_LIMIT, Codes
from kiosk.domain.counter.staff import Staff
from kiosk.domain.errors import KioskError, Locked
from kiosk.domain.lockout import LIMIT
from kiosk.domain.passwords import hash_password
from store import Store
from store.api import StoreBackend
from tests.unit.domain_fixtures import NOW, card, lock_out

# the rules on both backends, 8 processes racing on one file or one database
# (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
GUESSES = 3
#: scrypt at the cost the finding was measured with: slow enough that guesses overlap
RACE_N = 2**14

WORKER = textwrap.dedent(
    """
    import sys, types, hmac
    from datetime import datetime
    from kiosk.domain import accounts, registry
    from kiosk.domain.binding import carriers
    from kiosk.domain.counter import staff as staff_mod
    from kiosk.domain.accounts import Services
    from kiosk.domain.clock import FixedClock
    from kiosk.domain.errors import KioskError
    from kiosk.domain.registry import AddressFacts, NationalProof
    from reader.demo import DEMO_BY_KEY
    from store import Store
    from store.api import DEMO

    flow, where, now, guesses = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    kind, files = sys.argv[5], sys.argv[6]

    def counted(function):
        def wrapper(*args, **kwargs):
            print("checked", flush=True)
            return function(*args, **kwargs)
        return wrapper

    class Mail:
        def queue(self, kind, to, **params):
            return 0

    if kind == "postgresql":
        from pathlib import Path
        from store.pg import PgStore
        store = PgStore.open(where, files=Path(files), purpose=DEMO, lock_timeout=60)
    else:
        store = Store.open(where, purpose=DEMO, lock_timeout=60)
    services = Services(store, FixedClock(datetime.fromisoformat(now)), Mail())
    if flow == "staff":
        staff_mod.verify_password = counted(staff_mod.verify_password)
        staff = staff_mod.Staff(store, services.clock)
        guess = lambda: staff.sign_in("chen01", "wrong-password")
    elif flow == "login":
        accounts.verify_password = counted(accounts.verify_password)
        account = services.accounts.get_by_id("J128765432")
        guess = lambda: services.check_password(account, "Wrong@2026")
    elif flow == "identity":
        registry.Registry.matches = counted(registry.Registry.matches)
        national = DEMO_BY_KEY["national"].card
        wrong = NationalProof("ZZ999999", AddressFacts("臺北市", "中正區", "水源里", 12))
        guess = lambda: services.prove_identity(national, wrong)
    else:
        from kiosk.domain.binding.devices import Devices
        from kiosk.domain.binding.phone_auth import PhoneAuth
        carriers.CarrierDirectory.check = counted(carriers.CarrierDirectory.check)
        phone = PhoneAuth(services, Devices(services))
        guess = lambda: phone.authenticate("0912345678", "J128765432", "0000",
                                           "New@2026x", "New@2026x")
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(guesses):
        try:
            guess()
            print("accepted", flush=True)
        except KioskError as exc:
            print(type(exc).__name__, flush=True)
    print("done", flush=True)
    """
)


def _race(flow: str, store: StoreBackend) -> list[str]:
    """``PROCESSES`` kiosk processes on ``store`` (its file, or its database), each making
    ``GUESSES`` wrong guesses at once; every line they printed."""
    if isinstance(store, Store):
        where, kind = str(store.path), "tinydb"
    else:
        where, kind = str(store.conninfo), "postgresql"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen([sys.executable, "-c", WORKER, flow, where, NOW.isoformat(),
                          str(GUESSES), kind, str(store.path.parent)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, env=env, cwd=ROOT)
        for _ in range(PROCESSES)]
    try:
        for child in children:            # every child set up before any guesses
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        lines: list[str] = []
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            lines += out.split()
        return lines
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


@pytest.fixture
def race_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "SCRYPT_N", RACE_N)


@pytest.mark.parametrize("flow", ["staff", "login", "identity", "phone"])
def test_eight_processes_get_at_most_five_guesses_checked(flow, world, race_cost):
    if flow == "staff":
        Staff(world.store, world.clock).add("chen01", "陳小華", "Staff@2026x")
    if flow == "login":   # the demo account's hash, at a cost where guesses overlap
        fresh = hash_password("Demo@2026")
        world.services.accounts.modify("J128765432", lambda _a: {"password_hash": fresh})
    started = time.monotonic()
    lines = _race(flow, world.store)
    assert lines.count("done") == PROCESSES
    assert "accepted" not in lines
    assert lines.count("checked") == LIMIT, lines
    answers = [line for line in lines if line not in ("checked", "done")]
    assert len(answers) == PROCESSES * GUESSES
    assert len(answers) - answers.count("Locked") <= LIMIT - 1  # "wrong, n tries left"
    assert time.monotonic() - started < 120


def test_the_door_stays_closed_after_the_race(world, race_cost):
    staff = Staff(world.store, world.clock)
    staff.add("chen01", "陳小華", "Staff@2026x")
    _race("staff", world.store)
    with pytest.raises(Locked):
        staff.sign_in("chen01", "Staff@2026x")


def test_a_right_guess_checked_while_the_lock_was_recorded_is_refused(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    with lock.attempt(holder) as right:        # checking the right password, slowly...
        for _ in range(LIMIT - 2):             # ...while other kiosks fail meanwhile
            assert lock.guard(holder, lambda: False) is not None
        with pytest.raises(Locked):
            lock.guard(holder, lambda: False)  # the fifth try: the lock is recorded
        with pytest.raises(Locked):
            right.succeed()
    assert lock.locked_until(holder) is not None


def test_failures_expire_with_the_lock_window(world):
    lock = world.services.login_lock        # 5 tries per 30 minutes
    holder = card("registered").id_no
    for _ in range(LIMIT - 1):
        lock.guard(holder, lambda: False)
    world.clock.advance(hours=5)
    assert lock.guard(holder, lambda: False) == LIMIT - 1   # counted afresh, not locked
    assert lock.locked_until(holder) is None


def test_a_clock_stepped_back_never_extends_a_lock(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    lock_out(lock, holder)
    world.clock.advance(hours=-1)                      # NTP steps the clock back an hour
    until = lock.locked_until(holder)
    assert until is not None and until <= world.clock.now() + LOGIN_LOCK
    with pytest.raises(Locked):
        lock.guard(holder, lambda: True)               # still closed now...
    world.clock.advance(minutes=LOGIN_LOCK.total_seconds() / 60)
    assert lock.guard(holder, lambda: True) is None    # ...but not an hour longer


def test_a_try_refused_for_another_reason_is_given_back(world):
    lock = world.services.phone_lock
    with lock.attempt("A123456789", "number:0911000111") as attempt:
        attempt.release("number:0911000111")
        attempt.fail("A123456789")
    assert lock.guard("number:0911000111", lambda: False) == LIMIT - 1
    assert lock.guard("A123456789", lambda: False) == LIMIT - 2


def test_guessing_codes_closes_code_entry_at_that_terminal_and_a_right_code_keeps_it_closed(
        world):
    codes = world.services.codes
    mine = codes.issue("reset", "A123456789", timedelta(hours=1))
    for _ in range(TERMINAL_LIMIT - 1):
        with pytest.raises(KioskError, match=r"err\.code\.unknown"):
            codes.redeem("ZZZZZZZZZZ", "reset")
        assert codes.live_purpose(mine.code) == "reset"     # a right code counts nothing
    with pytest.raises(Locked):
        codes.redeem("ZZZZZZZZZZ", "reset")
    with pytest.raises(Locked):
        codes.redeem(mine.code, "reset")                    # closed at this terminal...
    other = Codes(world.store, world.clock, world.services.keyring, terminal="kiosk-2")
    assert other.live_purpose(mine.code) == "reset"         # ...not for the whole hall
    world.clock.advance(minutes=15)
    assert codes.redeem(mine.code, "reset")["id_no"] == "A123456789"


def test_a_failure_settled_after_a_success_elsewhere_counts_as_a_new_first_failure(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    for _ in range(3):
        lock.guard(holder, lambda: False)                 # 3 wrong: 2 tries left
    with lock.attempt(holder) as slow:                    # a wrong guess still checking...
        assert lock.guard(holder, lambda: True) is None   # ...while the holder logs in
        assert slow.fail() == LIMIT - 1                   # counted afresh: 1 of 5


def test_a_try_given_back_after_a_success_elsewhere_leaves_the_fresh_count_alone(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    lock.guard(holder, lambda: False)
    with lock.attempt(holder) as refused_for_another_reason:
        assert lock.guard(holder, lambda: True) is None   # cleared meanwhile
        lock.guard(holder, lambda: False)                 # 1 of 5 after the success
        refused_for_another_reason.release()              # not ours to give back
    assert lock.guard(holder, lambda: False) == LIMIT - 2


def test_when_every_try_is_in_flight_one_more_is_refused(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    with contextlib.ExitStack() as stack:
        for _ in range(LIMIT):                            # five kiosks checking at once
            stack.enter_context(lock.attempt(holder))
        with pytest.raises(Locked) as sixth:
            stack.enter_context(lock.attempt(holder))
    assert sixth.value.key == "err.login.locked"


def test_failures_are_forgotten_exactly_one_window_after_the_first(world):
    lock = world.services.login_lock
    holder = card("registered").id_no
    for _ in range(LIMIT - 1):
        lock.guard(holder, lambda: False)
    world.clock.advance(minutes=30)                       # the window is over, to the second
    assert lock.guard(holder, lambda: False) == LIMIT - 1


def test_each_door_says_which_door_is_closed(world):
    for lock, key in ((world.services.login_lock, "err.login.locked"),
                      (world.services.identity_lock, "err.identity.locked"),
                      (world.services.phone_lock, "err.phone.locked"),
                      (world.services.qr_lock, "err.qr.locked")):
        lock_out(lock, "A123456789")
        with pytest.raises(Locked) as still:
            lock.check("A123456789")
        assert still.value.key == key


def test_a_wrong_card_number_counts_against_the_id_only_and_the_phone_number_gets_its_try_back(
        world):
    """One guess against two counters, failed for one of them: the other's try is given
    back when the attempt ends."""
    lock = world.services.phone_lock
    with lock.attempt("A123456789", "number:0911000111") as attempt:
        assert attempt.fail("A123456789") == LIMIT - 1
    assert lock.guard("number:0911000111", lambda: False) == LIMIT - 1
    assert lock.guard("A123456789", lambda: False) == LIMIT - 2


def test_a_thousand_wrong_codes_from_many_terminals_close_code_entry_for_the_whole_hall(
        world):
    """Each terminal stops at its own 20; the hall's 1,000 is reached by 50 terminals."""
    holder = world.services.codes.issue("reset", "A123456789", timedelta(hours=1))
    terminals = [Codes(world.store, world.clock, world.services.keyring, terminal=f"k{n}")
                 for n in range(EVERYONE_LIMIT // TERMINAL_LIMIT + 1)]
    for terminal in terminals[:-1]:
        for _ in range(TERMINAL_LIMIT - 1):
            with pytest.raises(KioskError, match=r"err\.code\.unknown"):
                terminal.redeem("ZZZZZZZZZZ", "reset")
        with pytest.raises(Locked):
            terminal.redeem("ZZZZZZZZZZ", "reset")
    last = terminals[-1]                     # one the guessing never touched
    with pytest.raises(Locked) as closed:
        last.redeem(holder.code, "reset")
    assert closed.value.key == "err.code.locked"
    assert closed.value.until == world.clock.now() + timedelta(minutes=15)
    world.clock.advance(minutes=15)
    assert last.redeem(holder.code, "reset")["id_no"] == "A123456789"
