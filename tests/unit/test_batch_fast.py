"""整批健保卡註冊 at 100,000 rows: the per-row work of an import is cheap (one welcome mail
composed, the machine key set up once, a first import looks up only its first rows) and
makes exactly what it made before: the same mail records, the same password hashes, the same
derived passwords; a re-import still looks everyone up and makes nothing for them."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.counter import batch as batch_module
from kiosk.domain.counter.batch import PROBE_ROWS, Batch
from kiosk.domain.i18n import Catalog
from kiosk.domain.keyring import HmacSha256, Keyring
from kiosk.domain.mail import MailKind, compose_deferred
from kiosk.domain.passwords import (
    MACHINE_ALPHABET,
    MACHINE_LENGTH,
    hash_machine_password,
    verify_password,
)
from kiosk.domain.validate import is_valid_id
from store.outbox import Outbox
from tests.unit.test_keyring_derive import expected_derivation

UNIT = "110121009"
NAME = f"{UNIT}20160207.CSV"
NEW = ("A123456789", "B220123455", "E123456783", "F229876540")
REGISTERED = "J128765432"     # in the domain world already


def _file(folder: Path, ids: tuple[str, ...]) -> Path:
    path = folder / NAME
    path.write_text("身分證號,電子郵件,手機\n" + "".join(
        f"{id_no},staff{n}@example.com,09{n:08d}\n" for n, id_no in enumerate(ids)),
        encoding="utf-8")
    return path


def _import(world: Any, folder: Path, ids: tuple[str, ...] = NEW) -> Any:
    return Batch(world.services).import_file(_file(folder, ids), folder / "reports",
                                             Catalog("en"))


def test_each_welcome_mail_is_what_compose_deferred_makes_of_its_row(world, tmp_path):
    _import(world, tmp_path)
    keyring = world.services.keyring()
    by_mail = {a["email"]: a["id_no"] for a in world.services.accounts.all()}
    stored = [m for m in Outbox(world.store).mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert sorted(m["to"] for m in stored) == [f"staff{n}@example.com" for n in range(4)]
    for record in stored:
        seed = record["params"]["seed"]
        expected = compose_deferred(MailKind.BATCH_WELCOME, record["to"], world.clock.now(),
                                    unit=UNIT, seed=seed,
                                    holder=keyring.digest("holder", by_mail[record["to"]]))
        assert {k: v for k, v in record.items() if k != "id"} == expected
    assert len({m["params"]["seed"] for m in stored}) == len(stored)


def _ids(count: int) -> tuple[str, ...]:
    """``count`` valid national ID numbers (the check digit found by trying each)."""
    out = []
    for n in range(count):
        head = f"A1{n:07d}"
        out.append(next(head + d for d in "0123456789" if is_valid_id(head + d)))
    return tuple(out)


def _watch(world: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What an import asks for: compose_deferred calls, account lookups, and the
    passwords it makes and hashes (one per account it prepares)."""
    seen: dict[str, list[Any]] = {"composed": [], "looked_up": [], "hashed": []}
    compose, hash_ = batch_module.compose_deferred, batch_module.hash_machine_password
    get_by_id = world.services.accounts.get_by_id

    def composing(*args: Any, **params: Any) -> Any:
        seen["composed"].append(args)
        return compose(*args, **params)

    def looking_up(id_no: str) -> Any:
        seen["looked_up"].append(id_no)
        return get_by_id(id_no)

    def hashing(password: str, key: Any) -> str:
        seen["hashed"].append(password)
        return hash_(password, key)

    monkeypatch.setattr(batch_module, "compose_deferred", composing)
    monkeypatch.setattr(world.services.accounts, "get_by_id", looking_up)
    monkeypatch.setattr(batch_module, "hash_machine_password", hashing)
    return seen


def test_a_first_import_composes_one_mail_and_looks_up_only_its_first_rows(world, tmp_path,
                                                                          monkeypatch):
    ids = _ids(PROBE_ROWS + 50)
    seen = _watch(world, monkeypatch)
    assert _import(world, tmp_path, ids).imported == len(ids)
    assert len(seen["composed"]) == 1 and len(set(seen["hashed"])) == len(ids)
    assert seen["looked_up"] == list(ids[:PROBE_ROWS])


def test_each_welcome_mail_is_a_record_of_its_own(world):
    # erasing one mail's seed (delivery does) must never touch another's, nor the template
    welcome = batch_module._Welcome(UNIT, world.clock.now())
    one, two = welcome("a@example.com", "s1", "h1"), welcome("b@example.com", "s2", "h2")
    assert one is not two and one["params"] is not two["params"]
    one["params"].pop("seed")
    assert two["params"]["seed"] == "s2"
    assert welcome("c@example.com", "s3", "h3")["params"] == {"unit": UNIT, "seed": "s3",
                                                              "holder": "h3"}


def test_a_re_import_looks_everyone_up_and_makes_no_password_or_mail(world, tmp_path,
                                                                    monkeypatch):
    ids = _ids(PROBE_ROWS + 50)
    _import(world, tmp_path, ids)
    seen = _watch(world, monkeypatch)
    again = _import(world, tmp_path, ids + NEW)     # the unit's list again, 4 people added
    assert (again.imported, again.already_registered) == (len(NEW), len(ids))
    assert seen["looked_up"] == list(ids + NEW)
    assert len(seen["hashed"]) == len(NEW)          # passwords for the new people only
    welcome = [m for m in Outbox(world.store).mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert len(welcome) == len(ids) + len(NEW)


def test_an_import_sets_the_machine_key_up_once_not_per_row(world, tmp_path, monkeypatch):
    world.services.machine_key()          # made (and checked) before counting
    calls: list[bytes] = []
    real_new, real_digest = hmac.new, hmac.digest

    def new(key: bytes, *args: Any, **kwargs: Any) -> Any:
        calls.append(key)
        return real_new(key, *args, **kwargs)

    def digest(key: bytes, *args: Any, **kwargs: Any) -> Any:
        calls.append(key)
        return real_digest(key, *args, **kwargs)

    monkeypatch.setattr(hmac, "new", new)
    monkeypatch.setattr(hmac, "digest", digest)
    assert _import(world, tmp_path).imported == len(NEW)
    assert len(calls) <= 2                # 3 HMACs per row before: 12 here


def test_a_person_already_registered_gets_no_new_account_or_mail_beside_new_ones(world,
                                                                                  tmp_path):
    before = world.services.accounts.get_by_id(REGISTERED)
    report = _import(world, tmp_path, (NEW[0], REGISTERED, NEW[1]))
    assert (report.imported, report.already_registered) == (2, 1)
    assert world.services.accounts.get_by_id(REGISTERED) == before
    welcome = [m for m in Outbox(world.store).mails() if m["kind"] == MailKind.BATCH_WELCOME]
    assert sorted(m["to"] for m in welcome) == ["staff0@example.com", "staff2@example.com"]
    keyring, key = world.services.keyring(), world.services.machine_key()
    for mail in welcome:     # each new person logs in with the password their mail shows
        account = next(a for a in world.services.accounts.all() if a["email"] == mail["to"])
        password = keyring.derive(mail["params"]["seed"], MACHINE_ALPHABET, MACHINE_LENGTH)
        assert verify_password(password, account["password_hash"], key)


@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_the_pre_keyed_hmac_is_hmac_sha256(key, message):
    assert HmacSha256(key)(message) == hmac.digest(key, message, "sha256")


@pytest.mark.parametrize("length", [0, 1, 32, 63, 64, 65, 128])
def test_the_pre_keyed_hmac_is_hmac_sha256_for_every_key_length(length):
    key = bytes(range(1, length + 1))
    mac = HmacSha256(key)
    for message in (b"", b"derive\0seed\x000", bytes(1000)):
        assert mac(message) == hmac.new(key, message, hashlib.sha256).digest()
        assert mac(message) == mac(message)       # no state kept from one call to the next
    assert repr(mac) == "HmacSha256(<key>)"                   # never the key


def test_a_default_password_hash_is_the_same_string_as_before():
    key, password = bytes(range(32)), "Q7wErTy9UiOp"
    before = "hmac-sha256$" + hmac.new(key, password.encode(), hashlib.sha256).hexdigest()
    assert hash_machine_password(password, key) == before
    assert hash_machine_password(password, HmacSha256(key)) == before
    assert verify_password(password, before, key)              # stored by earlier imports
    assert not verify_password("Q7wErTy9UiOq", before, key)


@pytest.mark.parametrize("alphabet", [
    "".join(chr(0x20 + i) for i in range(200)),     # within Latin-1, bytes 200..255 skipped
    "".join(chr(i) for i in range(256)),            # all of Latin-1: nothing skipped
    MACHINE_ALPHABET,
], ids=["latin1-200", "latin1-256", "machine"])
def test_a_latin_1_alphabet_derives_by_the_published_rule(alphabet):
    key = bytes(range(32))
    ring = Keyring(key)
    for seed in ("0f" * 16, "seed-1", "seed-2"):
        assert ring.derive(seed, alphabet, 300) == expected_derivation(key, seed, alphabet, 300)


def test_a_skewed_latin_1_alphabet_never_favours_its_first_letters():
    alphabet = "".join(chr(0x20 + i) for i in range(200))
    text = "".join(Keyring(bytes(32)).derive(f"s{n}", alphabet, 100) for n in range(200))
    first = sum(text.count(c) for c in alphabet[:56])
    assert abs(first / len(text) - 56 / 200) < 0.02
