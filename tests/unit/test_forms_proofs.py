"""What a person types for the identity proofs: the field each refusal is shown under, and
what goes on to the registry comparison."""

from datetime import date

import pytest

from kiosk.domain import address as addr
from kiosk.domain.errors import InvalidInput
from kiosk.domain.forms import national_proof, resident_proof
from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof


def _shuiyuan(neighborhood: int = 12) -> addr.Address:
    district = next(d for c in addr.counties() if c.name == "臺北市"
                    for d in addr.districts(c.code) if d.name == "中正區")
    village = next(v for v in addr.villages(district.code) if v.name == "水源里")
    return addr.Address(district.county, district, village, neighborhood)


def _refusal(call, *args) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as info:
        call(*args)
    return info.value.field, info.value.key


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_household_number_is_required_under_the_household_field(blank):
    assert _refusal(national_proof, blank, _shuiyuan()) == ("household", "err.required")


def test_a_household_number_of_the_wrong_shape_is_shown_under_the_household_field():
    assert _refusal(national_proof, "AB12345", _shuiyuan()) == ("household", "err.household")


def test_the_household_number_and_the_address_are_passed_on_as_typed_and_chosen():
    assert national_proof("AB123456", _shuiyuan(7)) == NationalProof(
        "AB123456", AddressFacts("臺北市", "中正區", "水源里", 7))


def test_forgot_password_asks_for_the_address_alone():
    assert national_proof(None, _shuiyuan()) == NationalProof(
        None, AddressFacts("臺北市", "中正區", "水源里", 12))


def test_an_unreadable_expiry_date_is_shown_under_the_expiry_field():
    assert _refusal(resident_proof, "2024-03-01", "2027-02-30", "YE00012345") \
        == ("expiry", "err.date")


def test_a_permit_may_expire_on_the_day_it_was_issued_but_not_the_day_before():
    proof = resident_proof("2024-03-01", "2024-03-01", "YE00012345")
    assert proof == ResidentProof(date(2024, 3, 1), date(2024, 3, 1), "YE00012345")
    assert _refusal(resident_proof, "2024-03-01", "2024-02-29", "YE00012345") \
        == ("expiry", "err.permit_dates")


def test_the_permit_is_passed_on_with_its_dates_and_the_serial_in_capitals():
    assert resident_proof("113/03/01", "2027-02-28", " ye00012345 ") == ResidentProof(
        date(2024, 3, 1), date(2027, 2, 28), "YE00012345")
