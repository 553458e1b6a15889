"""Shape errors are caught before the registry comparison counts a failure."""

import pytest

from kiosk.domain.errors import InvalidInput
from kiosk.domain.forms import national_proof, parse_date, resident_proof


@pytest.mark.parametrize(("args", "field", "key"), [
    (("2024-03-01", "2023-03-01", "YE00012345"), "expiry", "err.permit_dates"),
    (("2024-03-01", "2027-02-28", "YE"), "serial", "err.serial"),
    (("2024-13-01", "2027-02-28", "YE00012345"), "issue", "err.date"),
])
def test_resident_proof_shapes(args, field, key):
    with pytest.raises(InvalidInput) as info:
        resident_proof(*args)
    assert (info.value.field, info.value.key) == (field, key)


def test_roc_dates():
    assert parse_date("113/03/01", "x").isoformat() == "2024-03-01"


def test_household_shape_is_checked_before_anything_is_counted():
    with pytest.raises(InvalidInput) as info:
        national_proof("AB12345", None)
    assert info.value.key == "err.household"


def test_incomplete_address():
    with pytest.raises(InvalidInput) as info:
        national_proof("AB123456", None)
    assert (info.value.field, info.value.key) == ("address", "err.address_incomplete")
