"""A kiosk upgraded in place goes on reading the store its previous version wrote.

tests/unit/data/store-v1/ was written by the kiosk of December 2026 (tests/unit/store_v1.py
shows how) and is frozen: each test opens a copy with today's code and checks what a person
relying on that data meets — the password they chose, the device they bound, the card they
paid for and the slot they booked, the clerk's sign-in and audit log, the mail in the queue.
A table or a field renamed without a migration loses that data, and these tests fail.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.domain.accounts import Services, State
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth
from kiosk.domain.binding.qr_login import LoginState, QrLogin
from kiosk.domain.clock import FixedClock
from kiosk.domain.codes import TERMINAL_LIMIT, Codes
from kiosk.domain.counter.batch import Batch
from kiosk.domain.counter.staff import Staff
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import KioskError, Locked, WrongPassword
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import Mailer, MailKind
from kiosk.domain.registration.register import Registration
from kiosk.domain.registration.sign_in import SignIn
from kiosk.domain.registry import ResidentProof
from kiosk.domain.replacement.applications import Applications
from kiosk.domain.replacement.payments import Payments
from kiosk.domain.replacement.pickup import PickupBooking
from store import Store
from store.api import DEMO
from store.outbox import Outbox
from tests.unit.domain_fixtures import ARC_PROOF, card
from tests.unit.store_v1 import CODE_TERMINAL, NEW_PASSWORD, STAFF_ID, STAFF_PASSWORD, WRITTEN_AT

FROZEN = Path(__file__).parent / "data" / "store-v1"
FACTS = json.loads((FROZEN / "facts.json").read_text("utf-8"))


@pytest.fixture
def old(tmp_path):
    """Today's services over a copy of the old store, a minute after it was written."""
    folder = tmp_path / "store"
    shutil.copytree(FROZEN, folder)
    for path in folder.iterdir():
        path.chmod(0o600)           # git keeps no file modes; the kiosk makes them 0600
    store = Store.open(folder / "kiosk.json", purpose=DEMO)
    clock = FixedClock(WRITTEN_AT + timedelta(minutes=1))
    services = Services(store, clock, Mailer(Outbox(store), clock))
    yield services
    store.close()


def test_a_holder_logs_in_with_the_password_they_chose(old):
    session = SignIn(old).login(card("registered"), DEMO_PASSWORD)
    assert (session.id_no, session.name) == ("J128765432", "張志明")


def test_a_try_used_before_the_upgrade_still_counts(old):
    sign_in = SignIn(old)
    for tries_left in (3, 2, 1):                          # tries two, three and four
        with pytest.raises(WrongPassword) as info:
            sign_in.login(card("registered"), "still wrong")
        assert info.value.tries_left == tries_left
    with pytest.raises(Locked):                           # the fifth closes the door
        sign_in.login(card("registered"), "still wrong")


def test_a_registration_waiting_for_its_mail_is_confirmed_by_the_code_it_mailed(old):
    registration = Registration(old)
    assert registration.state_of(card("national")) is State.PENDING
    verify = next(m for m in old.mails() if m["kind"] == MailKind.VERIFY)
    assert verify["to"] == "wang@example.com"
    registration.confirm(verify["code"])
    assert SignIn(old).login(card("national"), NEW_PASSWORD).id_no == "A123456789"


def test_the_bound_device_is_listed_with_its_times(old):
    session = SignIn(old).login(card("registered"), DEMO_PASSWORD)
    (device,) = Devices(old).of(session)
    assert device["name"] == "Pixel 8"
    assert device["bound_at"] == device["last_used"] == WRITTEN_AT.isoformat()


def test_applications_keep_their_payments_and_the_booked_slot(old):
    session = SignIn(old).login(card("registered"), DEMO_PASSWORD)
    apps = Applications(old)
    listed = {a["atm_no"]: a for a in apps.mine(session)}
    assert set(listed) == {FACTS["atm_mail"], FACTS["atm_onsite"], FACTS["atm_unpaid"]}
    paid_by_mail = listed[FACTS["atm_mail"]]
    assert (paid_by_mail["payment"]["method"], paid_by_mail["payment"]["fee"]) == ("ebill", 3)
    assert paid_by_mail["mail_address"]["street"] == "汀州路一段1號"
    onsite = listed[FACTS["atm_onsite"]]
    assert onsite["slot"] == {"office": "taipei", "at": FACTS["slot"]}
    assert PickupBooking(apps).changeable(onsite)
    assert Payments(apps).slip(session, FACTS["atm_unpaid"])["atm_no"] == FACTS["atm_unpaid"]


def test_the_clerk_signs_in_and_the_audit_log_still_verifies(old):
    staff = Staff(old.store, old.clock)
    assert staff.sign_in(STAFF_ID, STAFF_PASSWORD).staff_id == STAFF_ID
    assert staff.audit.verify() is None
    actions = [e["action"] for e in staff.audit.entries()]
    assert "staff_add" in actions and "look_up" in actions


def test_a_clerks_try_used_before_the_upgrade_still_counts(old):
    staff = Staff(old.store, old.clock)
    for tries_left in (3, 2, 1):
        with pytest.raises(WrongPassword) as info:
            staff.sign_in(STAFF_ID, "still wrong")
        assert info.value.tries_left == tries_left
    with pytest.raises(Locked):
        staff.sign_in(STAFF_ID, "still wrong")


def test_the_outbox_still_holds_the_mail_to_send(old):
    kinds = sorted(m["kind"] for m in old.mails())
    assert kinds == sorted([MailKind.VERIFY, MailKind.CARD_RECEIPT, MailKind.CARD_RECEIPT,
                            MailKind.BATCH_WELCOME])
    assert all(m["status"] == "queued" for m in old.mails())


def test_a_units_progress_is_kept(old):
    assert Batch(old).progress() == [("110000001", 1, 1)]


def test_a_login_qr_shown_before_the_upgrade_can_still_be_approved(old):
    qr = QrLogin(old, Devices(old), timedelta(minutes=5))
    assert qr.state(FACTS["qr_code"]) is LoginState.PENDING
    qr.approve(FACTS["qr_code"], "Pixel 8")
    assert qr.complete(FACTS["qr_code"]).id_no == "J128765432"



def tries_left_after_wrong(guess) -> list[int]:
    """The tries left that each wrong guess shows, until the one that closes the door."""
    shown = []
    while True:
        try:
            guess()
        except Locked:
            return shown
        except KioskError as refused:
            shown.append(refused.params["tries_left"])


def test_a_wrong_identity_proof_before_the_upgrade_still_counts(old):
    registration = Registration(old)
    wrong = ResidentProof(ARC_PROOF.issue_date, ARC_PROOF.expiry_date, "YE00000000")
    assert tries_left_after_wrong(
        lambda: registration.check_identity(card("resident_arc"), wrong)) == [3, 2, 1]
    with pytest.raises(Locked):
        registration.check_identity(card("resident_arc"), ARC_PROOF)


def test_wrong_card_digits_on_the_phone_before_the_upgrade_still_count(old):
    phone = PhoneAuth(old, Devices(old))
    assert tries_left_after_wrong(lambda: phone.authenticate(
        "0933000333", "AC01234567", "0000", NEW_PASSWORD, NEW_PASSWORD)) == [3, 2, 1]


def test_a_wrong_birth_date_for_a_login_qr_before_the_upgrade_still_counts(old):
    qr = QrLogin(old, Devices(old), timedelta(minutes=5))
    assert tries_left_after_wrong(
        lambda: qr.request("J128765432", "19990101")) == [3, 2, 1]


def test_a_wrong_code_typed_before_the_upgrade_still_counts_at_that_terminal(old):
    codes = Codes(old.store, old.clock, old.keyring, terminal=CODE_TERMINAL)
    for _ in range(TERMINAL_LIMIT - 2):          # the frozen store holds the first
        with pytest.raises(KioskError, match=r"err\.code\.unknown"):
            codes.redeem("YYYYYYYYYY", "verify")
    with pytest.raises(Locked):
        codes.redeem("YYYYYYYYYY", "verify")


def test_a_wrong_code_typed_before_the_upgrade_still_counts_for_the_whole_hall(
        old, monkeypatch):
    """The hall's limit lowered to 3 here, so that the test need not type 1,000 codes."""
    monkeypatch.setattr("kiosk.domain.codes.EVERYONE_LIMIT", 3)
    elsewhere = Codes(old.store, old.clock, old.keyring, terminal="counter-2:1")
    with pytest.raises(KioskError, match=r"err\.code\.unknown"):
        elsewhere.redeem("YYYYYYYYYY", "verify")
    with pytest.raises(Locked):                  # the third wrong code in the hall
        elsewhere.redeem("YYYYYYYYYY", "verify")


def test_a_units_next_file_after_the_upgrade_adds_to_the_people_it_submitted(old, tmp_path):
    """Unit 110000001 sent 林小美 before the upgrade; its next file sends 王大明. Its progress
    counts both, as one unit."""
    (tmp_path / "units").mkdir()
    second = tmp_path / "units" / "11000000120261202.csv"
    second.write_text("身分證號,電子郵件\nA123456789,wang.unit@example.com\n", "utf-8")
    Batch(old).import_file(second, tmp_path, Catalog("en"))
    assert Batch(old).progress() == [("110000001", 1, 2)]


def test_the_registrys_facts_from_before_the_upgrade_still_prove_who_a_person_is(old):
    registration = Registration(old)
    registration.check_identity(card("resident_arc"), ARC_PROOF)      # no mismatch
    assert old.registry.person("AC01234567")["name"] == "NGUYEN THI LAN"
