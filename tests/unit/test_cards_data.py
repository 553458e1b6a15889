"""What the kiosk accepts from a card it could read: a valid ID, a 12-digit card number and
a birth date no later than the issue date; otherwise the catalog key naming what is wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kiosk.domain.cards import card_problem
from kiosk.domain.demo_people import DEMO_PASSWORD
from tests.unit.domain_fixtures import card, refused


def test_a_good_card_has_no_problem():
    assert card_problem(card("registered")) is None


@pytest.mark.parametrize("card_no", ["00007777888", "0000777788889", "00007777888A", ""])
def test_a_card_number_of_other_than_12_digits_is_named(card_no):
    assert card_problem(replace(card("registered"), card_no=card_no)) == "invalid.card_no"


def test_a_bad_id_is_named_before_a_bad_card_number():
    bad = replace(card("registered"), id_no="J128765433", card_no="123")
    assert card_problem(bad) == "invalid.id"


def test_a_card_born_on_its_issue_day_is_fine_and_born_after_it_is_not():
    born = card("registered").issue_date
    assert card_problem(replace(card("registered"), birth_date=born)) is None
    later = replace(card("registered"), birth_date=date(2010, 4, 6))
    assert card_problem(later) == "invalid.dates"


def test_login_with_a_bad_card_number_says_why(world):
    with refused("err.card.invalid") as info:
        world.sign_in.login(replace(card("registered"), card_no="00007777888"), DEMO_PASSWORD)
    assert info.value.params == {"reason_key": "invalid.card_no"}
