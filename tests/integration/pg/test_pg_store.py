"""The PostgreSQL store beyond the contract every backend passes (tests/contract/): its schema
and versions, the database's own constraints across handles, the lock's timeout, and a
server that restarts or is not there. Against the suite's private server; nothing mocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.api import DEMO, KIOSK
from store.errors import DuplicateError, StoreLockedError, StorePurposeError, StoreVersionError
from tests.integration.helpers import in_ci
from tests.integration.postgres import PgServer

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.pg import PgStore, StoreUnreachable  # noqa: E402  (needs psycopg)
from store.pg.schema import SCHEMA, VERSION  # noqa: E402


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def store(pg_dsn: str, files: Path) -> Iterator[PgStore]:
    with PgStore.open(pg_dsn, files=files) as opened:
        yield opened


def account(n: int, **extra: object) -> dict:
    return {"id_no": f"A{n:09d}", "card_no": f"{n:012d}", "state": "active", **extra}


def set_schema_version(dsn: str, version: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.meta SET value = to_jsonb(%s::int) "
                     "WHERE name = 'schema'", (version,))


def test_an_empty_database_gets_the_schema_and_keeps_its_purpose(pg_dsn, files, store):
    with psycopg.connect(pg_dsn) as conn:
        tables = {name for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (SCHEMA,))}
        unique = {column for (column,) in conn.execute(
            "SELECT kcu.column_name FROM information_schema.table_constraints tc JOIN "
            "information_schema.key_column_usage kcu USING (constraint_name, table_schema) "
            "WHERE tc.table_schema = %s AND tc.table_name = 'accounts' "
            "AND tc.constraint_type = 'UNIQUE'", (SCHEMA,))}
        types = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'accounts'", (SCHEMA,)).fetchall())
    assert {"accounts", "outbox", "audit", "card_applications", "devices", "meta"} <= tables
    assert unique == {"id_no", "card_no"}        # the ID number and the card number
    assert types["birth_date"] == "date" and types["state"] == "text"   # a column per field
    assert types["created_at"] == "timestamp with time zone"
    assert types["suspension"] == types["extra"] == "jsonb"
    assert store.purpose == KIOSK
    with pytest.raises(StorePurposeError):
        PgStore.open(pg_dsn, files=files, purpose=DEMO)


@pytest.mark.parametrize("version, says", [(VERSION - 1, "run 'nhi-kiosk db migrate'"),
                                           (VERSION + 1, "upgrade the program")])
def test_a_schema_of_another_version_is_refused_saying_what_to_do(pg_dsn, files, store,
                                                                    version, says):
    store.accounts().add(account(1))
    set_schema_version(pg_dsn, version)
    with pytest.raises(StoreVersionError, match=says):
        PgStore.open(pg_dsn, files=files)
    set_schema_version(pg_dsn, VERSION)
    with PgStore.open(pg_dsn, files=files) as again:      # nothing was touched
        assert again.accounts().get_by_id(account(1)["id_no"]) is not None


def test_a_card_number_held_by_another_account_is_refused_and_nothing_is_kept(
        pg_dsn, files, store):
    store.accounts().add(account(1))
    with PgStore.open(pg_dsn, files=files) as other:
        with pytest.raises(DuplicateError):
            other.accounts().add(account(2, card_no=account(1)["card_no"]))
        with pytest.raises(DuplicateError):
            with other.transaction():
                other.rows("audit").insert({"line": "with the account"})
                other.accounts().add(account(3, card_no=account(1)["card_no"]))
        assert other.accounts().get_by_id(account(2)["id_no"]) is None
        assert other.rows("audit").all() == []
    with PgStore.open(pg_dsn, files=files, lock_timeout=0.5) as quick:
        with quick.transaction():                          # the refused ones let go
            quick.rows("audit").insert({"line": "after"})


def test_a_writer_waits_for_another_handles_transaction_no_longer_than_its_timeout(
        pg_dsn, files, store):
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction():
            store.rows("audit").insert({"line": "held"})
            inside.set()
            leave.wait(30)

    holder = threading.Thread(target=hold)
    with PgStore.open(pg_dsn, files=files, lock_timeout=0.3) as waiting:
        holder.start()
        assert inside.wait(30)
        try:
            with pytest.raises(StoreLockedError, match="another kiosk process"):
                waiting.accounts().add(account(1))
            leave.set()
            holder.join(30)
            waiting.accounts().add(account(1))            # free again
            assert [doc for _row, doc in waiting.rows("audit").all()] == [{"line": "held"}]
        finally:
            leave.set()
            holder.join(30)


def test_after_the_server_restarts_the_store_goes_on_without_being_opened_again(
        postgres: PgServer, store):
    store.accounts().add(account(1))
    postgres.restart("immediate")                         # a crash; WAL replayed
    store.accounts().add(account(2))                      # the pool reconnects by itself
    assert [a["id_no"] for a in store.accounts().all()] == [account(1)["id_no"],
                                                          account(2)["id_no"]]


def test_a_database_that_cannot_be_reached_is_a_store_error_naming_it(tmp_path, files):
    nowhere = f"host={tmp_path} port=1 dbname=kiosk user=kiosk connect_timeout=1"
    with pytest.raises(StoreUnreachable, match="cannot be reached"):
        PgStore.open(nowhere, files=files, lock_timeout=1)


def test_a_mail_sent_with_its_seed_forgotten_has_its_old_versions_vacuumed(pg_dsn, store):
    outbox = store.outbox()
    mail_id = outbox.add({"to": "p@example.com", "kind": "batch_welcome",
                          "params": {"seed": "s" * 32, "unit": "u"}})
    outbox.mark_sent(mail_id, "2026-12-02T09:00:00+08:00", forget=("seed",))
    assert outbox.get(mail_id)["params"] == {"unit": "u"}
    deadline = time.monotonic() + 20   # the server's statistics are flushed asynchronously
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        while True:
            (vacuumed,) = conn.execute(
                "SELECT last_vacuum FROM pg_stat_user_tables WHERE schemaname = %s "
                "AND relname = 'outbox'", (SCHEMA,)).fetchone()
            if vacuumed is not None:
                break
            assert time.monotonic() < deadline, "the outbox was not vacuumed"
            conn.execute("SELECT pg_stat_clear_snapshot()")
            threading.Event().wait(0.05)


def heard_within(seconds: float, heard: list[str], table: str) -> bool:
    """Whether ``table`` is heard within ``seconds`` (a wait on the listener, no sleep)."""
    deadline, pause = time.monotonic() + seconds, threading.Event()
    while table not in heard:
        if time.monotonic() > deadline:
            return False
        pause.wait(0.01)
    return True


def test_a_commit_elsewhere_is_heard_by_a_listener_at_once_and_a_rollback_never(
        postgres: PgServer, pg_dsn, files, store):
    heard: list[str] = []
    reachable: list[bool] = []
    stop = store.listen(heard.append, reachable.append)
    try:
        with PgStore.open(pg_dsn, files=files) as other:
            with pytest.raises(RuntimeError), other.transaction():
                other.keyed("qr_logins", "code").modify_within("c1", lambda _d: {"n": 1})
                raise RuntimeError("undone")
            other.accounts().add(account(1))                # not announced: not waited for
            other.keyed("devices", "device_id").put({"device_id": "d1", "name": "Pixel 8"})
            assert heard_within(10, heard, "devices")
            assert "qr_logins" not in heard                 # rolled back: nothing to hear
            assert "accounts" not in heard
            other.keyed("qr_logins", "code").put({"code": "c1", "state": "approved"})
            assert heard_within(10, heard, "qr_logins")
            heard.clear()
            other.write_alone(f"INSERT INTO {SCHEMA}.staff (staff_id, extra) "
                              "VALUES ('s1', '{}')", changed="staff")   # one of its own
            assert heard_within(10, heard, "staff")
            assert reachable == []                          # nothing to say while it is there
            heard.clear()
            postgres.restart("immediate")                   # the listener's connection lost
            assert heard_within(15, heard, "qr_logins")     # "everything may have changed"
            assert reachable == [False, True]               # gone, then back before the news
            heard.clear()
            other.keyed("qr_logins", "code").put({"code": "c2", "state": "approved"})
            assert heard_within(10, heard, "qr_logins")     # and it listens again
    finally:
        stop()


def v1_database(dsn: str, tables: dict[str, list[dict]]) -> None:
    """A database as version 1 of the schema made and kept it: ``tables``' documents each
    whole in ``doc``, ids from 1."""
    from psycopg.types.json import Jsonb

    from store.pg.schema import MIGRATIONS, V1_TABLES

    shapes = {name: (key, unique) for name, key, unique in V1_TABLES}
    with psycopg.connect(dsn) as conn:
        for statement in MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute(f"INSERT INTO {SCHEMA}.meta VALUES ('schema', '1'), "
                     "('purpose', '\"kiosk\"')")
        for name, docs in tables.items():
            key, unique = shapes[name]
            columns = (["key"] if key else []) + list(unique) + ["doc"]
            for doc in docs:
                values = ([doc[key]] if key else []) + [doc.get(u) for u in unique]
                conn.execute(f"INSERT INTO {SCHEMA}.{name.lstrip('_')} ({', '.join(columns)}) "
                             f"VALUES ({', '.join(['%s'] * len(columns))})",
                             [*values, Jsonb(doc)])


V1_DOCS = {
    "accounts": [account(1, name="王小明", birth_date="1958-02-28", email=None,
                         created_at="2026-11-30T10:00:00+08:00", must_change_password=False,
                         doc_type="passport"),
                 account(2, state="suspended", card_no=None)],
    "outbox": [{"to": "a@example.com", "kind": "verify", "status": "queued",
                "params": {"seed": "s" * 32}, "created_at": "2026-11-30T10:00:00+08:00",
                "attempts": 0}],
    "attempts": [{"key": "login:A000000001", "count": 2, "since": "2026-11-30T10:00:00"}],
    "audit": [{"seq": 1, "at": "2026-11-30T10:00:00+08:00", "staff_id": "shell",
               "action": "staff_add", "detail": {"staff_id": "chen01"}, "prev": "0" * 64,
               "mac": "m" * 64}],
}


def test_db_migrate_moves_a_version_1_database_into_columns_keeping_every_document(
        pg_dsn, files):
    v1_database(pg_dsn, V1_DOCS)
    with psycopg.connect(pg_dsn) as conn:   # ids handed out and gone: a mail since deleted
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{SCHEMA}.outbox', 'id'), 7)")
    with pytest.raises(StoreVersionError, match="run 'nhi-kiosk db migrate'"):
        PgStore.open(pg_dsn, files=files)
    assert PgStore.migrate(pg_dsn, files=files) == (1, VERSION)
    with PgStore.open(pg_dsn, files=files) as store:
        assert store.accounts().all() == V1_DOCS["accounts"]             # exactly
        assert [doc for _id, doc in store.rows("attempts").all()] == V1_DOCS["attempts"]
        assert store.rows("audit").all() == [(1, V1_DOCS["audit"][0])]   # under its id
        mail = store.outbox().get(1)
        assert mail is not None and mail["params"] == {"seed": "s" * 32}
        assert store.outbox().pending() == [mail]
        assert store.accounts().add(account(3)) == 3                   # ids go on
        assert store.outbox().add({"to": "b@example.com", "kind": "verify"}) == 8   # past 7
        with pytest.raises(DuplicateError):
            store.accounts().add(account(4, card_no=account(1)["card_no"]))
    with psycopg.connect(pg_dsn) as conn:
        (row,) = conn.execute(f'SELECT "name", birth_date, created_at, extra FROM '
                              f"{SCHEMA}.accounts WHERE id_no = %s",
                              (account(1)["id_no"],)).fetchall()
    assert row[0] == "王小明" and str(row[1]) == "1958-02-28"
    assert row[3] == {"email": None, "doc_type": "passport"}   # only what is free-form
