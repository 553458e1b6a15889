"""Single-process tests of store/: file safety, schema handling, transactions, indexes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from tinydb import Query

from store.bulk import add_new_accounts
from store.core import Store, encode
from store.errors import (
    DuplicateError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
)
from store.paths import default_db_path
from store.repos import Accounts

ROOT = Path(__file__).resolve().parents[2]



def account(n: int, **extra: object) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active", **extra}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def saved(path: Path) -> dict:
    """The tables as the files hold them: what a process opening the store now reads."""
    with Store.open(path) as fresh:
        return {name: dict(table) for name, table in fresh.db().storage.read().items()}


# -- files and modes ----------------------------------------------------------------------


def test_files_are_private_even_with_permissive_umask(db_path: Path) -> None:
    old = os.umask(0)
    try:
        store = Store.open(db_path)
        Accounts(store).add(account(1))
        store.compact()
    finally:
        os.umask(old)
    assert mode(db_path.parent) == 0o700
    for name in ("kiosk.json", "kiosk.json.bak", "kiosk.json.lock", "kiosk.json.journal"):
        assert mode(db_path.with_name(name)) == 0o600, name
    assert sorted(os.listdir(db_path.parent)) == ["kiosk.json", "kiosk.json.bak",
                                                  "kiosk.json.journal", "kiosk.json.lock"]


def test_backup_is_the_snapshot_before_the_last_compaction(store: Store, db_path: Path) -> None:
    accounts = Accounts(store)
    accounts.add(account(1))
    assert not db_path.with_name("kiosk.json.bak").exists()   # a commit writes no snapshot
    store.compact()
    before = db_path.read_bytes()
    assert b"A000000001" in before
    accounts.add(account(2))
    store.compact()
    assert db_path.with_name("kiosk.json.bak").read_bytes() == before
    assert Store.open(db_path).db().table("accounts").count(Query().id_no == account(2)["id_no"])


def test_a_compaction_after_an_erasing_one_leaves_no_second_name_of_the_old_snapshot(
        store: Store, db_path: Path) -> None:
    """After an erasure the backup is the snapshot itself; the next compaction's backup
    link used to stay behind as a temp file, keeping a whole old snapshot on disk."""
    with store.transaction() as db:
        db.table("outbox").insert({"seed": "gone soon"})
        store.erase_soon()
    assert os.path.samefile(db_path, db_path.with_name("kiosk.json.bak"))
    Accounts(store).add(account(1))
    store.compact()
    assert sorted(os.listdir(db_path.parent)) == ["kiosk.json", "kiosk.json.bak",
                                                  "kiosk.json.journal", "kiosk.json.lock"]


def test_stale_temp_files_are_removed_on_open(store: Store, db_path: Path) -> None:
    stale = db_path.with_name(".kiosk.json.tmp-999-dead")
    stale.write_bytes(b"half written")
    Store.open(db_path)
    assert not stale.exists()


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "nhi-kiosk" / "kiosk.json"


def test_store_never_imports_textual() -> None:
    code = "import sys, store, store.repos; assert 'textual' not in sys.modules, 'textual'"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=30)


# -- corrupt and foreign files ------------------------------------------------------------

CORRUPT = {
    "garbage": b"\x00\xff\x13garbage\x9c",
    "truncated": b'{"_meta":{"1":{"schema":1}},"accounts":{"1":{"id_no":"A1"',
    "empty": b"",
    "list": b'[{"_meta": 1}]',
    "table not object": b'{"_meta":{"1":{"schema":1}},"accounts":[1,2]}',
    "no schema": b'{"accounts":{}}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_is_reported_and_untouched(db_path: Path, content: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(StoreCorruptError) as info:
        Store.open(db_path)
    assert info.value.path == db_path
    assert info.value.backup is None
    assert str(db_path) in str(info.value)
    assert "no backup" in str(info.value)
    assert db_path.read_bytes() == content


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corruption_seen_by_open_store_names_backup(
    store: Store, db_path: Path, content: bytes
) -> None:
    accounts = Accounts(store)
    accounts.add(account(1))
    store.compact()  # now kiosk.json.bak exists
    accounts.add(account(2))
    tmp = db_path.with_name("replacement")
    tmp.write_bytes(content)
    os.replace(tmp, db_path)  # as another process would

    backup = db_path.with_name("kiosk.json.bak")
    for attempt in (store.db, accounts.count, lambda: accounts.add(account(3))):
        with pytest.raises(StoreCorruptError) as info:
            attempt()
        assert info.value.backup == backup
        assert str(db_path) in str(info.value) and str(backup) in str(info.value)
    assert db_path.read_bytes() == content


def test_unreadable_path_is_corrupt_not_overwritten(db_path: Path) -> None:
    db_path.mkdir(parents=True)  # a directory where the file should be: EISDIR
    with pytest.raises(StoreCorruptError, match="cannot read"):
        Store.open(db_path)
    assert db_path.is_dir() and not any(db_path.iterdir())


def test_permission_denied_is_corrupt_not_overwritten(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES on reading (root reads mode-000 files, so the refusal is injected)."""
    content = db_path.read_bytes()
    real_open = os.open

    def refuse(path: object, flags: int, *args: object, **kw: object) -> int:
        if Path(str(path)) == db_path and not flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(StoreCorruptError, match="cannot read"):
        Store.open(db_path)
    monkeypatch.undo()
    assert db_path.read_bytes() == content


# -- schema versions ----------------------------------------------------------------------


def test_newer_schema_is_refused_and_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    content = orjson.dumps({"_meta": {"1": {"schema": Store.SCHEMA_VERSION + 1}}, "accounts": {}})
    db_path.write_bytes(content)
    with pytest.raises(StoreVersionError, match="newer"):
        Store.open(db_path)
    assert db_path.read_bytes() == content


def test_migration_runs_once_and_is_committed(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Accounts(Store.open(db_path)).add(account(1))
    calls: list[int] = []

    def add_flag(tables: dict) -> None:
        calls.append(1)
        for doc in tables["accounts"].values():
            doc["flag"] = True

    now = Store.SCHEMA_VERSION
    monkeypatch.setattr(Store, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(Store, "MIGRATIONS", {**Store.MIGRATIONS, now: add_flag})
    first = Store.open(db_path)
    assert Accounts(first).get_by_id(account(1)["id_no"])["flag"] is True
    Store.open(db_path)
    first.db()
    assert calls == [1]
    raw = orjson.loads(db_path.read_bytes())      # a migration writes the snapshot anew
    assert raw["_meta"]["1"]["schema"] == now + 1
    assert raw["accounts"]["1"]["flag"] is True


def test_missing_migration_is_refused(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(db_path)
    content = db_path.read_bytes()
    now = Store.SCHEMA_VERSION
    monkeypatch.setattr(Store, "SCHEMA_VERSION", now + 2)
    monkeypatch.setattr(Store, "MIGRATIONS", {**Store.MIGRATIONS, now: lambda tables: None})
    with pytest.raises(StoreVersionError, match=f"no migration from version {now + 1}"):
        Store.open(db_path)
    assert db_path.read_bytes() == content


# -- transactions -------------------------------------------------------------------------


def test_failed_transaction_leaves_file_and_memory_untouched(store: Store, db_path: Path) -> None:
    accounts = Accounts(store)
    accounts.add(account(1))
    before, st = db_path.read_bytes(), os.stat(db_path)
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.table("accounts").update({"state": "broken"})
        db.table("accounts").insert(account(2))
        raise RuntimeError("boom")
    assert db_path.read_bytes() == before
    assert os.stat(db_path).st_ino == st.st_ino
    assert accounts.get_by_id(account(1)["id_no"])["state"] == "active"
    assert accounts.get_by_id(account(2)["id_no"]) is None
    assert accounts.count() == 1


def test_read_only_transaction_does_not_write(store: Store, db_path: Path) -> None:
    st = os.stat(db_path)
    with store.transaction() as db:
        assert db.table("accounts").all() == []
    assert os.stat(db_path).st_ino == st.st_ino
    assert not db_path.with_name("kiosk.json.bak").exists()


def test_nested_transaction_raises(store: Store) -> None:
    with store.transaction(), pytest.raises(StoreError, match="nested"), store.transaction():
        pass


def test_write_outside_transaction_raises_and_is_not_kept(store: Store, db_path: Path) -> None:
    with pytest.raises(StoreError, match="outside"):
        store.db().table("accounts").insert(account(1))
    assert store.db().table("accounts").all() == []
    with store.transaction() as db:
        db.table("other").insert({"x": 1})
    assert not saved(db_path).get("accounts")
    assert Accounts(store).count() == 0


def test_lock_timeout_raises_typed_error(store: Store, db_path: Path) -> None:
    other = Store.open(db_path, lock_timeout=0.2)
    with store.transaction(), pytest.raises(StoreLockedError), other.transaction():
        pass
    with other.transaction():  # the lock is free again
        pass


def test_generation_increments_on_commit_and_reload(store: Store, db_path: Path) -> None:
    start = store.generation
    Accounts(store).add(account(1))
    assert store.generation == start + 1
    Accounts(Store.open(db_path)).add(account(2))
    store.db()
    assert store.generation == start + 2
    store.db()
    assert store.generation == start + 2


def test_closed_store_refuses_use(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.db()


# -- another instance on the same file ----------------------------------------------------


def test_second_instance_changes_are_seen_with_right_indexes(store: Store, db_path: Path) -> None:
    mine = Accounts(store)
    for n in range(1, 4):
        mine.add(account(n))
    cached = store.db().table("accounts").search(Query().state == "active")
    assert len(cached) == 3  # now in TinyDB's query cache

    other_store = Store.open(db_path)
    theirs = Accounts(other_store)
    theirs.add(account(4))
    theirs.update(account(1)["id_no"], {"state": "blocked", "card_no": "NEWCARD"})
    theirs.update(account(2)["id_no"], {"id_no": "B2"})

    assert mine.count() == 4
    assert mine.get_by_id(account(4)["id_no"])["card_no"] == account(4)["card_no"]
    assert mine.get_by_card("NEWCARD")["id_no"] == account(1)["id_no"]
    assert mine.get_by_card(account(1)["card_no"]) is None
    assert mine.get_by_id(account(2)["id_no"]) is None
    assert mine.get_by_id("B2")["card_no"] == account(2)["card_no"]
    assert len(store.db().table("accounts").search(Query().state == "active")) == 3
    # TinyDB's next-ID cache was reset too: this insert must not clash with doc 4.
    assert mine.add(account(5)) == 5
    assert theirs.get_by_id(account(5)["id_no"]) is not None


# -- writing in pieces, appending without copies ------------------------------------------


@pytest.mark.parametrize("docs", [0, 1, 999, 1000, 2501])
def test_encode_is_orjson_dumps_in_pieces(docs: int) -> None:
    tables = {"_meta": {"1": {"commit": "ab", "schema": 1}}, "empty": {},
              "t": {str(n): {"n": n, "text": "中文\n\"q\"", "none": None} for n in range(docs)}}
    pieces = list(encode(tables))
    assert b"".join(pieces) == orjson.dumps(tables)
    assert max(map(len, pieces)) < 100 + 60 * 1000   # never the whole table at once


def test_a_failed_encoding_leaves_the_file_and_no_temp(store: Store, db_path: Path) -> None:
    before = db_path.read_bytes()
    with pytest.raises(TypeError), store.transaction() as db:
        db.table("t").insert({"ok": 1})
        db.table("t").insert({"bad": object()})
    assert db_path.read_bytes() == before
    assert [p.name for p in db_path.parent.iterdir() if ".tmp-" in p.name] == []


def test_append_takes_documents_over_and_keeps_ids_unique(store: Store, db_path: Path) -> None:
    with store.transaction() as db:
        db.table("t").insert({"n": 1})
    doc = {"n": 2}
    with store.transaction() as db:
        assert store.append("t", [doc, {"n": 3}]) == [2, 3]
        assert store.append("t", []) == []
        assert db.table("t").insert({"n": 4}) == 4       # TinyDB continues after them
    assert db.storage.read()["t"]["2"] is doc
    on_disk = saved(db_path)["t"]
    assert [d["n"] for d in on_disk.values()] == [1, 2, 3, 4]
    assert store.db().table("t").get(doc_id=3)["n"] == 3   # no stale query cache
    with pytest.raises(StoreError, match="transaction"):
        store.append("t", [{"n": 5}])


def test_append_alone_does_not_rewrite_the_file(store: Store, db_path: Path) -> None:
    before = os.stat(db_path).st_ino
    with store.transaction():
        store.append("t", [])
    assert os.stat(db_path).st_ino == before
    assert "t" not in store.db().storage.read()


def test_bulk_accounts_skip_known_ids_with_their_mails(store: Store) -> None:
    Accounts(store).add(account(1))
    pairs = [(account(n), {"to": f"p{n}@example.com", "subject": "s", "id": 9})
             for n in (1, 2, 3, 2)]
    assert add_new_accounts(store, pairs) == [account(2)["id_no"], account(3)["id_no"]]
    outbox = store.db().table("outbox").all()
    assert [m["to"] for m in outbox] == ["p2@example.com", "p3@example.com"]
    assert all(m["status"] == "queued" and "id" not in m for m in outbox)
    assert Accounts(store).get_by_id(account(3)["id_no"])["card_no"] == account(3)["card_no"]
    assert add_new_accounts(store, pairs) == []


# -- Accounts -----------------------------------------------------------------------------


def test_accounts_crud(store: Store) -> None:
    accounts = Accounts(store)
    assert accounts.get_by_id("nobody") is None and accounts.count() == 0
    doc_id = accounts.add(account(1))
    assert accounts.add(account(2)) == doc_id + 1
    assert accounts.get_by_card(account(2)["card_no"])["id_no"] == account(2)["id_no"]
    with pytest.raises(DuplicateError):
        accounts.add(account(1, card_no="other"))
    with pytest.raises(KeyError):
        accounts.update("nobody", {"state": "x"})
    with pytest.raises(DuplicateError):
        accounts.update(account(1)["id_no"], {"id_no": account(2)["id_no"]})
    accounts.update(account(1)["id_no"], {"email": "a@example.org"})
    assert accounts.get_by_id(account(1)["id_no"])["email"] == "a@example.org"
    assert [a["id_no"] for a in accounts.all()] == [account(1)["id_no"], account(2)["id_no"]]
    assert accounts.count() == 2
    assert accounts.get_by_card("other") is None


def test_the_index_is_patched_not_rebuilt_after_own_and_others_commits(
        store: Store, db_path: Path) -> None:
    accounts = Accounts(store)
    accounts.add(account(1))
    index = store.index("accounts", "id_no")
    index._ids["sentinel"] = 1  # would vanish on a rebuild
    accounts.add(account(2))
    accounts.update(account(2)["id_no"], {"state": "x"})
    Accounts(Store.open(db_path)).add(account(3))           # another process's commit
    assert accounts.get_by_id(account(3)["id_no"])["card_no"] == account(3)["card_no"]
    assert store.index("accounts", "id_no") is index and "sentinel" in index
    assert accounts.get_by_id(account(2)["id_no"])["state"] == "x"


# -- after-commit actions and files beside the store ---------------------------------------


def test_after_commit_runs_after_the_commit_still_under_the_lock(store: Store,
                                                                db_path: Path) -> None:
    seen: list[object] = []

    def check() -> None:
        seen.append(b'"ran"' in store.journal_path.read_bytes())   # the commit is on disk
        with pytest.raises(StoreLockedError):
            Store.open(db_path, lock_timeout=0.05)          # and no one else can commit
        seen.append("locked")

    with store.transaction() as db:
        db.table("t").insert({"ran": 1})
        store.after_commit(check)
        assert seen == []                                   # not before the commit
    assert seen == [True, "locked"]


def test_after_commit_is_dropped_without_a_commit(store: Store) -> None:
    ran: list[str] = []
    with store.transaction():
        store.after_commit(lambda: ran.append("no change"))
    with pytest.raises(ValueError), store.transaction() as db:
        db.table("t").insert({"x": 1})
        store.after_commit(lambda: ran.append("failed"))
        raise ValueError
    with store.transaction() as db:
        db.table("t").insert({"x": 2})
    assert ran == []                         # and none is left over for a later commit
    with pytest.raises(StoreError):
        store.after_commit(lambda: None)     # outside a transaction


def test_side_files_are_private_and_written_only_under_the_lock(store: Store,
                                                                db_path: Path) -> None:
    with pytest.raises(StoreError):
        store.write_side_file(".extra", b"outside")
    old = os.umask(0)
    try:
        with store.transaction():
            store.write_side_file(".extra", b"inside")
    finally:
        os.umask(old)
    side = store.side_path(".extra")
    assert side == db_path.with_name("kiosk.json.extra") and side.read_bytes() == b"inside"
    assert mode(side) == 0o600
