"""The simulated banks: the verification code a citizen copies, whose accounts are whose,
and how an account number is shown."""

from __future__ import annotations

import re

from kiosk.domain.replacement.banks import (
    DEMO_CHIP_CARD,
    BankAccounts,
    ChipCard,
    new_verification_code,
)
from store.keyed import KeyedTable


def test_a_verification_code_is_four_digits():
    codes = [new_verification_code() for _ in range(40)]
    assert all(re.fullmatch(r"[0-9]{4}", c) for c in codes), codes


def test_a_chip_card_shows_only_the_last_4_digits_of_its_account():
    assert DEMO_CHIP_CARD.masked_account() == "********4567"
    assert ChipCard("822", "1234567890", "246810").masked_account() == "******7890"


def test_an_account_nobody_holds_has_no_holder(world):
    accounts = BankAccounts(world.store)
    assert accounts.holder("005", "1234567890") is None
    assert accounts.holder("004", "012345678901") == "J128765432"     # 張志明's
    assert accounts.holder("822", "012345678901") is None             # same number, other bank


def test_seeding_the_demo_accounts_again_adds_only_what_is_missing(world):
    accounts = BankAccounts(world.store)          # the world's store is seeded already
    before = world.store.generation
    accounts.seed_demo()
    assert world.store.generation == before       # nothing missing: nothing written
    table = KeyedTable(world.store, "bank_accounts", "key")
    table.modify("822:901234567890", lambda _doc: None)
    table.modify("004:012345678901", lambda doc: {**doc, "holder_id": "A123456789"})
    accounts.seed_demo()
    assert accounts.holder("822", "901234567890") == "A123456789"     # added back
    assert accounts.holder("004", "012345678901") == "A123456789"     # kept as changed
