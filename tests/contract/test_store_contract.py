"""What every store backend must do (store/api.py), tested through the interface alone:
transactions are all or nothing and exclusive, every repository keeps its rules, and what
one handle commits the next read of another handle sees."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from store.api import StoreBackend
from store.errors import DuplicateError, StoreError

ROOT = Path(__file__).resolve().parents[2]


def account(n: int, **extra: object) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active", **extra}


def mail(n: int) -> dict:
    return {"to": f"p{n}@example.com", "kind": "welcome", "subject": "s", "created_at":
            "2026-12-01T09:00:00+08:00"}


# -- transactions -------------------------------------------------------------------------------

def test_a_transaction_is_all_or_nothing(backend: StoreBackend) -> None:
    codes = backend.keyed("codes", "code")
    codes.put({"code": "keep", "n": 1})
    with pytest.raises(RuntimeError), backend.transaction():
        codes.modify_within("keep", lambda doc: {**(doc or {}), "n": 2})
        codes.modify_within("new", lambda doc: {"n": 3})
        backend.rows("audit").insert({"line": "x"})
        raise RuntimeError("boom")
    assert codes.get("keep") == {"code": "keep", "n": 1}
    assert codes.get("new") is None and backend.rows("audit").all() == []


def test_transactions_do_not_nest_and_writes_need_one(backend: StoreBackend) -> None:
    with backend.transaction(), pytest.raises(StoreError), backend.transaction():
        pass
    with pytest.raises(StoreError):
        backend.rows("audit").insert({"line": "outside"})
    with pytest.raises(StoreError):
        backend.keyed("codes", "code").modify_within("x", lambda doc: {"n": 1})


def test_after_commit_runs_only_after_a_commit(backend: StoreBackend) -> None:
    ran: list[str] = []
    with backend.transaction():
        backend.after_commit(lambda: ran.append("nothing changed"))
    with backend.transaction():
        backend.rows("audit").insert({"line": "x"})
        backend.after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]


def test_what_one_handle_commits_another_reads(opener: Callable[[], StoreBackend]) -> None:
    mine, theirs = opener(), opener()
    assert mine.accounts().get_by_id(account(1)["id_no"]) is None
    theirs.accounts().add(account(1))
    theirs.keyed("codes", "code").put({"code": "c1", "n": 1})
    with theirs.transaction():
        theirs.rows("audit").insert({"line": "x"})
    assert mine.accounts().get_by_card(account(1)["card_no"])["id_no"] == account(1)["id_no"]
    assert mine.keyed("codes", "code").get("c1") == {"code": "c1", "n": 1}
    assert [doc for _row, doc in mine.rows("audit").all()] == [{"line": "x"}]


# -- keyed tables -------------------------------------------------------------------------------

def test_a_keyed_table_puts_modifies_and_deletes_by_key(backend: StoreBackend) -> None:
    people = backend.keyed("people", "id_no")
    assert people.put({"id_no": "A1", "name": "王"}) is True
    assert people.put({"id_no": "A1", "name": "王小明"}) is False      # replaced, not added
    assert people.modify("B2", lambda old: {"name": "陳"} if old is None else old) is True
    assert people.get("B2") == {"id_no": "B2", "name": "陳"}
    people.modify("A1", lambda old: None)                               # None deletes
    assert people.get("A1") is None and people.count() == 1
    people.put_many([{"id_no": "C3"}, {"id_no": "B2", "name": "陳大文"}])
    assert people.get_many() == {"B2": {"id_no": "B2", "name": "陳大文"}, "C3": {"id_no": "C3"}}


def test_a_read_is_a_copy(backend: StoreBackend) -> None:
    people = backend.keyed("people", "id_no")
    people.put({"id_no": "A1", "tags": ["x"]})
    got = people.get("A1")
    assert got is not None
    got["tags"].append("changed")
    got["name"] = "changed"
    assert people.get("A1") == {"id_no": "A1", "tags": ["x"]}


def test_modify_many_changes_several_keys_in_one_transaction(backend: StoreBackend) -> None:
    units = backend.keyed("batch_units", "unit")
    units.put({"unit": "u1", "n": 1})

    def change(docs: dict) -> dict:
        assert docs == {"u1": {"unit": "u1", "n": 1}, "u2": None}
        return {"u1": {"n": 2}, "u2": {"n": 1}}

    assert units.modify_many(["u1", "u2"], change) == {"u2"}
    assert units.get("u1") == {"unit": "u1", "n": 2}


# -- accounts -----------------------------------------------------------------------------------

def test_accounts_are_unique_by_id_and_found_by_card(backend: StoreBackend) -> None:
    accounts = backend.accounts()
    accounts.add(account(1))
    with pytest.raises(DuplicateError):
        accounts.add(account(1, card_no="other"))
    accounts.add(account(2))
    accounts.update(account(1)["id_no"], {"card_no": "NEW"})
    assert accounts.get_by_card("NEW")["id_no"] == account(1)["id_no"]
    assert accounts.get_by_card(account(1)["card_no"]) is None
    with pytest.raises(DuplicateError):
        accounts.update(account(1)["id_no"], {"id_no": account(2)["id_no"]})
    with pytest.raises(KeyError):
        accounts.modify("nobody", lambda a: {})
    assert accounts.modify(account(2)["id_no"], lambda a: {"fails": 1})["fails"] == 1
    accounts.remove(account(2)["id_no"])
    assert [a["id_no"] for a in accounts.all()] == [account(1)["id_no"]]


def test_bulk_insert_skips_known_ids_with_their_mails_in_one_commit(
        backend: StoreBackend) -> None:
    backend.accounts().add(account(1))
    seen: list[list[str]] = []
    pairs = [(account(n), mail(n)) for n in (1, 2, 3, 2)]

    def then(added: list[str]) -> None:
        seen.append(added)
        backend.keyed("batch_units", "unit").modify_within("u", lambda doc: {"n": len(added)})

    added = backend.add_new_accounts(pairs, then=then)
    assert added == [account(2)["id_no"], account(3)["id_no"]] == seen[0]
    assert [m["to"] for m in backend.outbox().mails(newest_first=False)] == [
        "p2@example.com", "p3@example.com"]
    assert backend.keyed("batch_units", "unit").get("u") == {"unit": "u", "n": 2}
    with pytest.raises(RuntimeError):
        backend.add_new_accounts([(account(9), mail(9))], then=lambda added: (_ for _ in ()).throw(
            RuntimeError("after the accounts")))
    assert backend.accounts().get_by_id(account(9)["id_no"]) is None   # one commit: undone


# -- the outbox ---------------------------------------------------------------------------------

def test_the_outbox_claims_once_and_keeps_every_mail(backend: StoreBackend) -> None:
    outbox = backend.outbox()
    first, second = outbox.add(mail(1)), outbox.add(mail(2))
    assert first < second
    assert outbox.claim(first, "2026-12-01T09:00:00+08:00", "2026-12-01T09:10:00+08:00")
    assert outbox.claim(first, "2026-12-01T09:01:00+08:00", "2026-12-01T09:11:00+08:00") is None
    outbox.mark_sent(first, "2026-12-01T09:02:00+08:00")
    outbox.mark_attempt_failed(second, "2026-12-01T09:02:00+08:00", "refused", final=True)
    assert [m["status"] for m in outbox.mails(newest_first=False)] == ["sent", "failed"]
    assert outbox.pending() == [] and outbox.count() == 2


# -- rows ---------------------------------------------------------------------------------------

def test_rows_keep_their_order_and_ids(backend: StoreBackend) -> None:
    log = backend.rows("audit")
    with backend.transaction():
        ids = [log.insert({"n": n}) for n in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    with backend.transaction():
        log.replace(ids[1], {"n": 10})
        log.remove(ids[3])
        with pytest.raises(KeyError):
            log.replace(10_000, {"n": 0})
    assert [doc["n"] for _row, doc in log.all()] == [0, 10, 2, 4]
    assert log.get(ids[3]) is None and log.get(ids[1]) == {"n": 10}


# -- the 5-tries rule under concurrency -----------------------------------------------------------

RACER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from tests.contract.conftest import BACKENDS
    store = BACKENDS[sys.argv[1]](sys.argv[2], Path(sys.argv[4]))
    counters = store.keyed("attempts", "key")
    for _ in range(10):
        counters.modify("guess", lambda doc: {"tries": (doc or {}).get("tries", 0) + 1})
    print("done", flush=True)
    store.close()
""")


def test_a_counter_raced_by_eight_processes_loses_no_count(kind: str, where: str,
                                                            opener: Callable[[], StoreBackend],
                                                            tmp_path: Path) -> None:
    store = opener()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, kind, where, str(ROOT),
                                str(tmp_path / "files")],
                               stdout=subprocess.PIPE, text=True, env=env) for _ in range(8)]
    for racer in racers:
        out, _ = racer.communicate(timeout=90)
        assert racer.returncode == 0 and out.strip() == "done"
    assert store.keyed("attempts", "key").get("guess")["tries"] == 80
