"""Tally a mutmut run per module, with the mutants a person has judged equivalent.

Run by scripts/mutation inside its copy of the tree (the folder holding ``mutants/``).

An equivalent mutant is one no behaviour can show (``zip(strict=True)`` over sequences that
always match in length, say). Each is written down in ``docs/mutation-equivalent/<module>.toml``
with the line the mutant writes and a one-line reason; mutmut numbers mutants within a function,
so an entry counts only while that mutant still writes that line. An entry whose line no
longer matches is reported as stale, and its mutant counts as a survivor again, so a change to
the code cannot turn a real gap into an "equivalent" one unseen.

The score is killed / (killed + survived that is not equivalent): mutants that no test
reaches count as survived, timeouts as killed (mutmut's own reading of both).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code


def changed_line(name: str, path: str) -> tuple[str, str]:
    """The line a mutant removes and the one it writes, stripped (``""`` for none)."""
    removed = added = ""
    for line in get_diff_for_mutant(name, path=path).splitlines():
        if line.startswith("-") and not line.startswith("---"):
            removed = removed or line[1:].strip()
        elif line.startswith("+") and not line.startswith("+++"):
            added = added or line[1:].strip()
    return removed, added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equivalent", type=Path, required=True,
                        help="the folder of <module>.toml files")
    parser.add_argument("--module", action="append", default=[],
                        help="only these modules (kiosk/domain/mail.py); repeatable")
    parser.add_argument("--table", action="store_true", help="only the table")
    args = parser.parse_args(argv)
    known: dict[str, dict[str, str]] = {}
    for path in sorted(args.equivalent.glob("*.toml")):
        known |= tomllib.loads(path.read_text(encoding="utf-8"))

    rows: list[tuple[str, Counter[str]]] = []
    unexplained: list[tuple[str, str, str, str]] = []
    stale: list[str] = []
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = str(meta.relative_to("mutants"))[: -len(".meta")]
        if args.module and source not in args.module:
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        tally: Counter[str] = Counter()
        for name, code in sorted(codes.items()):
            status = status_by_exit_code[code]
            if status == "not checked":      # the run is still going (or was stopped)
                tally["not checked"] += 1
                continue
            if status == "timeout":
                status = "killed"
            if status in ("survived", "no tests"):
                removed, added = changed_line(name, source)
                entry = known.get(name)
                if entry and entry.get("change", "").strip() == added:
                    status = "equivalent"
                else:
                    if entry:
                        stale.append(name)
                    unexplained.append((name, status, removed, added))
            tally[status] += 1
        rows.append((source, tally))

    total: Counter[str] = Counter()
    print("| module | mutants | killed | equivalent | survived | no test reaches it "
          "| killed of the rest |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for source, tally in [*rows, ("**all**", sum((t for _, t in rows), total))]:
        judged = tally["killed"] + tally["survived"] + tally["no tests"]
        score = f"{100 * tally['killed'] / judged:.0f} %" if judged else "–"
        waiting = f" ({tally['not checked']:,} not run yet)" if tally["not checked"] else ""
        print(f"| {source} | {sum(tally.values()):,}{waiting} | {tally['killed']:,} "
              f"| {tally['equivalent']:,} | {tally['survived']:,} | {tally['no tests']:,} "
              f"| {score} |")
    if not args.table:
        print()
        for name, status, removed, added in unexplained:
            print(f"{status}: {name}\n    - {removed}\n    + {added}")
        for name in stale:
            print(f"stale entry in {args.equivalent}: {name} no longer writes the line it names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
