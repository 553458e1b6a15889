"""The registry facts and accounts behind the demo cards (reader/demo.py).

Documented in README so a demo audience can type them: the household numbers, addresses
and permit data below, and the password of the already-registered demo person.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from kiosk.domain.passwords import hash_password
from kiosk.domain.registry import Registry
from reader.demo import DEMO_BY_KEY
from store.core import Store
from store.errors import DuplicateError
from store.repos import Accounts

DEMO_PASSWORD = "Demo@2026"

_TAIPEI = {"county": "臺北市", "district": "中正區", "village": "水源里", "neighborhood": 12}

DEMO_FACTS: dict[str, dict[str, Any]] = {
    "national": {"household_no": "AB123456", "address": _TAIPEI, "dependants": ["F229876540"]},
    "child": {"household_no": "AB123456", "address": _TAIPEI},
    "resident_arc": {"permit": {"issue_date": "2024-03-01", "expiry_date": "2027-02-28",
                                "serial": "YE00012345"}},
    "resident_ui": {"permit": {"issue_date": "2025-05-01", "expiry_date": "2028-04-30",
                               "serial": "YU00067890"}},
    "cp950_ext": {"household_no": "KC765432",
                  "address": {"county": "高雄市", "district": "苓雅區", "village": "博仁里",
                              "neighborhood": 3}},
    "long_name": {"household_no": "BD246810",
                  "address": {"county": "臺中市", "district": "西屯區", "village": "西安里",
                              "neighborhood": 21}},
    "registered": {"household_no": "FB135790",
                   "address": {"county": "新北市", "district": "板橋區", "village": "留侯里",
                               "neighborhood": 7}},
    "suspended": {"household_no": "FC112233",
                  "address": {"county": "新北市", "district": "板橋區", "village": "流芳里",
                              "neighborhood": 5}},
}

DEMO_ACCOUNTS = {
    "registered": {"state": "active", "email": "chang.demo@example.com", "phone": "0912345678"},
    "suspended": {"state": "suspended", "email": "lee.demo@example.com", "phone": "0922333444"},
}


def seed_demo(store: Store, now: datetime) -> int:
    """Add the demo people (and the two demo accounts) that are missing; idempotent."""
    registry, accounts = Registry(store), Accounts(store)
    known = registry.everyone()
    missing = []
    for key, facts in DEMO_FACTS.items():
        card = DEMO_BY_KEY[key].card
        assert card is not None
        if card.id_no not in known:
            missing.append({"id_no": card.id_no, "name": card.name,
                            "birth_date": card.birth_date.isoformat(),
                            "dependants": [], **facts})
    if missing:
        registry.put_many(missing)   # one commit for all of them
    for key in DEMO_ACCOUNTS:
        card = DEMO_BY_KEY[key].card
        assert card is not None
        extra = DEMO_ACCOUNTS.get(key)
        if extra and accounts.get_by_id(card.id_no) is None:
            with contextlib.suppress(DuplicateError):  # another kiosk seeded it just now
                accounts.add({"id_no": card.id_no, "card_no": card.card_no,
                              "card_issue_date": card.issue_date.isoformat(),
                              "name": card.name,
                              "password_hash": hash_password(DEMO_PASSWORD),
                              "created_at": now.isoformat(), "must_change_password": False,
                              **extra})
    return len(missing)
