"""``nhi-kiosk run`` (also ``nhi-kiosk`` with no command): start the kiosk."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.commands.base import (
    EXIT_NO_SERVICE,
    EXIT_STORE,
    EXIT_USAGE,
    Command,
    common_options,
    reader_name_option,
)
from kiosk.domain.config import READERS, Config
from kiosk.domain.i18n import Catalog


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--reader", choices=READERS, help="card reader backend")
    reader_name_option(parser)
    parser.add_argument("--demo", action="store_const", const=True,
                        help="simulated reader with the demo card tray")
    parser.add_argument("--inactivity", type=float,
                        help="seconds before the kiosk wipes to idle")


def settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"reader": args.reader, "reader_name": args.reader_name, "demo": args.demo,
            "inactivity": args.inactivity}


def refusal(config: Config, catalog: Catalog) -> int | None:
    """Why the kiosk cannot start with these settings (said on stderr, and its exit code),
    or None. ``nhi-kiosk serve`` asks it too before it starts any browser's kiosk."""
    from kiosk.wiring import pyscard_installed

    if config.reader == "sim" and not config.demo:
        print(catalog.t("cli.sim_needs_demo"), file=sys.stderr)
        return EXIT_USAGE
    if config.reader_name is not None and config.demo:
        print(catalog.t("cli.reader_name_demo"), file=sys.stderr)
        return EXIT_USAGE
    if not config.demo and not pyscard_installed():
        print(catalog.t("cli.no_pyscard"), file=sys.stderr)
        return EXIT_NO_SERVICE
    return None


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.app import KioskApp
    from kiosk.crash import LOG_NAME, run_guarded
    from kiosk.wiring import Domain, choose_monitor, mail_delivery, open_store

    refused = refusal(config, catalog)
    if refused is not None:
        return refused
    store = open_store(config, catalog)
    if store is None:
        return EXIT_STORE
    monitor, demo = choose_monitor(config)
    domain = Domain(config, store, demo=demo)   # built after the first paint (bench_startup)
    try:
        app = KioskApp(config, monitor, domain, demo=demo,
                       deliver_mail=mail_delivery(config))
        return run_guarded(app, store.path.parent / LOG_NAME, catalog, domain.clock.now)
    finally:
        monitor.close()
        store.close()


COMMAND = Command("run", "start the kiosk (the default)", arguments, run, settings)
