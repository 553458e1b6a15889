"""``nhi-kiosk virtual-card``: a virtual NHI card in pcscd (through vpcd) until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from kiosk.commands.base import (
    EXIT_NO_SERVICE,
    EXIT_USAGE,
    Command,
    close_on_signals,
    common_options,
)
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from reader.card import CardData
from reader.demo import DEMO_BY_KEY


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--slot", type=int, default=0, help="vpcd slot (port 35963 + slot)")
    parser.add_argument("--port", type=int, help="vpcd port (overrides --slot)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--demo", default="national", metavar="NAME",
                      help="demo card: " + ", ".join(DEMO_BY_KEY))
    what.add_argument("--card", type=Path, metavar="FILE.json", help="card data as JSON")


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    import json

    from reader.virtual import VirtualCard, VirtualCardError

    if args.card:
        from reader.applet import NhiApplet
        from reader.card import encode_profile

        try:
            data = CardData.from_json(json.loads(args.card.read_text("utf-8")))
            card = VirtualCard(NhiApplet(encode_profile(data)), slot=args.slot, port=args.port)
        except (OSError, ValueError) as exc:
            print(catalog.t("cli.virtual_bad_card", path=args.card, detail=exc), file=sys.stderr)
            return EXIT_USAGE
        label = data.name
    else:
        if args.demo not in DEMO_BY_KEY:
            print(catalog.t("cli.unknown_demo", name=args.demo, names=", ".join(DEMO_BY_KEY)),
                  file=sys.stderr)
            return EXIT_USAGE
        card = VirtualCard.from_demo(args.demo, slot=args.slot, port=args.port)
        label = catalog.t(f"demo.{args.demo}")
    stop = threading.Event()
    close_on_signals(stop.set)
    try:
        card.insert()
    except VirtualCardError as exc:
        print(catalog.t("cli.virtual_unreachable", detail=exc), file=sys.stderr)
        return EXIT_NO_SERVICE
    host, port = card.address
    print(catalog.t("cli.virtual_inserted", card=label, host=host, port=port), flush=True)

    def stop_when_pulled() -> None:   # pcscd closed the connection
        card.closed.wait()
        stop.set()

    threading.Thread(target=stop_when_pulled, daemon=True).start()
    stop.wait()
    if card.closed.is_set():
        print(catalog.t("cli.virtual_pulled"), file=sys.stderr)
    card.remove()
    print(catalog.t("cli.virtual_removed"), flush=True)
    return 0


COMMAND = Command("virtual-card", "insert a virtual NHI card into pcscd through vpcd",
                  arguments, run)
