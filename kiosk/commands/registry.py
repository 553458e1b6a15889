"""``nhi-kiosk registry``: import the household/residence registry facts, or add the
demo people to the demo's store."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kiosk.commands.base import EXIT_USAGE, Command, on_store, refused, store_options
from kiosk.commands.imports import import_verb, print_report
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = import_verb(parser, "people", "docs/registry.md")
    seed = verbs.add_parser("seed-demo", help="add the demo people, phone lines and accounts "
                                              "of the demo cards to the demo's store")
    store_options(seed)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """``seed-demo`` works on the demo's store, ``--demo`` or not."""
    return {"demo": True if args.verb == "seed-demo" else args.demo_store}


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.counter.registry_import import import_registry
    from kiosk.domain.demo_people import seed_demo
    from kiosk.domain.rows import ImportFileError

    if args.verb == "seed-demo":
        added = seed_demo(domain.store, domain.clock.now())
        print(catalog.t("registry.report", added=added, updated=0, unchanged=0, rejected=0))
        return 0
    try:
        report = import_registry(args.file, domain.registry)
    except ImportFileError as exc:
        refused(catalog, exc)
        return EXIT_USAGE
    return print_report(report, catalog, as_json=args.json)


COMMAND = Command("registry", "the household/residence registry facts", arguments, run,
                  settings)
