"""A store with the demo registry, a fixed clock and a mail queue that records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import pytest

from kiosk.domain.accounts import Services
from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.demo_people import seed_demo
from kiosk.domain.errors import KioskError, Locked
from kiosk.domain.keyring import Keyring
from kiosk.domain.lockout import Lockout
from kiosk.domain.mail import MailKind, compose, render, reveal_params
from kiosk.domain.registration.forgot_password import ForgotPassword
from kiosk.domain.registration.my_account import MyAccount
from kiosk.domain.registration.register import Registration
from kiosk.domain.registration.sign_in import SignIn
from kiosk.domain.registry import AddressFacts, NationalProof, ResidentProof
from kiosk.domain.validate import is_valid_email
from reader.card import CardData
from reader.demo import DEMO_BY_KEY
from store import Store
from store.api import DEMO

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TAIPEI)
TAIPEI_HOME = AddressFacts("臺北市", "中正區", "水源里", 12)
NATIONAL_PROOF = NationalProof("AB123456", TAIPEI_HOME)
ARC_PROOF = ResidentProof(date(2024, 3, 1), date(2027, 2, 28), "YE00012345")
GOOD = "Nhi@2026x"
STAFF_PASSWORD = "Counter#2026"                # chen01's, in the conftest's staff fixture


def card(key: str) -> CardData:
    found = DEMO_BY_KEY[key].card
    assert found is not None
    return found


def new_card(old: CardData, card_no: str, issued: date) -> CardData:
    return replace(old, card_no=card_no, issue_date=issued)


@dataclass
class RecordingMail:
    """Records each mail's template parameters as the recipient reads them: with the
    secret (code, link, password) derived from the seed the service passed."""

    sent: list[tuple[Any, str, dict[str, Any]]] = field(default_factory=list)
    keyring: Callable[[], Keyring] | None = None

    def queue(self, kind: Any, to: str, **params: Any) -> int:
        """Checks what the real Mailer checks: a usable address and renderable params."""
        if not is_valid_email(to):
            raise ValueError("not a usable e-mail address")
        compose(kind, to, NOW, **params)
        shown = reveal_params(MailKind(kind), params, self.keyring() if self.keyring else None)
        render(kind, NOW, **shown)
        self.sent.append((kind, to, shown))
        return len(self.sent)

    def last(self, kind: Any) -> tuple[str, dict[str, Any]]:
        for k, to, params in reversed(self.sent):
            if k == kind:
                return to, params
        raise AssertionError(f"no {kind} mail in {self.sent}")


@dataclass
class World:
    store: Store
    clock: FixedClock
    mail: RecordingMail
    services: Services
    registration: Registration
    sign_in: SignIn
    my_account: MyAccount
    forgot_password: ForgotPassword


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """The backend under ``world``: "tinydb", or in a module marked ``both_stores`` each of
    "tinydb" and "postgresql" (tests/unit/conftest.py parametrizes it)."""
    return str(getattr(request, "param", "tinydb"))


@pytest.fixture
def world(tmp_path, store_kind: str, request: pytest.FixtureRequest) -> World:
    """The domain over a demo store: a file, or a database of the suite's private
    PostgreSQL server (its own per test)."""
    store: Any
    if store_kind == "postgresql":
        from store.pg import PgStore

        store = PgStore.open(request.getfixturevalue("pg_demo_dsn"),
                             files=tmp_path / "files", purpose=DEMO)
        request.addfinalizer(store.close)
    else:
        store = Store.open(tmp_path / "kiosk.json", purpose=DEMO)
    clock = FixedClock(NOW)
    mail = RecordingMail()
    services = Services(store, clock, mail)
    mail.keyring = services.keyring
    seed_demo(store, NOW)
    return World(store, clock, mail, services, Registration(services), SignIn(services),
                 MyAccount(services), ForgotPassword(services))


@contextmanager
def refused(key: str) -> Iterator[pytest.ExceptionInfo[KioskError]]:
    """Expect a KioskError carrying exactly this catalog key."""
    with pytest.raises(KioskError) as info:
        yield info
    assert info.value.key == key, info.value.key


def luhn_ok(number: str) -> bool:
    """The Luhn rule as ISO/IEC 7812 states it: from the right, double every second digit
    (the check digit itself is not doubled), add the digits, and the total ends in 0."""
    total = 0
    for position, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if position % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


def lock_out(lock: Lockout, who: str) -> None:
    """Wrong guesses until ``lock`` closes for ``who``: the last one raises Locked."""
    for _ in range(lock.limit - 1):
        assert lock.guard(who, lambda: False) is not None
    with pytest.raises(Locked):
        lock.guard(who, lambda: False)
