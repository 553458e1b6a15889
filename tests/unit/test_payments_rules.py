"""Paying the card fee as the citizen meets it: where each refusal is shown and with which
message, what the receipt and its mail say, the 網路ATM stages and the fee of each method."""

from __future__ import annotations

import logging
import re
from datetime import datetime

import pytest

from kiosk.domain.clock import TAIPEI
from kiosk.domain.errors import InvalidInput
from kiosk.domain.mail import MailKind
from kiosk.domain.replacement.banks import DEMO_CHIP_CARD
from kiosk.domain.replacement.payments import AtmStage
from store.errors import StoreError
from tests.unit.domain_fixtures import NOW, refused
from tests.unit.test_applications import CHANG, WANG, form

# the workflow on both backends (tests/unit/conftest.py)
pytestmark = pytest.mark.both_stores

EBILL = {"agreed": True, "bank": "004", "account": "012345678901", "typed_code": "4294",
         "code": "4294"}                      # 張志明's own 臺灣銀行 account in the demo


def other_than(code: str) -> str:
    return "0000" if code != "0000" else "1111"


# -- 網路ATM ----------------------------------------------------------------------------
@pytest.mark.parametrize("pin", ["12ab56", "12345", "1234567890123", ""])
def test_a_pin_that_is_not_6_to_12_digits_is_refused_under_the_pin(apps, payments, pin):
    transfer = payments.start_atm(WANG, apps.apply(WANG, form())["atm_no"], DEMO_CHIP_CARD)
    with pytest.raises(InvalidInput) as info:
        transfer.authorize(pin, transfer.code)
    assert (info.value.field, info.value.key) == ("pin", "err.atm.pin_format")
    assert transfer.wrong_pins == 0 and transfer.stage is AtmStage.AUTHORIZE


def test_a_mistyped_verification_code_is_refused_under_the_code(apps, payments):
    transfer = payments.start_atm(WANG, apps.apply(WANG, form())["atm_no"], DEMO_CHIP_CARD)
    shown = transfer.code
    with pytest.raises(InvalidInput) as info:
        transfer.authorize("123456", other_than(shown))
    assert (info.value.field, info.value.key) == ("code", "err.atm.code")


def test_a_wrong_pin_is_refused_under_the_pin_with_the_tries_left(apps, payments):
    transfer = payments.start_atm(WANG, apps.apply(WANG, form())["atm_no"], DEMO_CHIP_CARD)
    with pytest.raises(InvalidInput) as info:
        transfer.authorize("654321", transfer.code)
    assert (info.value.field, info.value.key, info.value.params) == (
        "pin", "err.atm.pin", {"tries_left": 2})


def test_the_third_wrong_pin_says_how_many_tries_there_were(apps, payments):
    transfer = payments.start_atm(WANG, apps.apply(WANG, form())["atm_no"], DEMO_CHIP_CARD)
    for _ in range(2):
        with pytest.raises(InvalidInput):
            transfer.authorize("654321", transfer.code)
    with refused("err.atm.pin_tries") as info:
        transfer.authorize("654321", transfer.code)
    assert info.value.params == {"tries": 3}


def test_no_countdown_is_shown_before_the_pin_is_accepted(apps, payments):
    transfer = payments.start_atm(WANG, apps.apply(WANG, form())["atm_no"], DEMO_CHIP_CARD)
    assert transfer.seconds_left() == 0
    assert not transfer.expired()


def test_ok_on_a_cancelled_transfer_says_it_was_cancelled(apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    transfer.card_removed()                     # before the PIN: the transfer ends
    with refused("err.atm.cancelled"):
        transfer.confirm(card_present=True)
    assert apps.get(WANG, app["atm_no"])["payment"] is None


def test_an_atm_payment_keeps_the_bank_and_only_the_last_4_digits_of_the_account(
        world, apps, payments):
    app = apps.apply(WANG, form())
    transfer = payments.start_atm(WANG, app["atm_no"], DEMO_CHIP_CARD)
    transfer.authorize("123456", transfer.code)
    transfer.card_removed()
    assert transfer.card_inserted()
    paid = transfer.confirm(card_present=True)
    assert transfer.stage is AtmStage.DONE
    stored = apps.get(WANG, app["atm_no"])["payment"]
    assert (stored["bank"], stored["account"]) == ("004", "********4567")
    assert paid["payment"] == stored
    transfer.cancel()                           # a done transfer stays done
    assert transfer.stage is AtmStage.DONE


# -- 活期帳戶 (e-Bill) -------------------------------------------------------------------
@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"agreed": False}, "agree", "err.ebill.agree"),
    ({"bank": "999"}, "bank", "err.ebill.bank"),
    ({"account": "12ab"}, "account", "err.ebill.account"),
    ({"account": "123456789"}, "account", "err.ebill.account"),
    ({"typed_code": "4249"}, "code", "err.ebill.code"),
    ({"bank": "822", "account": "901234567890"}, "account", "err.ebill.not_yours"),
    ({"bank": "005", "account": "1234567890"}, "account", "err.ebill.not_yours"),  # nobody's
])
def test_each_ebill_refusal_is_shown_under_its_own_field(apps, payments, changes, field, key):
    app = apps.apply(CHANG, form(email="chang@example.com"))
    with pytest.raises(InvalidInput) as info:
        payments.pay_ebill(CHANG, app["atm_no"], **(EBILL | changes))
    assert (info.value.field, info.value.key) == (field, key)
    assert apps.get(CHANG, app["atm_no"])["payment"] is None


def test_an_account_number_typed_with_dashes_is_accepted(apps, payments):
    app = apps.apply(CHANG, form(email="chang@example.com"))
    paid = payments.pay_ebill(CHANG, app["atm_no"], **(EBILL | {"account": "0123-4567-8901 "}))
    assert (paid["payment"]["method"], paid["payment"]["fee"]) == ("ebill", 3)
    assert (paid["payment"]["bank"], paid["payment"]["account"]) == ("004", "********8901")


# -- receipts -----------------------------------------------------------------------------
def test_a_slip_paid_at_a_store_costs_4_and_is_received_on_the_day_paid(world, apps,
                                                                       payments):
    at = datetime(2026, 12, 7, 21, 0, tzinfo=TAIPEI)
    paid = payments.pay_at_store(apps.apply(WANG, form())["atm_no"], at)["payment"]
    assert (paid["method"], paid["amount"], paid["fee"]) == ("slip", 200, 4)
    assert paid["insured_until"] == "2026-12-21"


def test_a_receipt_number_is_the_day_paid_then_six_digits(world, apps, payments):
    at = datetime(2026, 12, 7, 21, 0, tzinfo=TAIPEI)
    numbers = [payments.pay_at_store(apps.apply(WANG, form())["atm_no"], at)
               ["payment"]["receipt_no"] for _ in range(8)]
    assert all(re.fullmatch(r"20261207[0-9]{6}", n) for n in numbers), numbers


def test_the_receipt_mail_names_the_card_holder_and_the_receipt_number(world, apps,
                                                                       payments):
    app = apps.apply(WANG, form(dependant=None))
    paid = payments.pay_at_store(app["atm_no"], NOW)
    to, params = world.mail.last(MailKind.CARD_RECEIPT)
    assert (to, params["name"]) == ("wang@example.com", "王大明")
    assert params["receipt_no"] == paid["payment"]["receipt_no"]
    assert params["paid_at"] == NOW


def test_a_payment_stands_when_its_mail_cannot_be_queued_and_the_log_says_so(
        world, apps, payments, monkeypatch, caplog):
    app = apps.apply(WANG, form())

    def busy(*args, **kwargs):
        raise StoreError("the store is locked by another kiosk")

    monkeypatch.setattr(world.mail, "queue", busy)
    with caplog.at_level(logging.WARNING, logger="kiosk.domain.replacement.payments"):
        payments.pay_at_store(app["atm_no"], NOW)
    assert apps.get(WANG, app["atm_no"])["payment"]["method"] == "slip"
    logger = "kiosk.domain.replacement.payments"
    assert [r.getMessage() for r in caplog.records if r.name == logger] == [
        "receipt mail for a payment not queued: the store was busy"]
