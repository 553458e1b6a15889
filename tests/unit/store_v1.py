"""How tests/unit/data/store-v1/ was made: a store written by the kiosk of December 2026,
with one of everything a kiosk keeps (registry, accounts, devices, applications and their
payments and slots, staff and the audit log, the outbox, batch units, QR logins, lockout
counts at every door). tests/unit/test_store_format.py reads it with today's code.

It is frozen on purpose: a kiosk upgraded in place must go on reading what the previous
version wrote. Do not regenerate it to make the test pass; a change of the store's format
needs a migration (and a store-v2 beside this one). ``python -m tests.unit.store_v1 DIR``
shows how it was made. (The counts at the identity, phone, QR and code doors were added to
``kiosk.attempts.json`` afterwards, the same day, by this builder; the other files and
counts are as first written.)
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from kiosk.domain.accounts import Services
from kiosk.domain.binding.devices import Devices
from kiosk.domain.binding.phone_auth import PhoneAuth
from kiosk.domain.binding.qr_login import QrLogin
from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.codes import Codes
from kiosk.domain.config import Config
from kiosk.domain.counter.desk import Counter
from kiosk.domain.counter.staff import Staff
from kiosk.domain.demo_people import DEMO_PASSWORD, seed_demo
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import Mailer
from kiosk.domain.registration.register import Registration
from kiosk.domain.registration.sign_in import SignIn
from kiosk.domain.replacement.applications import Applications, Form, MailAddress
from kiosk.domain.replacement.payments import Method, Payments
from kiosk.domain.replacement.pickup import PickupBooking, slots
from kiosk.wiring import Domain
from reader.demo import DEMO_BY_KEY
from store import Store
from store.api import DEMO
from store.outbox import Outbox

WRITTEN_AT = datetime(2026, 12, 1, 10, 0, tzinfo=TAIPEI)
STAFF_ID, STAFF_PASSWORD = "chen01", "Counter#2026"
#: the kiosk process that typed one wrong mail code (a code's count is per terminal too)
CODE_TERMINAL = "counter-1:4242"
NEW_PASSWORD = "Nhi@2026x"
UNIT_FILE = "11000000120261201.csv"


def card(key: str):
    found = DEMO_BY_KEY[key].card
    assert found is not None
    return found


def build(folder: Path) -> None:
    """Passwords are hashed at the suite's test cost (tests/conftest.py), so reading the
    store costs the tests nothing; the hash's format is the production one."""
    from kiosk.domain import address, passwords
    from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof
    from tests.conftest import TEST_N

    passwords.SCRYPT_N = TEST_N
    folder.mkdir(parents=True, exist_ok=True)
    clock = FixedClock(WRITTEN_AT)
    store = Store.open(folder / "kiosk.json", purpose=DEMO)
    services = Services(store, clock, Mailer(Outbox(store), clock))
    seed_demo(store, WRITTEN_AT)
    registration, sign_in = Registration(services), SignIn(services)

    # a registration waiting for its mail, and one lockout count on a login
    registration.register(card("national"),
                          NationalProof("AB123456", AddressFacts("臺北市", "中正區", "水源里", 12)),
                          NEW_PASSWORD, NEW_PASSWORD, "wang@example.com", "0912000111")
    session = sign_in.login(card("registered"), DEMO_PASSWORD)
    try:
        sign_in.login(card("registered"), "wrong password")   # one try of five used
    except KioskError:
        pass

    devices = Devices(services)
    devices.redeem(devices.new_code(session).code, "Pixel 8")

    apps = Applications(services)
    county = address.find_county("臺北市")
    district = next(d for d in address.districts(county.code) if d.name == "中正區")
    village = next(v for v in address.villages(district.code) if v.name == "水源里")
    home = MailAddress(address.Address(county, district, village, 12), "汀州路一段1號")
    base = {"reason": "lost", "email": "chang.demo@example.com", "phone_area": "02",
            "phone_number": "23456789", "phone_ext": "", "with_photo": False}
    by_mail = apps.apply(session, Form(**base, pickup="mail", mail_address=home))
    onsite = apps.apply(session, Form(**base, pickup="onsite", mail_address=None))
    payments = Payments(apps)
    payments.pay(session, by_mail["atm_no"], Method.EBILL, 3, {"bank": "004"})
    payments.pay(session, onsite["atm_no"], Method.ATM, 0, {})
    PickupBooking(apps).book(session, onsite["atm_no"], "taipei", slots(WRITTEN_AT)[2])
    unpaid = apps.apply(session, Form(**base, pickup="mail", mail_address=home))

    staff = Staff(store, clock)
    staff.add(STAFF_ID, "陳櫃員", STAFF_PASSWORD)
    desk = staff.sign_in(STAFF_ID, STAFF_PASSWORD)
    try:
        staff.sign_in(STAFF_ID, "wrong password")          # one staff try of five used
    except KioskError:
        pass
    counter = Counter(services, staff, registration, devices,
                      Domain.over(Config(), services).on_own_store)
    suspended = counter.document("J128765432", "id_card", "J128765432", card("registered"))
    counter.person(desk, suspended)

    units = folder.parent / "units"
    units.mkdir(exist_ok=True)
    (units / UNIT_FILE).write_text(
        "身分證號,電子郵件\nF229876540,lin@example.com\nX1,bad\n", "utf-8")
    counter.batch_importer(desk)(units / UNIT_FILE, folder.parent / "reports",
                                 Catalog("en"))

    qr_login = QrLogin(services, devices, timedelta(minutes=5))
    qr = qr_login.request(session.id_no, card("registered").birth_date.strftime("%Y%m%d"))

    # one try used at each of the other doors: a wrong identity proof, wrong card digits
    # on the phone, a wrong birth date for a login QR, a wrong mail code
    arc = card("resident_arc")
    wrong = ResidentProof(date(2024, 3, 1), date(2027, 2, 28), "YE99999999")
    for used_one_try in (
            lambda: registration.check_identity(arc, wrong),
            lambda: PhoneAuth(services, devices).authenticate(
                "0933000333", arc.id_no, "0000", NEW_PASSWORD, NEW_PASSWORD),
            lambda: qr_login.request(session.id_no, "19990101"),
            lambda: Codes(store, clock, services.keyring, terminal=CODE_TERMINAL).redeem(
                "ZZZZZZZZZZ", "verify")):
        try:
            used_one_try()
        except KioskError:
            pass
    store.close()
    # what the people concerned hold on paper or on screen, for the test to use
    (folder / "facts.json").write_text(json.dumps({
        "atm_mail": by_mail["atm_no"], "atm_onsite": onsite["atm_no"],
        "atm_unpaid": unpaid["atm_no"], "slot": slots(WRITTEN_AT)[2].isoformat(),
        "qr_code": qr.code}, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
