"""Turning what a person typed into domain values, with the field to blame on failure."""

from __future__ import annotations

from datetime import date

from kiosk.domain.address import Address
from kiosk.domain.errors import InvalidInput
from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof
from kiosk.domain.rows import date_of
from kiosk.domain.validate import is_valid_household, is_valid_permit_serial


def parse_date(text: str, field: str) -> date:
    """YYYY-MM-DD, or the ROC form 113/03/01 that is printed on Taiwanese documents."""
    try:
        return date_of(text)
    except ValueError:
        raise InvalidInput(field, "err.date") from None


def resident_proof(issue: str, expiry: str, serial: str) -> ResidentProof:
    """Shape errors are caught here, before the registry comparison counts a failure."""
    issued, expires = parse_date(issue, "issue"), parse_date(expiry, "expiry")
    if issued > expires:
        raise InvalidInput("expiry", "err.permit_dates")
    serial = serial.strip().upper()
    if not is_valid_permit_serial(serial):
        raise InvalidInput("serial", "err.serial")
    return ResidentProof(issued, expires, serial)


def national_proof(household: str | None, address: Address | None) -> NationalProof:
    """戶號 (None when only the address is asked, as in forgot password) + 戶籍 address."""
    if household is not None and not household.strip():
        raise InvalidInput("household", "err.required")
    if household is not None and not is_valid_household(household):
        raise InvalidInput("household", "err.household")
    if address is None:
        raise InvalidInput("address", "err.address_incomplete")
    return NationalProof(household, AddressFacts(address.county.name, address.district.name,
                                                 address.village.name, address.neighborhood))
