"""Household and residence registry facts used to prove identity at registration.

The real back office holds these; the kiosk keeps its own copy: demo people matching the
demo cards are seeded in demo mode, operators load real ones with ``nhi-kiosk registry
import``. A proof is compared as a group: the caller learns *that* it failed, never which
field, so the registry cannot be probed field by field.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.domain.errors import BrokenRecord
from kiosk.domain.validate import normalize_household
from store.api import StoreBackend


def normalize_place(name: str) -> str:
    """台 and 臺 are the same in addresses; spaces do not matter."""
    return "".join(name.split()).replace("台", "臺")


@dataclass(frozen=True, slots=True)
class AddressFacts:
    county: str
    district: str
    village: str
    neighborhood: int

    def key(self) -> tuple[str, str, str, int]:
        return (normalize_place(self.county), normalize_place(self.district),
                normalize_place(self.village), int(self.neighborhood))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AddressFacts:
        return cls(data["county"], data["district"], data["village"], int(data["neighborhood"]))


@dataclass(frozen=True, slots=True)
class NationalProof:
    """戶號 + 戶籍 address. ``household_no`` is None for the forgot-password check, which
    asks for the address alone."""

    household_no: str | None
    address: AddressFacts


@dataclass(frozen=True, slots=True)
class ResidentProof:
    """The chip residence permit: issue date, expiry date and the back serial number."""

    issue_date: date
    expiry_date: date
    serial: str


Proof = NationalProof | ResidentProof


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Registry:
    def __init__(self, store: StoreBackend) -> None:
        self._people = store.keyed("people", "id_no")

    def person(self, id_no: str) -> dict[str, Any] | None:
        return self._people.get(id_no.upper())

    def put(self, person: dict[str, Any]) -> bool:
        """Insert or replace; True when the person is new."""
        return self._people.put(person)

    def put_many(self, people: list[dict[str, Any]]) -> None:
        self._people.put_many(people)

    def everyone(self) -> dict[str, dict[str, Any]]:
        return self._people.get_many()

    def count(self) -> int:
        return self._people.count()

    def dependants_of(self, id_no: str) -> list[dict[str, Any]]:
        person = self.person(id_no) or {}
        return [p for d in person.get("dependants", []) if (p := self.person(d))]


    def matches(self, id_no: str, proof: Proof) -> bool:
        """Does the proof match what the registry holds for this person (as one group)?
        A stored person lacking a field the proof needs (an old or hand-edited store) is
        BrokenRecord, a message for the counter, not a KeyError nor a silent mismatch."""
        person = self.person(id_no)
        if person is None:
            return False
        try:
            return self._matches(person, proof)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BrokenRecord("registry") from None

    @staticmethod
    def _matches(person: dict[str, Any], proof: Proof) -> bool:
        if isinstance(proof, NationalProof):
            address = person.get("address")
            if not address or AddressFacts.from_json(address).key() != proof.address.key():
                return False
            if proof.household_no is None:
                return True
            return _same(normalize_household(proof.household_no),
                         normalize_household(person["household_no"]))
        permit = person.get("permit")
        if not permit:
            return False
        return (permit["issue_date"] == proof.issue_date.isoformat()
                and permit["expiry_date"] == proof.expiry_date.isoformat()
                and _same(proof.serial.strip().upper(), str(permit["serial"]).upper()))
