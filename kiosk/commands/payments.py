"""``nhi-kiosk payments slip-paid``: a payment made outside the kiosk (a bank counter or
a convenience store reports a payment slip paid)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.commands.base import Command, on_store, refused, store_options, store_settings
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", required=True)
    paid = verbs.add_parser("slip-paid", help="a bank counter or store reports a payment slip paid")
    store_options(paid)
    paid.add_argument("atm_no", help="the ATM NO printed on the slip")
    paid.add_argument("--paid-at", type=datetime.fromisoformat, metavar="ISO-TIME",
                      help="when the customer paid (default: now); in time is what counts")


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.clock import TAIPEI
    from kiosk.domain.errors import KioskError
    from kiosk.domain.replacement.applications import payment_of

    payments = domain.payments
    try:
        at = args.paid_at or domain.clock.now()
        if at.tzinfo is None:
            at = at.replace(tzinfo=TAIPEI)
        app = payments.pay_at_store(args.atm_no.strip(), at)
    except KioskError as error:
        refused(catalog, error)
        return 1
    print(catalog.t("pay.slip_paid", atm=app["atm_no"],
                    receipt=payment_of(app)["receipt_no"]))
    return 0


COMMAND = Command("payments", "payments made outside the kiosk", arguments, run,
                  store_settings)
