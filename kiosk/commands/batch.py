"""``nhi-kiosk batch``: 整批健保卡註冊, the registration files of insured units, and each
unit's progress against the 80 % target."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands.base import (
    EXIT_USAGE,
    Command,
    on_store,
    refused,
    store_options,
    store_settings,
)
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", required=True)
    load = verbs.add_parser("import", help="register the people of a unit file (.CSV or .zip)")
    store_options(load)
    load.add_argument("file", type=Path,
                      help="the insured unit's file: a .CSV, or a .zip of them")
    load.add_argument("--json", action="store_true", help="print the summary as JSON")
    progress = verbs.add_parser("progress",
                                help="registered / submitted per unit, against the 80 %% target")
    store_options(progress)


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.counter.batch import TARGET_PERCENT, BatchFileError

    t = catalog.t
    runner = domain.batch
    if args.verb == "progress":
        for unit, registered, submitted in runner.progress():
            print(t("batch.unit_progress", unit=unit, registered=registered,
                    submitted=submitted, ratio=f"{registered / submitted:.0%}",
                    target=TARGET_PERCENT))
        return 0

    def progress(done: int, total: int) -> None:
        print(t("batch.progress", done=done, total=total), file=sys.stderr)

    try:
        report = runner.import_file(args.file, domain.reports_dir, catalog,
                                    None if args.json else progress)
    except BatchFileError as error:
        refused(catalog, error)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(t("batch.summary", unit=report.unit, imported=report.imported,
                already=report.already_registered, rejected=report.rejected,
                duplicates=report.duplicates, report=report.report))
    return 1 if report.problems else 0


COMMAND = Command("batch", "整批健保卡註冊: registration files of insured units", arguments, run,
                  store_settings)
