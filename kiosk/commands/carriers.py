"""``nhi-kiosk carriers import``: the carrier directory for phone authentication."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.commands.base import EXIT_USAGE, Command, on_store, refused, store_settings
from kiosk.commands.imports import import_verb, print_report
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    import_verb(parser, "phone lines", "docs/carriers.md")


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.binding.carriers import import_lines
    from kiosk.domain.rows import ImportFileError

    try:
        report = import_lines(args.file, domain.carriers)
    except ImportFileError as exc:
        refused(catalog, exc)
        return EXIT_USAGE
    return print_report(report, catalog, as_json=args.json)


COMMAND = Command("carriers", "the carrier directory for phone authentication", arguments,
                  run, store_settings)
