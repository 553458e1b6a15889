"""``nhi-kiosk card-relay``: the counter PC's card presented to the server's vpcd
(reader/relay.py), one status line per change, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from kiosk.commands.base import (
    EXIT_NO_SERVICE,
    EXIT_USAGE,
    Command,
    close_on_signals,
    common_options,
)
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog

MAX_HOST = 253   # a DNS name's longest


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--reader-name", required=True, metavar="NAME",
                        help="the local PC/SC reader whose card is relayed, by its whole name")
    parser.add_argument("--to", required=True, metavar="HOST:PORT",
                        help="the server's vpcd (usually the local end of an SSH tunnel)")
    parser.add_argument("--only-nhi", action=argparse.BooleanOptionalAction, default=True,
                        help="pass only SELECT NHI, READ PROFILE and GET RESPONSE to the "
                        "card (default); --no-only-nhi passes whatever the server sends")


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The reader's name is checked as the kiosk's own ``reader_name`` (kiosk.domain.config)."""
    return {"reader_name": args.reader_name}


def target(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets); ValueError saying what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or len(host) > MAX_HOST or not port.isdigit() \
            or not 0 < int(port) < 65536 or any(ch.isspace() or ch in "/@" for ch in host):
        raise ValueError(text)
    return host, int(port)


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from reader import pcsc
    from reader.relay import Relay

    try:
        host, port = target(args.to)
    except ValueError:
        print(catalog.t("relay.bad_target", to=args.to), file=sys.stderr)
        return EXIT_USAGE
    if not pcsc.pcsc_available():
        print(catalog.t("cli.no_pyscard"), file=sys.stderr)
        return EXIT_NO_SERVICE

    def report(key: str, **params: object) -> None:
        print(catalog.t(key, **params), flush=True)

    assert config.reader_name is not None   # --reader-name is required
    relay = Relay(config.reader_name, host, port, only_nhi=args.only_nhi, report=report)
    failed: list[BaseException] = []

    def watch() -> None:
        try:
            relay.run()
        except Exception as exc:   # a driver or library fault: said, never a traceback
            failed.append(exc)

    close_on_signals(relay.close)
    worker = threading.Thread(target=watch, name="card-relay-watch", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.5)   # the signal handler runs between the joins
    if failed:
        print(catalog.t("relay.failed", detail=type(failed[0]).__name__), file=sys.stderr)
        return EXIT_NO_SERVICE
    return 0


COMMAND = Command("card-relay", "present this PC's card to a server's vpcd (docs/deploy.md)",
                  arguments, run, settings)
