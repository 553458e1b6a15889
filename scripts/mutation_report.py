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
import os
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class ModuleResult:
    source: str
    finished: float                  # when the run's results for it were last written
    tally: Counter[str] = field(default_factory=Counter)
    unexplained: list[tuple[str, str, str, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def tally_run(known: dict[str, dict[str, str]], modules: list[str]) -> list[ModuleResult]:
    """The modules of the run in the current folder (the one holding ``mutants/``)."""
    results = []
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = str(meta.relative_to("mutants"))[: -len(".meta")]
        if modules and source not in modules:
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if codes:
            results.append(_tally(source, meta.stat().st_mtime, codes, known))
    return results


def _tally(source: str, finished: float, codes: dict[str, int | None],
           known: dict[str, dict[str, str]]) -> ModuleResult:
    result = ModuleResult(source, finished)
    for name, code in sorted(codes.items()):
        status = status_by_exit_code[code]
        if status == "not checked":      # the run is still going (or was stopped)
            result.tally["not checked"] += 1
            continue
        if status in ("timeout", "segfault"):   # the tests noticed: they hung or died
            status = "killed"                     # (-9: the memory limit's SIGKILL)
        if status in ("survived", "no tests"):
            removed, added = changed_line(name, source)
            entry = known.get(name)
            if entry and entry.get("change", "").strip() == added:
                status = "equivalent"
            else:
                if entry:
                    result.stale.append(name)
                result.unexplained.append((name, status, removed, added))
        result.tally[status] += 1
    return result


def merged(runs: list[Path], known: dict[str, dict[str, str]],
           modules: list[str]) -> list[ModuleResult]:
    """Several runs in one table (several people ran a few modules each, some re-ran only
    their survivors): each module's mutants are those of its newest run, and each mutant's
    verdict the newest one given while its function was the same (mutmut's hash of the
    function: a verdict given to older code is never carried over)."""
    by_source: dict[str, list[tuple[float, Path, dict[str, Any]]]] = {}
    for run in runs:
        for meta in Path(run, "mutants").rglob("*.py.meta"):
            source = str(meta.relative_to(Path(run, "mutants")))[: -len(".meta")]
            if modules and source not in modules:
                continue
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data["exit_code_by_key"]:
                by_source.setdefault(source, []).append((meta.stat().st_mtime, run, data))
    results = []
    here = Path.cwd()
    for source, seen in sorted(by_source.items()):
        seen.sort(key=lambda item: item[0], reverse=True)
        finished, newest, data = seen[0]
        hashes = data["hash_by_function_name"]
        codes: dict[str, int | None] = {}
        for name in data["exit_code_by_key"]:
            function = name.rpartition(".")[2].rpartition("__mutmut_")[0]
            codes[name] = next(
                (d["exit_code_by_key"].get(name) for _, _, d in seen
                 if d["exit_code_by_key"].get(name) is not None
                 and d["hash_by_function_name"].get(function) == hashes.get(function)), None)
        os.chdir(newest)             # the diffs are read from the newest run's mutants
        try:
            results.append(_tally(source, finished, codes, known))
        finally:
            os.chdir(here)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equivalent", type=Path, required=True,
                        help="the folder of <module>.toml files")
    parser.add_argument("--module", action="append", default=[],
                        help="only these modules (kiosk/domain/lockout.py); repeatable")
    parser.add_argument("--table", action="store_true", help="only the table")
    parser.add_argument("--runs", type=Path, nargs="+", default=[],
                        help="several run folders, merged mutant by mutant (see merged())")
    args = parser.parse_args(argv)
    known: dict[str, dict[str, str]] = {}
    for path in sorted(args.equivalent.glob("*.toml")):
        known |= tomllib.loads(path.read_text(encoding="utf-8"))

    if args.runs:
        results = merged(args.runs, known, args.module)
    else:
        results = tally_run(known, args.module)
    rows = [(r.source, r.tally) for r in results]
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
        for result in results:
            for name, status, removed, added in result.unexplained:
                print(f"{status}: {name}\n    - {removed}\n    + {added}")
            for name in result.stale:
                print(f"stale entry in {args.equivalent}: {name} no longer writes the line "
                      "it names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
