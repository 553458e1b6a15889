"""健保卡申請作業 with an injected clock: the form's rules, dependants, ATM NO, the 14-day
rules, fees per payment method, pickup slots and their one-hour cutoff, receipts."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from PIL import Image

from kiosk.domain import address
from kiosk.domain.errors import InvalidInput
from kiosk.domain.mail import MailKind
from kiosk.domain.replacement.applications import (
    Dependant,
    Form,
    MailAddress,
)
from kiosk.domain.replacement.banks import DEMO_CHIP_CARD, ChipCard
from kiosk.domain.replacement.payments import AtmStage, Method, method_fee, methods_for
from kiosk.domain.replacement.pickup import PickupBooking, slots
from kiosk.domain.session import Session
from tests.unit.domain_fixtures import NOW, luhn_ok, refused

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

WANG = Session("A123456789", "000011112222", "王大明", NOW)
CHANG = Session("J128765432", "000077778888", "張志明", NOW)


def jpeg(width: int = 300, height: int = 400) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 40).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def taipei_home() -> address.Address:
    county = address.find_county("臺北市")
    district = next(d for d in address.districts(county.code) if d.name == "中正區")
    village = next(v for v in address.villages(district.code) if v.name == "水源里")
    return address.Address(county, district, village, 12)


def form(**changes) -> Form:
    base = {"reason": "lost", "email": "wang@example.com", "phone_area": "02",
            "phone_number": "23456789", "phone_ext": "123", "pickup": "mail",
            "with_photo": False, "mail_address": MailAddress(taipei_home(), "汀州路一段1號")}
    return Form(**(base | changes))


def test_an_application_for_oneself_by_mail(apps):
    app = apps.apply(WANG, form())
    assert len(app["atm_no"]) == 16 and app["atm_no"].isdigit()
    assert len(app["atm_no"]) == 16 and luhn_ok(app["atm_no"])      # ISO/IEC 7812's rule
    assert app["holder_name"] == "王大明" and app["holder_birth"] == "1980-05-12"
    assert app["phone"] == "02-23456789#123"
    assert app["mail_address"]["postal_code"] == "100"
    assert [a["atm_no"] for a in apps.recent(WANG)] == [app["atm_no"]]
    assert apps.mine(CHANG) == []


def test_an_atm_no_already_taken_is_drawn_again_and_never_shared(apps, monkeypatch):
    from kiosk.domain.replacement import applications

    first = apps.apply(WANG, form())
    drawn = iter([first["atm_no"], first["atm_no"], "7951234567890128"])
    monkeypatch.setattr(applications, "new_atm_no", lambda: next(drawn))
    second = apps.apply(CHANG, form())
    assert second["atm_no"] == "7951234567890128"
    assert apps.get(WANG, first["atm_no"])["applicant_id"] == WANG.id_no   # untouched


def test_when_every_draw_is_taken_the_application_is_refused_and_nothing_stored(
        apps, monkeypatch):
    from kiosk.domain.replacement import applications

    first = apps.apply(WANG, form())
    monkeypatch.setattr(applications, "new_atm_no", lambda: first["atm_no"])
    with refused("err.busy"):
        apps.apply(CHANG, form())
    assert apps.mine(CHANG) == []


def test_a_dependant_must_be_the_applicants_own(apps):
    child = Dependant("F229876540", "林小美", "107/03/03")
    app = apps.apply(WANG, form(dependant=child, pickup="onsite", mail_address=None))
    assert (app["target"], app["holder_id"], app["holder_birth"]) == (
        "dependant", "F229876540", "2018-03-03")
    for wrong in (Dependant("F229876540", "林小華", "107/03/03"),
                  Dependant("F229876540", "林小美", "107/03/04"),
                  Dependant("B220123455", "歐陽娜娜", "089/06/15")):
        with pytest.raises(InvalidInput) as info:
            apps.apply(WANG, form(dependant=wrong))
        assert info.value.key == "err.apply.not_dependant"
    with pytest.raises(InvalidInput) as info:
        apps.apply(CHANG, form(dependant=child))
    assert info.value.key == "err.apply.not_dependant"


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": "stolen"}, "reason"),
    ({"reason": "photo"}, "kind"),
    ({"email": "wang@"}, "email"),
    ({"phone_number": ""}, "phone_number"),
    ({"phone_area": "2", "phone_number": "23456789"}, "phone_number"),
    ({"mail_address": None}, "address"),
    ({"mail_address": MailAddress(taipei_home(), "  ")}, "street"),
    ({"with_photo": True}, "photo"),
    ({"pickup": "drone"}, "pickup"),
])
def test_a_bad_field_is_named_and_nothing_is_stored(apps, changes, field):
    with pytest.raises(InvalidInput) as info:
        apps.apply(WANG, form(**changes))
    assert info.value.field == field
    assert apps.mine(WANG) == []


def test_a_photo_is_kept_privately_and_checked_by_content(apps, tmp_path):
    app = apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    stored = apps.photos.path(app["atm_no"])
    assert stored.read_bytes()[:3] == b"\xff\xd8\xff"
    assert stored.stat().st_mode & 0o777 == 0o600
    png = io.BytesIO()
    Image.new("RGB", (300, 400)).save(png, "PNG")
    with refused("err.photo.not_jpeg"):
        apps.apply(WANG, form(with_photo=True, photo=png.getvalue()))
    with refused("err.photo.dimensions"):
        apps.apply(WANG, form(with_photo=True, photo=jpeg(100, 120)))
    with refused("err.photo.truncated"):
        apps.apply(WANG, form(with_photo=True, photo=jpeg()[:-200]))


def test_unpaid_applications_disappear_after_14_days_paid_ones_stay(world, apps, payments):
    unpaid = apps.apply(WANG, form())
    paid = apps.apply(WANG, form())
    payments.pay(WANG, paid["atm_no"], Method.ATM, 0, {})
    world.clock.set(datetime(2026, 12, 7, 23, 59, tzinfo=NOW.tzinfo))   # the due day
    assert len(apps.mine(WANG)) == 2
    world.clock.advance(minutes=1)
    assert [a["atm_no"] for a in apps.mine(WANG)] == [paid["atm_no"]]
    assert apps.recent(WANG) == []          # 查詢 looks back 14 days only
    with refused("err.apply.unknown"):
        apps.get(WANG, unpaid["atm_no"])


def test_fees_per_method_and_where_a_slip_is_offered(apps):
    assert method_fee(Method.ATM, "004") == 0     # 臺灣銀行's own chip card
    assert method_fee(Method.ATM, "822") == 8
    assert method_fee(Method.EBILL) == 3
    assert method_fee(Method.SLIP) == 4
    by_mail = apps.apply(WANG, form())
    on_site = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    assert methods_for(by_mail) == [Method.ATM, Method.EBILL, Method.SLIP]
    assert methods_for(on_site) == [Method.ATM, Method.EBILL]


def test_atm_transfer_pays_once_after_the_card_comes_back_in_time(world, apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    with pytest.raises(InvalidInput) as wrong_code:
        transfer.authorize("123456", "0000" if transfer.code != "0000" else "1111")
    assert wrong_code.value.field == "code"
    with pytest.raises(InvalidInput) as wrong_pin:
        transfer.authorize("654321", transfer.code)
    assert wrong_pin.value.key == "err.atm.pin"
    transfer.authorize("123456", transfer.code)
    assert transfer.stage is AtmStage.PULL and transfer.seconds_left() == 40
    with refused("err.atm.reinsert"):          # OK before the card went out and back
        transfer.confirm(card_present=True)
    transfer.card_removed()
    world.clock.advance(seconds=39)
    assert transfer.card_inserted()
    paid = transfer.confirm(card_present=True)
    assert paid["payment"]["method"] == "atm" and paid["payment"]["fee"] == 0
    assert apps.get(WANG, app["atm_no"])["payment"]["receipt_no"]


def test_atm_transfer_times_out_after_40_seconds_and_pays_nothing(world, apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], ChipCard("822", "1234567890", "246810"))
    transfer.authorize("246810", transfer.code)
    transfer.card_removed()
    world.clock.advance(seconds=40)
    assert not transfer.card_inserted()
    with refused("err.atm.timeout"):
        transfer.confirm(card_present=True)
    assert transfer.stage is AtmStage.CANCELLED
    assert apps.get(WANG, app["atm_no"])["payment"] is None


def test_a_card_pulled_before_the_pin_cancels_the_transfer(apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    transfer.card_removed()
    with refused("err.atm.cancelled"):
        transfer.authorize("123456", transfer.code)
    assert apps.get(WANG, app["atm_no"])["payment"] is None


def test_ebill_debits_only_the_applicants_own_account(world, apps, payments):
    app = apps.apply(CHANG, form(email="chang@example.com"))
    kw = {"agreed": True, "bank": "004", "account": "012345678901", "typed_code": "4294",
          "code": "4294"}
    for changes, key in (({"agreed": False}, "err.ebill.agree"),
                         ({"bank": "999"}, "err.ebill.bank"),
                         ({"account": "12ab"}, "err.ebill.account"),
                         ({"typed_code": "4249"}, "err.ebill.code"),
                         ({"bank": "822", "account": "901234567890"}, "err.ebill.not_yours")):
        with pytest.raises(InvalidInput) as info:
            payments.pay_ebill(CHANG, app["atm_no"], **(kw | changes))
        assert info.value.key == key
    paid = payments.pay_ebill(CHANG, app["atm_no"], **kw)
    assert (paid["payment"]["fee"], paid["payment"]["account"]) == (3, "********8901")
    with refused("err.pay.already"):
        payments.pay_ebill(CHANG, app["atm_no"], **kw)


def test_paying_an_expired_or_paid_application_is_refused(world, apps, payments):
    app = apps.apply(WANG, form())
    payments.pay(WANG, app["atm_no"], Method.EBILL, 3, {})
    with refused("err.pay.already"):
        payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    late = apps.apply(WANG, form())
    world.clock.advance(days=14)
    apps.record_payment(apps.apply(WANG, form())["atm_no"], {"method": "atm"})
    world.clock.set(datetime(2026, 12, 8, 0, 0, tzinfo=NOW.tzinfo))   # the day after
    with refused("err.pay.expired"):
        apps.record_payment(late["atm_no"], {"method": "atm"})
    with refused("err.apply.unknown"):   # and the next look at the list deletes it
        apps.mine(WANG) and apps.get(WANG, late["atm_no"])


def test_a_store_payment_counts_when_it_was_made_not_when_it_is_reported(world, apps,
                                                                          payments):
    app = apps.apply(WANG, form())
    world.clock.set(datetime(2026, 12, 9, 10, 0, tzinfo=NOW.tzinfo))   # reported late
    paid = payments.pay_at_store(app["atm_no"], datetime(2026, 12, 7, 21, 0,
                                                        tzinfo=NOW.tzinfo))
    assert paid["payment"]["paid_at"].startswith("2026-12-07T21:00")


def test_three_wrong_pins_end_the_transfer(apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    for tries_left in (2, 1):
        with pytest.raises(InvalidInput) as info:
            transfer.authorize("000000", transfer.code)
        assert info.value.params["tries_left"] == tries_left
    with refused("err.atm.pin_tries"):
        transfer.authorize("000000", transfer.code)
    assert transfer.stage is AtmStage.CANCELLED


def test_a_photo_that_only_looks_like_a_jpeg_is_refused(apps):
    real = jpeg()
    fake = real[:200] + bytes(len(real) - 202) + b"\xff\xd9"   # headers, then nothing
    with refused("err.photo.not_jpeg"):
        apps.apply(WANG, form(with_photo=True, photo=fake))


def test_a_slip_is_not_for_onsite_pickup(apps, payments):
    on_site = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    with refused("err.pay.slip_onsite"):
        payments.slip(WANG, on_site["atm_no"])
    assert payments.slip(WANG, apps.apply(WANG, form())["atm_no"])


def test_payment_mails_the_receipt_with_the_insured_until_date(world, apps, payments):
    app = apps.apply(WANG, form())
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    to, params = world.mail.last(MailKind.CARD_RECEIPT)
    assert to == "wang@example.com"
    assert params["insured_until"].date() == (NOW + timedelta(days=14)).date()
    assert params["atm_no"] == app["atm_no"] and params["amount"] == 200


def test_pickup_slot_set_after_payment_changeable_until_an_hour_before(world, apps, payments):
    booking = PickupBooking(apps)
    app = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    first, second = slots(world.clock.now())[:2]
    with refused("err.pickup.unpaid"):
        booking.book(WANG, app["atm_no"], "taipei", first)
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    booking.book(WANG, app["atm_no"], "taipei", second)
    booking.book(WANG, app["atm_no"], "central", first)        # changed
    with refused("err.pickup.slot"):
        booking.book(WANG, app["atm_no"], "taipei", first.replace(minute=17))
    world.clock.set(first - timedelta(minutes=59))              # within the hour: fixed
    assert not booking.changeable(apps.get(WANG, app["atm_no"]))
    later = slots(world.clock.now())[0]
    with refused("err.pickup.fixed"):
        booking.book(WANG, app["atm_no"], "taipei", later)
    assert apps.get(WANG, app["atm_no"])["slot"]["office"] == "central"


def test_slots_are_working_days_more_than_an_hour_ahead():
    friday_evening = datetime(2026, 11, 27, 15, 30, tzinfo=NOW.tzinfo)
    offered = slots(friday_evening)
    assert offered[0] == datetime(2026, 11, 30, 9, 0, tzinfo=NOW.tzinfo)   # next Monday
    assert all(s.weekday() < 5 for s in offered)
    assert len({s.date() for s in offered}) == 10


def test_mail_pickup_has_no_slot(apps, payments):
    booking = PickupBooking(apps)
    app = apps.apply(WANG, form())
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    with refused("err.pickup.by_mail"):
        booking.book(WANG, app["atm_no"], "taipei", slots(NOW)[0])


def test_at_exactly_one_hour_before_the_slot_the_change_is_refused(world, apps, payments):
    booking = PickupBooking(apps)
    app = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    slot = slots(world.clock.now())[3]
    booking.book(WANG, app["atm_no"], "taipei", slot)
    world.clock.set(slot - timedelta(hours=1, seconds=1))         # a second more: still free
    assert booking.changeable(apps.get(WANG, app["atm_no"]))
    world.clock.set(slot - timedelta(hours=1))                    # exactly an hour: fixed
    assert not booking.changeable(apps.get(WANG, app["atm_no"]))
    with refused("err.pickup.fixed"):
        booking.book(WANG, app["atm_no"], "central", slots(world.clock.now())[5])


def test_when_the_photo_cannot_be_kept_no_application_is_left_without_it(apps, tmp_path):
    (tmp_path / "photos").write_text("a file where the photo folder should be", "utf-8")
    with refused("err.photo.unavailable"):
        apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    assert apps.mine(WANG) == []                 # nothing to pay for a card without its photo


def test_an_application_paid_while_the_purge_runs_stays_with_its_photo(world, apps, payments):
    app = apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    world.clock.set(datetime(2026, 12, 8, 0, 0, tzinfo=NOW.tzinfo))   # past its due day
    listed = apps._apps.all

    def listed_then_paid_elsewhere():
        seen = listed()
        # the payment lands between the list and the purge (another kiosk, the bank)
        apps._apps.modify(app["atm_no"], lambda doc: {**doc, "payment": {"method": "atm"}})
        return seen

    apps._apps.all = listed_then_paid_elsewhere
    assert apps.purge() == 0
    apps._apps.all = listed
    assert [a["atm_no"] for a in apps.mine(WANG)] == [app["atm_no"]]
    assert apps.photos.load(app["atm_no"]) is not None


def test_an_unpaid_application_past_its_day_goes_with_its_photo(world, apps):
    app = apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    world.clock.set(datetime(2026, 12, 8, 0, 0, tzinfo=NOW.tzinfo))
    assert apps.purge() == 1
    assert apps.photos.load(app["atm_no"]) is None
    assert apps.purge() == 0                     # counted once


def test_a_slot_exactly_an_hour_away_is_no_longer_offered():
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=NOW.tzinfo)
    assert monday_nine in slots(monday_nine - timedelta(hours=1, seconds=1))
    assert monday_nine not in slots(monday_nine - timedelta(hours=1))


def test_an_office_that_does_not_exist_is_refused(world, apps, payments):
    app = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    payments.pay(WANG, app["atm_no"], Method.ATM, 0, {})
    with refused("err.pickup.office"):
        PickupBooking(apps).book(WANG, app["atm_no"], "tainan", slots(world.clock.now())[0])


def test_only_a_paid_onsite_application_may_set_a_slot(apps, payments):
    booking = PickupBooking(apps)
    by_mail = apps.apply(WANG, form())
    onsite = apps.apply(WANG, form(pickup="onsite", mail_address=None))
    payments.pay(WANG, by_mail["atm_no"], Method.ATM, 0, {})
    assert not booking.changeable(apps.get(WANG, by_mail["atm_no"]))   # paid, by mail
    assert not booking.changeable(apps.get(WANG, onsite["atm_no"]))    # on site, unpaid
    payments.pay(WANG, onsite["atm_no"], Method.ATM, 0, {})
    assert booking.changeable(apps.get(WANG, onsite["atm_no"]))
