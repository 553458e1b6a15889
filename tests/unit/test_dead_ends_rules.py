"""Issue 15's dead ends, in the domain: the pickup form's booking and whether it is fixed,
the device code a person can read aloud (and the code that bound a device), a batch
unit's progress counting its rejected rows, one phone rule for batch and registration,
the batch welcome mail's subject, and a new card's sign-in that says so."""

from __future__ import annotations

import math
import string
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.domain.accounts import check_contact
from kiosk.domain.binding.devices import Devices
from kiosk.domain.codes import DEVICE_ALPHABET, DEVICE_LENGTH, Codes
from kiosk.domain.counter.batch import Batch, parse_rows
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import InvalidInput
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import MailKind
from kiosk.domain.replacement.applications import Applications
from kiosk.domain.replacement.payments import Method, Payments
from kiosk.domain.replacement.pickup import PickupBooking, booking, slots
from kiosk.domain.validate import is_valid_phone
from reader.demo import DEMO_BY_KEY
from store.outbox import Outbox
from tests.unit.domain_fixtures import card, refused
from tests.unit.test_applications import WANG, form

UNIT = "110121009"


# -- 1. pickup inside the last hour ---------------------------------------------------------

def test_a_booking_within_the_hour_is_offered_shown_and_fixed(world, apps: Applications,
                                                              payments: Payments):
    pickup = PickupBooking(apps)
    app = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    at = slots(world.clock.now())[2]
    pickup.book(WANG, app["atm_no"], "central", at)
    stored = pickup.current(WANG, app["atm_no"])
    assert booking(stored) == ("central", at)                 # what the form opens on
    assert pickup.offered(stored) and pickup.changeable(stored) and not pickup.fixed(stored)
    world.clock.set(at - timedelta(minutes=30))
    stored = pickup.current(WANG, app["atm_no"])
    assert pickup.offered(stored) and pickup.fixed(stored) and not pickup.changeable(stored)
    world.clock.set(at + timedelta(hours=2))                  # missed: still fixed
    assert pickup.fixed(pickup.current(WANG, app["atm_no"]))


def test_an_unbooked_or_unpaid_application_has_no_booking_and_is_not_fixed(apps, payments):
    pickup = PickupBooking(apps)
    app = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    assert booking(app) is None and not pickup.offered(app) and not pickup.fixed(app)
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    paid = pickup.current(WANG, app["atm_no"])
    assert pickup.offered(paid) and not pickup.fixed(paid)


# -- 2, 4. device codes -----------------------------------------------------------------------

@pytest.fixture
def devices(world):
    return Devices(world.services)


@pytest.fixture
def session(world):
    return world.sign_in.login(card("registered"), DEMO_PASSWORD)


def test_device_codes_have_no_look_alikes_one_case_and_at_least_40_bits(devices, session):
    assert not set(DEVICE_ALPHABET) & set("0O1Il")
    assert not set(DEVICE_ALPHABET) & set(string.ascii_lowercase)
    assert DEVICE_LENGTH * math.log2(len(set(DEVICE_ALPHABET))) >= 40
    seen = "".join(devices.new_code(session).code for _ in range(40))
    assert set(seen) <= set(DEVICE_ALPHABET)


def test_a_device_code_is_typed_in_either_case_with_spaces_or_a_dash(devices, session):
    code = devices.new_code(session).code
    typed = f"{code[:4].lower()}-{code[4:]} "
    assert devices.redeem(typed, "Pixel 8")["name"] == "Pixel 8"
    with refused("err.code.used"):
        devices.redeem(code, "Pixel 9")


def _earlier_code(world, monkeypatch, text: str, ttl: timedelta) -> None:
    """A device code as the kiosk issued it before: case-sensitive, its digest kept so."""
    monkeypatch.setattr("kiosk.domain.keyring.Keyring.derive", lambda *_a: text)
    Codes(world.store, world.clock, world.services.keyring, table="device_codes",
          alphabet=string.ascii_letters + string.digits, length=8,
          case_sensitive=True).issue("device", "J128765432", ttl)
    monkeypatch.undo()


def test_a_case_sensitive_code_issued_before_still_binds_until_it_expires(
        world, devices, session, monkeypatch):
    _earlier_code(world, monkeypatch, "3G4f10m1", timedelta(minutes=10))
    assert devices.redeem("3G4f10m1", "old phone")["name"] == "old phone"
    with refused("err.code.used"):
        devices.redeem("3G4f10m1", "again")
    _earlier_code(world, monkeypatch, "7hQk2Rts", timedelta(minutes=10))
    world.clock.advance(minutes=10)
    with refused("err.code.expired"):                          # it expires, as it would have
        devices.redeem("7hQk2Rts", "late phone")


def test_the_code_screen_learns_which_device_its_code_bound(devices, session):
    code = devices.new_code(session).code
    assert devices.bound_with(code) is None
    devices.bind(session.id_no, "Pixel 8")                    # bound otherwise: not this code
    assert devices.bound_with(code) is None
    bound = devices.redeem(code, "Pixel 8")
    found = devices.bound_with(code)
    assert found is not None and found["device_id"] == bound["device_id"]
    assert devices.bound_with("ZZZZZZZZ") is None


# -- 5. batch progress counts every submitted person ------------------------------------------

GOOD = ["A123456789,wang@example.com", "B220123455,nana@example.com",
        "E123456783,chen@example.com", "F229876540,lin@example.com"]
REJECTED = ["J128765432,", "H223456788,not-an-address", "AC01234567,lan@example.com,12",
            "A800000014,smith@example", "A12345678X,x@example.com", ",y@example.com",
            "Q000000000,q@example.com", "A123456789,again@example.com"]


def test_progress_counts_rejected_rows_as_submitted_people(world, tmp_path: Path):
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.write_text("\n".join(GOOD + REJECTED) + "\n", "utf-8")
    batch = Batch(world.services)
    report = batch.import_file(path, tmp_path / "reports", Catalog("en"))
    assert (report.imported, report.rejected) == (4, 8)
    # 11 people: 4 imported, 4 rejected with a valid ID, 3 rows naming nobody; the 8th
    # rejected row repeats 王大明. 張志明 (J128765432) is registered already, but his row
    # was rejected: he counts as registered, of the unit's 11.
    assert batch.progress() == [(UNIT, 5, 11)]
    batch.import_file(path, tmp_path / "reports", Catalog("en"))   # the same file again
    assert batch.progress() == [(UNIT, 5, 11)]


# -- 6. one phone rule ------------------------------------------------------------------------

PHONES = ["02-2345-6789#12", "02-23456789#12", "(02) 2345-6789", "037-123456",
          "0912-345-678", "0912345678", "02--23456789", "0912-34", "2345-6789", "02-2345-6789#"]


@pytest.mark.parametrize("phone", PHONES)
def test_batch_and_registration_take_the_same_phones(phone):
    try:
        check_contact("wang@example.com", phone)
        registration = True
    except InvalidInput:
        registration = False
    good, problems, _ = parse_rows(f"A123456789,wang@example.com,{phone}\n")
    assert (len(good) == 1) is registration is is_valid_phone(phone)
    assert [p.reason for p in problems] == ([] if registration else ["batch.err.phone"])


def test_an_area_code_number_and_extension_with_dashes_is_a_phone():
    assert is_valid_phone("02-2345-6789#12")
    good, problems, _ = parse_rows("A123456789,wang@example.com,02-2345-6789#12\n")
    assert problems == [] and good[0].phone == "02-2345-6789#12"
    assert check_contact("wang@example.com", "02-2345-6789#12")[1] == "02-2345-6789#12"


# -- 7. the batch welcome subject -------------------------------------------------------------

def test_the_batch_welcome_mail_says_the_nhias_subject(world, tmp_path: Path):
    path = tmp_path / f"{UNIT}20160207.CSV"
    path.write_text("A123456789,wang@example.com\n", "utf-8")
    Batch(world.services).import_file(path, tmp_path / "reports", Catalog("en"))
    (mail,) = [m for m in Outbox(world.store).mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert mail["subject"] == "健保卡網路服務-註冊成功 / " \
                              "NHI card online services - registration successful"


# -- 8. a new card for the same person --------------------------------------------------------

def test_a_later_card_says_at_sign_in_that_it_took_the_account_over(world):
    new = DEMO_BY_KEY["new_card"].card
    assert new is not None and new.id_no == card("registered").id_no
    assert new.issue_date > card("registered").issue_date
    first = world.sign_in.login(new, DEMO_PASSWORD)
    assert first.new_card and first.card_no == new.card_no
    assert world.services.accounts.get_by_id(new.id_no)["card_issue_date"] == \
        new.issue_date.isoformat()
    again = world.sign_in.login(new, DEMO_PASSWORD)
    assert not again.new_card
    with refused("err.login.old_card"):
        world.sign_in.login(card("registered"), DEMO_PASSWORD)


def test_the_usual_card_signs_in_without_a_new_card_notice(world):
    assert not world.sign_in.login(card("registered"), DEMO_PASSWORD).new_card
    assert date.fromisoformat(
        world.services.accounts.get_by_id("J128765432")["card_issue_date"]) == \
        card("registered").issue_date
