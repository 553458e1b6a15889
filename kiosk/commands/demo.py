"""``nhi-kiosk demo make-certificate-token DIR``: a citizen digital certificate card for the
demo, on SoftHSM2 (docs/certificate-login.md). DIR gets the SoftHSM config and its token
(labelled as MOICA cards are, the demo person's signing key and certificate on it) and
``ca/``, the demo authority's root and MOICA CA certificates for ``moica_ca_dir``.

The authority is made on the spot and its keys are thrown away once the card's
certificate is issued: nothing but this folder trusts it. The PIN is the demo's own,
published (kiosk.domain.demo_people.DEMO_CERTIFICATE_PIN). A folder that is not empty is
refused, so no token is overwritten."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from kiosk.commands.base import EXIT_NO_SERVICE, EXIT_USAGE, Command, common_options
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from reader.demo import DEMO_BY_KEY

CARD_YEARS = 8          # a MOICA card's certificates are valid for eight years
EXIT_REFUSED = 1


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    make = verbs.add_parser("make-certificate-token",
                            help="a SoftHSM2 token shaped like a 自然人憑證 card, and its CA")
    common_options(make)
    make.add_argument("folder", type=Path, metavar="DIR", help="a new or empty folder")
    make.add_argument("--person", default="registered", choices=sorted(DEMO_BY_KEY),
                      help="whose card (a demo person; default: registered, 張志明)")


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.demo_people import DEMO_CERTIFICATE_PIN
    from kiosk.domain.mask import mask_id, mask_name
    from reader import softhsm

    folder: Path = args.folder.expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        print(catalog.t("demo_token.exists", folder=folder), file=sys.stderr)
        return EXIT_REFUSED
    module = softhsm.module_path()
    if module is None:
        print(catalog.t("demo_token.no_softhsm"), file=sys.stderr)
        return EXIT_NO_SERVICE
    try:
        import cryptography  # noqa: F401  (the pkcs11 extra)
        import PyKCS11  # noqa: F401
    except ImportError:
        print(catalog.t("demo_token.no_pkcs11"), file=sys.stderr)
        return EXIT_NO_SERVICE
    card = DEMO_BY_KEY[args.person].card
    if card is None:
        print(catalog.t("demo_token.no_card", person=args.person), file=sys.stderr)
        return EXIT_USAGE
    from PyKCS11 import PyKCS11Error

    from reader.token import TokenError

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    conf = softhsm.write_conf(folder)
    try:
        serial = softhsm.init_token(conf, DEMO_CERTIFICATE_PIN, secrets.token_hex(8))
        os.environ["SOFTHSM2_CONF"] = str(conf)    # before the module loads in this process
        ca = _issue(folder, str(module), serial, card.name, card.id_no)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError,
            TokenError, PyKCS11Error) as exc:
        print(catalog.t("demo_token.failed", detail=type(exc).__name__), file=sys.stderr)
        return EXIT_NO_SERVICE
    print(catalog.t("demo_token.made", name=mask_name(card.name), id=mask_id(card.id_no),
                    folder=folder, pin=DEMO_CERTIFICATE_PIN))
    # a command line to paste: a folder with a space in its name stays one word
    print(catalog.t("demo_token.use", conf=shlex.quote(str(conf)),
                    module=shlex.quote(str(module)), ca=shlex.quote(str(ca))))
    return 0


def _issue(folder: Path, module: str, serial: str, name: str, id_no: str) -> Path:
    """The demo authority, the card's key and certificate on the token; the CA folder."""
    from kiosk.domain.clock import SystemClock
    from kiosk.domain.demo_certificates import Authority, new_key
    from kiosk.domain.demo_people import DEMO_CERTIFICATE_PIN
    from reader.token import write_card

    now = SystemClock().now().astimezone(dt.UTC)
    start = now - dt.timedelta(days=1)
    authority = Authority(start)
    key = new_key()
    certificate = authority.issue(name, id_no[-4:], serial=secrets.randbits(63) | 1, key=key,
                                  not_before=start,
                                  not_after=start + dt.timedelta(days=CARD_YEARS * 365))
    write_card(module, serial, DEMO_CERTIFICATE_PIN, key, certificate,
               (authority.moica, authority.root))
    return authority.write_trust(folder / "ca")


COMMAND = Command("demo", "the demo's own cards, e.g. a 自然人憑證 card on SoftHSM2 "
                  "(docs/certificate-login.md)", arguments, run)
