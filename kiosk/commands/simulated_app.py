"""``nhi-kiosk app``: the simulated 健保快易通 app: bind a device with a device
verification code, or answer a QR login from a bound device."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.commands.base import Command, on_store, refused, store_options, store_settings
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", required=True)
    redeem = verbs.add_parser("redeem", help="bind a device with a device verification code")
    store_options(redeem)
    redeem.add_argument("code", help="the device verification code the kiosk shows")
    redeem.add_argument("--device", required=True, metavar="NAME", help="the device's name")
    for verb, what in (("approve", "log in"), ("deny", "refuse")):
        answer = verbs.add_parser(verb, help=f"{what}: answer a QR login from a bound device")
        store_options(answer)
        answer.add_argument("code", help="the login code or the scanned QR text")
        answer.add_argument("--device", required=True, metavar="NAME",
                            help="a device bound to the person logging in")


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.errors import KioskError

    devices, qr = domain.devices, domain.qr_login
    answers = {"redeem": (devices.redeem, "dev.bound"), "approve": (qr.approve, "qrl.approved"),
               "deny": (qr.deny, "qrl.denied_on")}
    action, done = answers[args.verb]
    try:
        device = action(args.code, args.device)
    except KioskError as error:
        refused(catalog, error)
        return 1
    print(catalog.t(done, name=device["name"]))
    return 0


COMMAND = Command("app", "the simulated 健保快易通 app", arguments, run, store_settings)
