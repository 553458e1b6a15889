"""kiosk.domain.keyring.machine_key: one key per store, beside it, and a store that knows
its key refuses to run with none or another one."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from kiosk.domain.errors import KioskError
from kiosk.domain.keyring import machine_key
from store.core import Store


def check_value(key: bytes) -> str:
    """What the store remembers of its key: the first 16 hex digits of
    HMAC-SHA256(key, "key check")."""
    return hmac.new(key, b"key check", hashlib.sha256).hexdigest()[:16]


def remembered(store: Store) -> list[dict]:
    return [dict(d) for d in store.db().table("_keys").all()]



def test_the_first_use_makes_a_private_key_beside_the_store_and_remembers_its_check(store):
    key = machine_key(store)
    path = store.path.with_name("machine.key")
    assert path.read_bytes() == key and len(key) == 32
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert key not in store.at_rest()
    assert remembered(store) == [{"name": "machine", "check": check_value(key)}]


def test_every_later_use_and_every_process_gets_the_same_key(store):
    key = machine_key(store)
    assert machine_key(store) == key
    with Store.open(store.path) as other:
        assert machine_key(other) == key
    assert remembered(store) == [{"name": "machine", "check": check_value(key)}]


def test_a_store_that_remembers_this_key_opens_with_it(store):
    key = bytes(range(32))
    store.path.with_name("machine.key").write_bytes(key)
    with store.transaction() as db:
        db.table("_keys").insert({"name": "machine", "check": check_value(key)})
    assert machine_key(store) == key


def test_a_store_without_its_key_file_is_refused_naming_the_file(store):
    machine_key(store)
    path = store.path.with_name("machine.key")
    path.unlink()
    with pytest.raises(KioskError) as info:
        machine_key(store)
    assert (info.value.key, info.value.params) == ("err.key.missing", {"path": str(path)})
    assert not path.exists()


def test_a_store_given_another_key_is_refused_naming_the_file(store):
    machine_key(store)
    path = store.path.with_name("machine.key")
    path.write_bytes(bytes(32))
    with pytest.raises(KioskError) as info:
        machine_key(store)
    assert (info.value.key, info.value.params) == ("err.key.wrong", {"path": str(path)})
