"""Registry look-ups: an address proof is compared without regard to spaces or 台/臺; nobody
outside the registry, and no proof of the wrong kind, ever matches; a stored person lacking
what the proof needs is a message for the counter; a person's dependants are listed
whoever is asked about."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import BrokenRecord
from kiosk.domain.registry import AddressFacts, NationalProof
from tests.unit.domain_fixtures import ARC_PROOF, NATIONAL_PROOF, TAIPEI_HOME


def test_an_address_typed_with_spaces_and_the_other_tai_still_matches(world):
    people = world.services.registry
    spaced = AddressFacts("台 北 市", " 中正 區", "水源 里 ", 12)
    assert people.matches("A123456789", NationalProof("AB123456", spaced))
    assert people.matches("A123456789", NationalProof(None, spaced))
    other = AddressFacts("台北市", "中正區", "水源里", 13)
    assert not people.matches("A123456789", NationalProof(None, other))
    assert people.matches("A123456789", NationalProof(None, TAIPEI_HOME))


def test_dependants_are_listed_by_name_and_nobody_has_none_listed(world):
    people = world.services.registry
    assert [p["name"] for p in people.dependants_of("a123456789")] == [
        people.person("F229876540")["name"]]
    assert people.dependants_of("B220123455") == []          # listed with none
    assert people.dependants_of("F229876549") == []          # not in the registry
    person = people.person("J128765432")
    people.put({k: v for k, v in person.items() if k != "dependants"})   # an older store
    assert people.dependants_of("J128765432") == []


def test_nobody_outside_the_registry_proves_anything(world):
    people = world.services.registry
    for proof in (NATIONAL_PROOF, NationalProof(None, TAIPEI_HOME), ARC_PROOF):
        assert not people.matches("A123456780", proof)


def test_a_proof_of_the_other_kind_never_matches(world):
    people = world.services.registry
    assert not people.matches("A123456789", ARC_PROOF)        # a national has no permit
    assert not people.matches("AC01234567", NATIONAL_PROOF)   # a resident has no 戶籍 address
    assert people.matches("A123456789", NATIONAL_PROOF)
    assert people.matches("AC01234567", ARC_PROOF)


def test_a_stored_national_without_a_household_number_is_a_message_for_the_counter(world):
    people = world.services.registry
    person = people.person("A123456789")
    people.put({k: v for k, v in person.items() if k != "household_no"})   # hand-edited
    with pytest.raises(BrokenRecord) as info:
        people.matches("A123456789", NATIONAL_PROOF)
    assert info.value.field == "registry"
    assert people.matches("A123456789", NationalProof(None, TAIPEI_HOME))   # address alone
