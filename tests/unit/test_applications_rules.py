"""健保卡申請作業, as the applicant meets it: which field a refusal is shown under and with
which message, what the application keeps and shows, and the 14-day rules to the moment."""

from __future__ import annotations

import os
import time as systime
from datetime import datetime, timedelta

import pytest

from kiosk.domain.clock import TAIPEI
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.registry import Registry
from kiosk.domain.replacement import applications
from kiosk.domain.replacement.applications import (
    Applications,
    Dependant,
    MailAddress,
    check_digit,
    mailing_line,
)
from kiosk.domain.session import Session
from store.repos import Accounts
from tests.unit.domain_fixtures import NOW, luhn_ok, refused
from tests.unit.test_applications import WANG, form, jpeg, taipei_home

CHILD = Dependant("F229876540", "林小美", "107/03/03")    # 王大明's dependant in the demo
# the last moment of the 14th day after NOW (2026-11-23): the slip's 繳費期限
DUE = datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=TAIPEI)
JUST_BEFORE = DUE - timedelta(microseconds=1)


def refusal(apps: Applications, **changes) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        apps.apply(WANG, form(**changes))
    assert apps.mine(WANG) == []             # nothing stored
    return info.value


# -- each refusal: under which field, with which message ---------------------------------
@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"reason": "stolen"}, "reason", "err.apply.reason"),
    ({"reason": "photo"}, "kind", "err.apply.photo_reason"),
    ({"email": "wang@"}, "email", "err.contact.email"),
    ({"phone_number": "  "}, "phone_number", "err.required"),
    ({"phone_area": "02", "phone_number": "123"}, "phone_number", "err.contact.phone"),
    ({"pickup": "drone"}, "pickup", "err.apply.pickup"),
    ({"mail_address": None}, "address", "err.address_incomplete"),
    ({"mail_address": MailAddress(taipei_home(), " \t ")}, "street", "err.apply.street"),
    ({"with_photo": True}, "photo", "err.photo.missing"),
    ({"dependant": Dependant("F229876541", "林小美", "107/03/03")}, "dep_id",
     "err.apply.dep_id"),
    ({"dependant": Dependant("F229876540", "   ", "107/03/03")}, "dep_name", "err.required"),
    ({"dependant": Dependant("F229876540", "林小美", "107/13/03")}, "dep_birth", "err.date"),
    ({"dependant": Dependant("F229876540", "林小華", "107/03/03")}, "dep_id",
     "err.apply.not_dependant"),
])
def test_each_bad_field_is_refused_under_its_own_name_with_its_message(apps, changes, field,
                                                                        key):
    error = refusal(apps, **changes)
    assert (error.field, error.key) == (field, key)


def test_a_street_of_60_characters_is_accepted_and_61_refused(apps):
    sixty = "汀" * 60
    app = apps.apply(WANG, form(mail_address=MailAddress(taipei_home(), sixty)))
    assert app["mail_address"]["street"] == sixty
    with pytest.raises(InvalidInput) as info:
        apps.apply(WANG, form(mail_address=MailAddress(taipei_home(), "汀" * 61)))
    assert (info.value.field, info.value.key) == ("street", "err.apply.street")
    assert [a["atm_no"] for a in apps.mine(WANG)] == [app["atm_no"]]


def test_spaces_in_the_street_are_kept_as_one_and_count_once(apps):
    app = apps.apply(WANG, form(mail_address=MailAddress(taipei_home(), " 汀州路  一段\t1號 ")))
    assert app["mail_address"]["street"] == "汀州路 一段 1號"
    shown = mailing_line(apps.get(WANG, app["atm_no"]))
    assert shown == "(100)臺北市中正區水源里12鄰汀州路 一段 1號"
    spaced = "汀" * 30 + "   " + "州" * 29              # 60 once the spaces are one
    assert apps.apply(WANG, form(mail_address=MailAddress(taipei_home(), spaced)))


def test_a_phone_number_typed_with_dashes_is_kept_without_them(apps):
    app = apps.apply(WANG, form(phone_area="02", phone_number="2345-6789", phone_ext=""))
    assert app["phone"] == "02-23456789"


def test_a_mobile_number_without_an_area_code_is_kept_as_typed(apps):
    app = apps.apply(WANG, form(phone_area="", phone_number="0911000111", phone_ext=""))
    assert apps.get(WANG, app["atm_no"])["phone"] == "0911000111"


def test_an_area_code_must_start_with_0(apps):
    error = refusal(apps, phone_area="2", phone_number="23456789")
    assert (error.field, error.key) == ("phone_number", "err.contact.phone")


def test_a_photo_application_is_refused_when_the_kiosk_keeps_no_photos(world):
    no_photos = Applications(world.services)
    with refused("err.photo.unavailable"):
        no_photos.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    assert no_photos.mine(WANG) == []


def test_when_the_photo_cannot_be_saved_the_application_is_withdrawn(apps, monkeypatch):
    def disk_full(atm_no, photo):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(apps.photos, "save", disk_full)
    with refused("err.photo.unavailable"):
        apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    assert apps.mine(WANG) == []
    assert apps._apps.count() == 0


# -- what is kept and shown --------------------------------------------------------------
def test_an_application_for_oneself_keeps_what_was_asked(apps):
    made = apps.apply(WANG, form(reason="damaged"))
    app = apps.get(WANG, made["atm_no"])
    assert app["target"] == "self"
    assert (app["reason"], app["with_photo"], app["pickup"]) == ("damaged", False, "mail")
    assert app["payment"] is None and app["slot"] is None     # not paid, no pickup slot yet
    assert app["created_at"] == NOW.isoformat()


def test_a_photo_application_records_that_it_has_a_photo(apps):
    made = apps.apply(WANG, form(reason="photo", with_photo=True, photo=jpeg()))
    assert apps.get(WANG, made["atm_no"])["with_photo"] is True


def test_an_onsite_application_has_no_mailing_address(apps):
    made = apps.apply(WANG, form(pickup="onsite", mail_address=MailAddress(taipei_home(), "x")))
    app = apps.get(WANG, made["atm_no"])
    assert app["mail_address"] is None
    assert mailing_line(app) == ""


def test_a_dependants_application_names_the_dependant(apps):
    made = apps.apply(WANG, form(dependant=CHILD))
    app = apps.get(WANG, made["atm_no"])
    assert (app["target"], app["holder_id"], app["holder_name"], app["holder_birth"]) == (
        "dependant", "F229876540", "林小美", "2018-03-03")
    assert app["applicant_id"] == WANG.id_no


def test_a_dependants_name_may_be_typed_with_spaces(apps):
    app = apps.apply(WANG, form(dependant=Dependant(" f229876540 ", "林 小 美", "2018-03-03")))
    assert (app["holder_id"], app["holder_name"]) == ("F229876540", "林小美")


def test_a_dependant_registered_with_a_spaced_name_matches_it_typed_without_spaces(world,
                                                                                   apps):
    registry = Registry(world.store)
    child = {"id_no": "F122333442", "name": "NGUYEN VAN AN", "birth_date": "2015-04-01",
             "dependants": []}
    mother = registry.person("AC01234567")
    registry.put_many([child, mother | {"dependants": ["F122333442"]}])
    nguyen = Session("AC01234567", "000033334444", "NGUYEN THI LAN", NOW)
    app = apps.apply(nguyen, form(dependant=Dependant("F122333442", "NGUYENVANAN",
                                                      "2015-04-01")))
    assert app["holder_name"] == "NGUYEN VAN AN"          # as the registry writes it


def test_the_holders_birth_date_comes_from_the_account_when_the_registry_lacks_them(world,
                                                                                   apps):
    Accounts(world.store).add({"id_no": "P102030401", "card_no": "000055556666",
                               "name": "陳小華", "birth_date": "1990-07-15"})
    chen = Session("P102030401", "000055556666", "陳小華", NOW)
    assert world.services.registry.person("P102030401") is None
    assert apps.apply(chen, form())["holder_birth"] == "1990-07-15"


def test_the_accounts_birth_date_comes_before_the_registrys(world, apps):
    chang = Session("J128765432", "000077778888", "張志明", NOW)
    registry = Registry(world.store)
    registry.put_many([registry.person("J128765432") | {"birth_date": "1901-01-01"}])
    account = Accounts(world.store).get_by_id("J128765432")
    assert account is not None and account["birth_date"] != "1901-01-01"
    assert apps.apply(chang, form())["holder_birth"] == account["birth_date"]


def test_after_five_atm_nos_already_taken_the_application_is_refused(apps, monkeypatch):
    first = apps.apply(WANG, form())
    drawn = iter([first["atm_no"]] * 5 + ["9512345678901234"])
    monkeypatch.setattr(applications, "new_atm_no", lambda: next(drawn))
    with refused("err.busy"):
        apps.apply(WANG, form())
    assert [a["atm_no"] for a in apps.mine(WANG)] == [first["atm_no"]]


def test_the_check_digit_is_the_one_digit_that_makes_the_atm_no_pass_luhn():
    # 95 then 13 digits ending 0..9: their check digits are all ten digits, 0 among them
    for n in range(10):
        body = f"95{n:013d}"
        assert [d for d in "0123456789" if luhn_ok(body + d)] == [check_digit(body)], body


def test_the_list_shows_the_newest_application_first(world, apps):
    older = apps.apply(WANG, form())
    world.clock.advance(minutes=1)
    newer = apps.apply(WANG, form())
    world.clock.advance(minutes=1)
    newest = apps.apply(WANG, form())
    expected = [newest["atm_no"], newer["atm_no"], older["atm_no"]]
    assert [a["atm_no"] for a in apps.mine(WANG)] == expected
    assert [a["atm_no"] for a in apps.recent(WANG)] == expected


# -- the 14-day rules to the moment ------------------------------------------------------
def test_the_query_shows_an_application_until_exactly_14_days_after_it_was_made(world, apps,
                                                                               payments):
    app = apps.apply(WANG, form())
    world.clock.set(NOW + timedelta(days=14) - timedelta(seconds=1))
    assert [a["atm_no"] for a in apps.recent(WANG)] == [app["atm_no"]]
    world.clock.set(NOW + timedelta(days=14))
    assert apps.recent(WANG) == []
    assert [a["atm_no"] for a in apps.mine(WANG)] == [app["atm_no"]]   # still payable today


def test_payment_is_due_by_the_end_of_the_14th_day_and_not_a_moment_later(world, apps,
                                                                         payments):
    app = apps.apply(WANG, form())
    assert apps.due(app) == DUE
    world.clock.set(JUST_BEFORE)
    assert payments.slip(WANG, app["atm_no"])["atm_no"] == app["atm_no"]
    world.clock.set(DUE)
    with refused("err.pay.expired"):
        payments.slip(WANG, app["atm_no"])


def test_an_unpaid_application_is_deleted_at_the_very_end_of_its_due_day(world, apps):
    app = apps.apply(WANG, form())
    world.clock.set(JUST_BEFORE)
    assert [a["atm_no"] for a in apps.mine(WANG)] == [app["atm_no"]]
    world.clock.set(DUE)
    assert apps.mine(WANG) == []


def test_a_store_payment_made_at_the_last_moment_counts_and_one_at_the_end_does_not(apps,
                                                                                   payments):
    early, late = apps.apply(WANG, form()), apps.apply(WANG, form())
    paid = payments.pay_at_store(early["atm_no"], JUST_BEFORE)
    assert paid["payment"]["paid_at"] == JUST_BEFORE.isoformat()
    with refused("err.pay.expired"):
        payments.pay_at_store(late["atm_no"], DUE)
    assert apps.get(WANG, late["atm_no"])["payment"] is None


@pytest.fixture
def utc_system_zone():
    """The kiosk's host clock set to UTC, eight hours behind Taipei."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    systime.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    systime.tzset()


def test_the_due_day_counts_in_taipei_whatever_the_host_zone(utc_system_zone, world, apps,
                                                              payments):
    world.clock.set(datetime(2026, 11, 23, 0, 30, tzinfo=TAIPEI))   # still the 22nd in UTC
    app = apps.apply(WANG, form())
    assert apps.due(app) == DUE
    world.clock.set(datetime(2026, 12, 7, 12, 0, tzinfo=TAIPEI))
    assert payments.slip(WANG, app["atm_no"])


def test_the_purge_counts_each_deleted_application(world, apps, payments):
    for _ in range(3):
        apps.apply(WANG, form())
    paid = apps.apply(WANG, form())
    payments.pay_at_store(paid["atm_no"], NOW)
    world.clock.set(DUE)
    assert apps.purge() == 3
    assert apps.purge() == 0
    assert [a["atm_no"] for a in apps.mine(WANG)] == [paid["atm_no"]]


def test_the_purge_works_on_a_kiosk_that_keeps_no_photos(world):
    no_photos = Applications(world.services)
    no_photos.apply(WANG, form())
    world.clock.set(DUE)
    assert no_photos.purge() == 1


def test_an_application_that_is_gone_cannot_be_paid_or_changed(apps, payments):
    with refused("err.apply.unknown"):
        payments.pay_at_store("9500000000000005", NOW)
    with refused("err.apply.unknown"):
        apps.update("9500000000000005", lambda doc: doc)
    with pytest.raises(KioskError):
        apps.get(WANG, "9500000000000005")
