"""The registry facts, accounts and phone lines behind the demo cards (reader/demo.py).

Documented in README so a demo audience can type them: the household numbers, addresses
and permit data below, the password of the already-registered demo person, and one phone
number for each answer the carrier check can give (docs/carriers.md).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from kiosk.domain.binding.carriers import CarrierDirectory
from kiosk.domain.passwords import hash_password
from kiosk.domain.registry import Registry
from kiosk.domain.replacement.banks import BankAccounts
from reader.demo import DEMO_BY_KEY
from store.api import DEMO, StoreBackend
from store.errors import DuplicateError, StorePurposeError

DEMO_PASSWORD = "Demo@2026"
DEMO_STAFF = ("demo", "示範櫃員", "Counter@2026")   # shown on the demo's staff sign-in

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

# 行動電話認證: a line per reason a number is refused, and working lines for three holders.
# (number, carrier, mvno, plan, holder, status); any number not listed is "not one of the five".
DEMO_LINES: tuple[tuple[str, str, bool, str, str | None, str], ...] = (
    ("0911000111", "cht", False, "monthly", "A123456789", "active"),    # 王大明: works
    ("0912345678", "fet", False, "monthly", "J128765432", "active"),    # 張志明: resets password
    ("0933000333", "twm", False, "monthly", "AC01234567", "active"),    # NGUYEN: works
    ("0922333444", "aptg", False, "monthly", "H223456788", "active"),   # 李淑芬: suspended account
    ("0955000555", "cht", False, "parent_child", "A123456789", "active"),  # 林小美 uses it
    ("0966000666", "fet", False, "prepaid", "E123456783", "active"),
    ("0977000777", "twm", False, "company", None, "active"),
    ("0988000888", "中華電信 MVNO", True, "monthly", "B220123455", "active"),
    ("0920000200", "tstar", False, "monthly", "A800000014", "suspended"),
    ("0921000210", "aptg", False, "monthly", "A800000014", "arrears"),
    ("0930000300", "其他業者", False, "monthly", "B220123455", "active"),
)

#: the PIN of the demo's certificate card (nhi-kiosk demo make-certificate-token), published
#: as the demo passwords are
DEMO_CERTIFICATE_PIN = "135790"

DEMO_ACCOUNTS = {
    "registered": {"state": "active", "email": "chang.demo@example.com", "phone": "0912345678"},
    "suspended": {"state": "suspended", "email": "lee.demo@example.com", "phone": "0922333444"},
}


def demo_only(store: StoreBackend) -> None:
    """Demo people and staff have published passwords: they go into a store the demo made
    (``Store.open(..., purpose=DEMO)``) and into no other."""
    if store.purpose != DEMO:
        raise StorePurposeError(store.path, store.purpose, DEMO)


def seed_demo(store: StoreBackend, now: datetime) -> int:
    """Add the demo people (and the two demo accounts) that are missing; idempotent."""
    demo_only(store)
    registry, accounts = Registry(store), store.accounts()
    known = registry.everyone()
    missing = []
    for key, facts in DEMO_FACTS.items():
        card = DEMO_BY_KEY[key].card
        assert card is not None
        person = {"id_no": card.id_no, "name": card.name,
                  "birth_date": card.birth_date.isoformat(), "dependants": [],
                  "card_no": card.card_no, "card_issue_date": card.issue_date.isoformat(),
                  **facts}
        if card.id_no not in known:
            missing.append(person)
        elif "card_no" not in known[card.id_no]:   # seeded before card numbers were
            missing.append(known[card.id_no] | {k: person[k]
                                                for k in ("card_no", "card_issue_date")})
    if missing:
        registry.put_many(missing)   # one commit for all of them
    directory = CarrierDirectory(store)
    lines = directory.everyone()
    new_lines = [{"phone": phone, "carrier": carrier, "mvno": mvno, "plan": plan,
                  "holder_id": holder, "status": status}
                 for phone, carrier, mvno, plan, holder, status in DEMO_LINES
                 if phone not in lines]
    if new_lines:
        directory.put_many(new_lines)
    BankAccounts(store).seed_demo()
    for key in DEMO_ACCOUNTS:
        card = DEMO_BY_KEY[key].card
        assert card is not None
        extra = DEMO_ACCOUNTS.get(key)
        if extra and accounts.get_by_id(card.id_no) is None:
            with contextlib.suppress(DuplicateError):  # another kiosk seeded it just now
                accounts.add({"id_no": card.id_no, "card_no": card.card_no,
                              "card_issue_date": card.issue_date.isoformat(),
                              "name": card.name, "birth_date": card.birth_date.isoformat(),
                              "password_hash": hash_password(DEMO_PASSWORD),
                              "created_at": now.isoformat(), "must_change_password": False,
                              **extra})
    return len(missing)


def seed_demo_staff(store: StoreBackend, clock: Any) -> None:
    """The demo's staff account, so an audience can try staff mode (and leave the demo)."""
    from kiosk.domain.counter.staff import Staff
    from kiosk.domain.errors import KioskError

    demo_only(store)
    staff = Staff(store, clock)
    if not any(doc["staff_id"] == DEMO_STAFF[0] for doc in staff.all()):
        with contextlib.suppress(KioskError):   # added by another kiosk just now
            staff.add(*DEMO_STAFF)
