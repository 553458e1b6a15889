"""Taiwan addresses down to the neighbourhood (鄰): county → district → village → 鄰.

The data ships inside the package as ``kiosk/data/address.json`` (built by
``scripts/build_address_data.py``; sources and licences in docs/address-data.md) and is
loaded once, on first use.

Order is the one Taiwanese address forms use: counties and districts by postal code
(臺北市 100 first, 連江縣 after 新北市), villages by their MOI code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeVar

import orjson

from kiosk.domain.i18n import Catalog

NEIGHBORHOOD_MIN = 1
NEIGHBORHOOD_MAX = 999
_DIGITS = re.compile(r"[0-9]+")


class AddressError(ValueError):
    """A rule broken by user input; ``key`` is the catalog key of the message to show."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class County:
    code: str           # MOI county code, e.g. "63000"
    name: str           # 臺北市
    name_en: str        # Taipei City

    def name_in(self, lang: str) -> str:
        return self.name if lang.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class District:
    code: str           # MOI town code, e.g. "63000050"
    name: str           # 中正區
    name_en: str        # Zhongzheng District
    postal_code: str    # 3-digit Chunghwa Post code, e.g. "100"
    county: County

    def name_in(self, lang: str) -> str:
        return self.name if lang.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Village:
    code: str           # town code + 3-digit serial, e.g. "63000050001"
    name: str           # 水源里
    name_en: str        # Shuiyuan Vil.
    district: District

    def name_in(self, lang: str) -> str:
        return self.name if lang.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Address:
    county: County
    district: District
    village: Village
    neighborhood: int

    def __post_init__(self) -> None:
        if self.district.county != self.county or self.village.district != self.district:
            raise AddressError("address.error.mismatch")
        if not NEIGHBORHOOD_MIN <= self.neighborhood <= NEIGHBORHOOD_MAX:
            raise AddressError("address.error.range")

    @property
    def postal_code(self) -> str:
        return self.district.postal_code

    def format(self, lang: str) -> str:
        """臺北市中正區幸福里12鄰 / 12th Neighborhood, Xingfu Vil., Zhongzheng District, ..."""
        n = str(self.neighborhood) if lang.startswith("zh") else ordinal(self.neighborhood)
        return Catalog(lang).t(
            "address.format",
            county=self.county.name_in(lang),
            district=self.district.name_in(lang),
            village=self.village.name_in(lang),
            neighborhood=n,
        )


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 112th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class _Index:
    counties: tuple[County, ...]
    districts: dict[str, tuple[District, ...]]     # county code -> districts
    villages: dict[str, tuple[Village, ...]]       # district code -> villages
    by_code: dict[str, County | District | Village]


@cache
def _index() -> _Index:
    raw = orjson.loads(resources.files("kiosk").joinpath("data", "address.json").read_bytes())
    counties: list[tuple[str, County]] = []
    districts: dict[str, tuple[District, ...]] = {}
    villages: dict[str, tuple[Village, ...]] = {}
    by_code: dict[str, County | District | Village] = {}
    for c in raw["counties"]:
        county = County(c["code"], c["name"], c["en"])
        own: list[District] = []
        for d in c["districts"]:
            district = District(d["code"], d["name"], d["en"], d["postal"], county)
            own.append(district)
            villages[district.code] = tuple(
                Village(f"{district.code}{serial:03d}", name, en, district)
                for serial, name, en in d["villages"])
            by_code.update((v.code, v) for v in villages[district.code])
        own.sort(key=lambda d: (d.postal_code, d.code))
        districts[county.code] = tuple(own)
        by_code[county.code] = county
        by_code.update((d.code, d) for d in own)
        counties.append((own[0].postal_code, county))
    counties.sort(key=lambda pc: (pc[0], pc[1].code))
    return _Index(tuple(c for _, c in counties), districts, villages, by_code)


def counties() -> list[County]:
    return list(_index().counties)


def districts(county_code: str) -> list[District]:
    return list(_index().districts.get(county_code, ()))


def villages(district_code: str) -> list[Village]:
    return list(_index().villages.get(district_code, ()))


def by_code(code: str) -> County | District | Village | None:
    """The county (5 digits), district (8) or village (11) with this MOI code."""
    return _index().by_code.get(code)


def normalize(text: str) -> str:
    """For matching: full-width folded, 台 read as 臺, case and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).replace("台", "臺").casefold()
    return " ".join(text.split())


def find_county(name: str) -> County | None:
    """The county called ``name`` (台北市 == 臺北市; English names too), or None."""
    wanted = normalize(name)
    for county in _index().counties:
        if wanted in (normalize(county.name), normalize(county.name_en)):
            return county
    return None


Choice = TypeVar("Choice", bound=County | District | Village)


def filter_options(options: Sequence[Choice], text: str) -> list[Choice]:
    """The options matching what the user typed: a substring of the Chinese name (台 = 臺),
    of the English name (any case), or of a district's postal code. Options that start with
    the text come first; otherwise the given order is kept."""
    query = normalize(text)
    if not query:
        return list(options)
    starts: list[Choice] = []
    contains: list[Choice] = []
    for option in options:
        keys = (normalize(option.name), normalize(option.name_en),
                getattr(option, "postal_code", ""))
        if any(key.startswith(query) for key in keys):
            starts.append(option)
        elif any(query in key for key in keys):
            contains.append(option)
    return starts + contains


def parse_neighborhood(text: str) -> int:
    """The 鄰 number typed by the user (ASCII or full-width digits), 1 to 999."""
    digits = unicodedata.normalize("NFKC", text).strip()
    if not _DIGITS.fullmatch(digits):
        raise AddressError("address.error.digits")
    number = int(digits)
    if not NEIGHBORHOOD_MIN <= number <= NEIGHBORHOOD_MAX:
        raise AddressError("address.error.range")
    return number
