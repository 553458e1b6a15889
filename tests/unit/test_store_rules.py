"""Rules of store/core.py and store/keyed.py seen from the caller: what a damaged or foreign
file is called, schema and purpose checks, which transactions write, appends, the lock's
default wait, the thread rules, and keyed tables over a store another process wrote."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson
import pytest

from store import _lock
from store._lock import FileLock
from store.api import DEMO, KIOSK
from store.core import Store
from store.errors import (
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StorePurposeError,
    StoreVersionError,
)
from store.keyed import KeyedTable
from store.repos import Accounts


def account(n: int) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active"}


def in_other_thread(action) -> BaseException | None:
    """Run ``action`` in another thread; what it raised, or None."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            action()
        except BaseException as exc:   # handed back to the test
            raised[0] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return raised[0]


# -- what a damaged file is called ----------------------------------------------------------

REASONS = {
    "empty": (b"", "the file is empty"),
    "list": (b'[{"_meta": 1}]', "top level is a JSON list, not an object"),
    "table not object": (b'{"_meta":{"1":{"schema":1}},"accounts":[1,2]}',
                         "table 'accounts' is not an object of documents"),
    "document not object": (b'{"_meta":{"1":{"schema":1}},"accounts":{"1":5}}',
                            "table 'accounts' is not an object of documents"),
    "no schema": (b'{"accounts":{}}', "no schema version in table '_meta'"),
    "no meta document": (b'{"_meta":{},"accounts":{}}', "no schema version in table '_meta'"),
    "schema as text": (b'{"_meta":{"1":{"schema":"1"}}}', "no schema version in table '_meta'"),
    "schema as true": (b'{"_meta":{"1":{"schema":true}}}', "no schema version in table '_meta'"),
}


@pytest.mark.parametrize(("content", "reason"), REASONS.values(), ids=REASONS.keys())
def test_a_damaged_file_is_refused_with_its_reason(db_path: Path, content: bytes,
                                                   reason: str) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(StoreCorruptError) as info:
        Store.open(db_path)
    assert info.value.reason == reason
    assert f"({reason})" in str(info.value)
    assert db_path.read_bytes() == content


def test_invalid_json_says_so(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b'{"_meta":')
    with pytest.raises(StoreCorruptError) as info:
        Store.open(db_path)
    assert info.value.reason.startswith("invalid JSON: ")


def test_a_file_that_cannot_be_read_gives_the_systems_words(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(StoreCorruptError) as info:
        Store.open(db_path)
    assert info.value.reason == "cannot read it: Is a directory"


def test_a_failed_transaction_reports_its_own_error_even_when_the_file_went_bad(
        store: Store, db_path: Path) -> None:
    Accounts(store).add(account(1))
    with pytest.raises(ValueError, match="the caller's"), store.transaction() as db:
        db.table("accounts").insert(account(2))
        db_path.write_bytes(b"garbage")        # a disk error, or a person with an editor
        raise ValueError("the caller's own problem")
    with pytest.raises(StoreCorruptError):     # and the damage shows on the next access
        store.db()


# -- schema versions --------------------------------------------------------------------------


def test_a_newer_schema_tells_what_to_do(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(orjson.dumps({"_meta": {"1": {"schema": Store.SCHEMA_VERSION + 1}}}))
    with pytest.raises(StoreVersionError) as info:
        Store.open(db_path)
    assert str(info.value) == (
        f"{db_path} has schema version {Store.SCHEMA_VERSION + 1} but this program only "
        f"understands up to {Store.SCHEMA_VERSION}; it was written by a newer kiosk version. "
        "Upgrade the program; the file was left untouched.")


def test_a_missing_migration_names_both_versions(db_path: Path, monkeypatch) -> None:
    Store.open(db_path).close()
    now = Store.SCHEMA_VERSION
    monkeypatch.setattr(Store, "SCHEMA_VERSION", now + 2)
    monkeypatch.setattr(Store, "MIGRATIONS", {**Store.MIGRATIONS, now: lambda tables: None})
    with pytest.raises(StoreVersionError) as info:
        Store.open(db_path)
    assert str(info.value) == (f"{db_path} has schema version {now}; no migration from version "
                               f"{now + 1} to {now + 2} exists. The file was left untouched.")


def test_a_failing_migration_is_reported_and_leaves_the_file(db_path: Path,
                                                             monkeypatch) -> None:
    Store.open(db_path).close()
    content = db_path.read_bytes()

    def broken(tables: dict) -> None:
        raise KeyError("accounts")

    now = Store.SCHEMA_VERSION
    journal = db_path.with_name(db_path.name + ".journal").read_bytes()
    monkeypatch.setattr(Store, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(Store, "MIGRATIONS", {**Store.MIGRATIONS, now: broken})
    with pytest.raises(StoreError) as info:
        Store.open(db_path)
    assert str(info.value) == (f"migrating {db_path} from schema {now} failed: "
                               "KeyError('accounts')")
    assert db_path.read_bytes() == content
    assert db_path.with_name(db_path.name + ".journal").read_bytes() == journal


def test_a_migrated_file_records_the_new_schema_and_keeps_its_purpose(db_path: Path,
                                                                      monkeypatch) -> None:
    Store.open(db_path, purpose=DEMO).close()
    now = Store.SCHEMA_VERSION
    monkeypatch.setattr(Store, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(Store, "MIGRATIONS", {**Store.MIGRATIONS, now: lambda tables: None})
    Store.open(db_path, purpose=DEMO).close()
    meta = orjson.loads(db_path.read_bytes())["_meta"]
    assert list(meta) == ["1"]
    assert list(meta["1"]) == ["store", "seq", "schema", "commit", "purpose"]
    assert meta["1"]["schema"] == now + 1 and meta["1"]["purpose"] == DEMO


# -- what a store was made for ------------------------------------------------------------------


def test_a_demo_store_stays_a_demo_store_and_a_kiosk_refuses_it(db_path: Path) -> None:
    with Store.open(db_path, purpose=DEMO) as demo:
        Accounts(demo).add(account(1))             # commits keep the purpose
    with Store.open(db_path, purpose=DEMO) as demo:
        assert demo.purpose == DEMO
    with pytest.raises(StorePurposeError) as info:
        Store.open(db_path)
    assert (info.value.path, info.value.found, info.value.wanted) == (db_path, DEMO, KIOSK)
    assert str(info.value) == f"{db_path} is a demo store, not a kiosk store"


# -- which transactions write -------------------------------------------------------------------


def test_opening_an_existing_store_does_not_rewrite_it(db_path: Path) -> None:
    with Store.open(db_path) as store:
        Accounts(store).add(account(1))
    before = os.stat(db_path)
    content = db_path.read_bytes()
    with Store.open(db_path) as store:
        assert Accounts(store).count() == 1
        with store.transaction() as db:
            db.table("accounts").all()
    assert os.stat(db_path).st_ino == before.st_ino and db_path.read_bytes() == content


def test_a_transaction_that_only_appends_is_saved(store: Store, db_path: Path) -> None:
    with store.transaction():
        assert store.append("mails", [{"to": "a@example.org"}, {"to": "b@example.org"}]) == [1, 2]
    with Store.open(db_path) as again:
        assert [m["to"] for m in again.db().table("mails").all()] == [
            "a@example.org", "b@example.org"]


def test_append_continues_after_the_last_id_given_in_the_transaction_even_if_removed(
        store: Store) -> None:
    with store.transaction() as db:
        table = db.table("t")
        assert table.insert_multiple([{"n": 1}, {"n": 2}, {"n": 3}]) == [1, 2, 3]
        table.remove(doc_ids=[3])
        assert store.append("t", [{"n": 4}]) == [4]     # 3 stays retired, as TinyDB has it
        assert table.insert({"n": 5}) == 5
    assert [d["n"] for d in store.db().table("t").all()] == [1, 2, 4, 5]


# -- the lock ---------------------------------------------------------------------------------


def test_by_default_a_kiosk_waits_ten_seconds_for_the_lock(db_path: Path, monkeypatch) -> None:
    store = Store.open(db_path)
    holder = FileLock(store.lock_path)
    holder.acquire(timeout=1)
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(_lock.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(_lock.time, "sleep", sleep)
    try:
        with pytest.raises(StoreLockedError) as info, store.transaction():
            pass
    finally:
        monkeypatch.undo()
        holder.release()
    assert "within 10 s" in str(info.value)
    assert 10 <= clock[0] < 10.1
    store.close()


# -- one thread's transaction -------------------------------------------------------------------


def test_another_thread_cannot_hook_into_or_append_to_this_threads_transaction(
        store: Store) -> None:
    with store.transaction():
        hooked = in_other_thread(lambda: store.after_commit(lambda: None))
        appended = in_other_thread(lambda: store.append("t", [{"n": 1}]))
        side = in_other_thread(lambda: store.write_side_file(".x", b"x"))
    assert isinstance(hooked, StoreError) and str(hooked) == (
        "Store.after_commit() only works inside this thread's transaction()")
    assert isinstance(appended, StoreError) and str(appended) == (
        "Store.append() only works inside this thread's transaction()")
    assert isinstance(side, StoreError) and str(side) == (
        "Store.write_side_file() only works under this thread's lock")
    assert "t" not in store.db().storage.read()
    assert not store.side_path(".x").exists()


def test_a_closed_store_says_which(store: Store, db_path: Path) -> None:
    store.close()
    with pytest.raises(StoreError) as info:
        store.db()
    assert str(info.value) == f"store {db_path} is closed"


# -- keyed tables -------------------------------------------------------------------------------


def test_a_keyed_table_on_a_freshly_opened_store_finds_what_is_stored(db_path: Path) -> None:
    with Store.open(db_path) as store:
        KeyedTable(store, "people", "id_no").put({"id_no": "A1", "name": "王小明"})
    with Store.open(db_path) as store:
        people = KeyedTable(store, "people", "id_no")
        assert people.get("A1") == {"id_no": "A1", "name": "王小明"}
        assert people.get("B2") is None


def test_modify_many_leaves_keys_the_change_left_out_and_goes_on_with_the_rest(
        store: Store) -> None:
    people = KeyedTable(store, "people", "id_no")
    people.put_many([{"id_no": "A1", "n": 1}, {"id_no": "B2", "n": 2}, {"id_no": "C3", "n": 3}])
    created = people.modify_many(
        ["A1", "B2", "C3", "D4"],
        lambda old: {"B2": {**old["B2"], "n": 20}, "C3": None, "D4": {"n": 4}})
    assert created == {"D4"}
    assert people.get_many() == {"A1": {"id_no": "A1", "n": 1}, "B2": {"id_no": "B2", "n": 20},
                                 "D4": {"n": 4, "id_no": "D4"}}


def test_get_many_skips_documents_without_the_key(store: Store) -> None:
    with store.transaction() as db:
        db.table("people").insert_multiple([{"id_no": "A1"}, {"name": "no key"}])
    assert KeyedTable(store, "people", "id_no").get_many() == {"A1": {"id_no": "A1"}}


def test_modifying_a_document_into_what_it_is_does_not_rewrite_the_file(
        store: Store, db_path: Path) -> None:
    people = KeyedTable(store, "people", "id_no")
    people.put({"id_no": "A1", "n": 1})
    before = os.stat(db_path).st_ino
    assert people.modify("A1", lambda old: dict(old)) is False
    assert os.stat(db_path).st_ino == before


def test_a_transaction_that_drops_every_table_leaves_an_empty_valid_store(
        store: Store, db_path: Path) -> None:
    Accounts(store).add(account(1))
    with store.transaction() as db:
        db.drop_tables()
    with Store.open(db_path) as again:
        assert again.purpose == KIOSK and Accounts(again).count() == 0
        assert Accounts(again).add(account(2)) == 1


def test_after_its_own_commits_the_store_numbers_on_where_it_left_off(store: Store) -> None:
    with store.transaction() as db:
        assert db.table("t").insert_multiple([{"n": 1}, {"n": 2}, {"n": 3}]) == [1, 2, 3]
    with store.transaction() as db:
        db.table("t").remove(doc_ids=[3])
    with store.transaction() as db:
        assert db.table("t").insert({"n": 4}) == 4      # 3 is not given to another document
