"""The ``import FILE [--json]`` verb that ``registry`` and ``carriers`` share, and how
an import's outcome is printed (not a command itself)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.commands.base import store_options
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.domain.rows import ImportReport


def import_verb(parser: argparse.ArgumentParser, rows: str, doc: str) -> Any:
    """``nhi-kiosk NAME import FILE [--json]``; returns the verbs for more of them."""
    verbs = parser.add_subparsers(dest="verb", required=True)
    load = verbs.add_parser("import", help=f"load {rows} from a CSV or JSON file (see {doc})")
    store_options(load)
    load.add_argument("file", type=Path, help=f"the CSV or JSON file of {rows}")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    return verbs


def print_report(report: ImportReport, catalog: Catalog, *, as_json: bool) -> int:
    """An import's outcome as the table's report line and a line per rejected row; exit 1
    when a row was rejected."""
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        t = catalog.t
        print(t("registry.report", added=report.added, updated=report.updated,
                unchanged=report.unchanged, rejected=len(report.problems)))
        for problem in report.problems:
            print(t("registry.row", row=problem.row, value=problem.value,
                    reason=t(problem.reason)))
    return 1 if report.problems else 0
