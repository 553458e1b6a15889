#!/usr/bin/env python3
"""Build ``kiosk/data/address.json`` from the shared Taiwan address CSVs.

    python scripts/build_address_data.py [--src DIR] [--out FILE]

Inputs (see docs/address-data.md for sources and licences):
  tw_districts_postal.csv  county_code, county_id, county, town_code, town, town_en, postal_code
  tw_villages.csv          ..., town_code, ..., village_code, village, village_unicode, village_en

Output: compact UTF-8 JSON, deterministic (counties by county code, districts by town code,
villages by village code), so rebuilding from the same CSVs gives the same bytes:

    {"counties": [{"code", "name", "en", "districts": [
        {"code", "name", "en", "postal", "villages": [[serial, name, en], ...]}]}]}

A village's code is its district's 8-digit town code plus the 3-digit ``serial``.
The CSVs carry no English county names, so the official ones are listed here.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = Path("/work/shared/data")
DEFAULT_OUT = ROOT / "kiosk" / "data" / "address.json"

# Official English names (Ministry of the Interior), keyed by MOI county code.
COUNTY_EN = {
    "09007": "Lienchiang County",
    "09020": "Kinmen County",
    "10002": "Yilan County",
    "10004": "Hsinchu County",
    "10005": "Miaoli County",
    "10007": "Changhua County",
    "10008": "Nantou County",
    "10009": "Yunlin County",
    "10010": "Chiayi County",
    "10013": "Pingtung County",
    "10014": "Taitung County",
    "10015": "Hualien County",
    "10016": "Penghu County",
    "10017": "Keelung City",
    "10018": "Hsinchu City",
    "10020": "Chiayi City",
    "63000": "Taipei City",
    "64000": "Kaohsiung City",
    "65000": "New Taipei City",
    "66000": "Taichung City",
    "67000": "Tainan City",
    "68000": "Taoyuan City",
}

EXPECTED = {"counties": 22, "districts": 368, "villages": 7748}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build(src: Path) -> dict:
    towns = _rows(src / "tw_districts_postal.csv")
    villages_by_town: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in _rows(src / "tw_villages.csv"):
        code = row["village_code"]
        if not code.startswith(row["town_code"]) or len(code) != 11:
            raise ValueError(f"village code {code} is not town code + 3 digits")
        villages_by_town[row["town_code"]].append(
            (code, row["village_unicode"].strip(), row["village_en"].strip()))

    counties: dict[str, dict] = {}
    for row in sorted(towns, key=lambda r: (r["county_code"], r["town_code"])):
        county = counties.setdefault(row["county_code"], {
            "code": row["county_code"],
            "name": row["county"].strip(),
            "en": COUNTY_EN[row["county_code"]],
            "districts": [],
        })
        county["districts"].append({
            "code": row["town_code"],
            "name": row["town"].strip(),
            "en": row["town_en"].strip(),
            "postal": row["postal_code"].strip(),
            "villages": [[int(code[8:]), name, en]
                         for code, name, en in sorted(villages_by_town.pop(row["town_code"], []))],
        })
    if villages_by_town:
        raise ValueError(f"villages of unknown districts: {sorted(villages_by_town)}")

    data = {"counties": list(counties.values())}
    found = {
        "counties": len(data["counties"]),
        "districts": sum(len(c["districts"]) for c in data["counties"]),
        "villages": sum(len(d["villages"]) for c in data["counties"] for d in c["districts"]),
    }
    if found != EXPECTED:
        raise ValueError(f"unexpected counts {found}, expected {EXPECTED}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder with the CSVs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    args = parser.parse_args(argv)
    data = build(args.src)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
