"""``nhi-kiosk`` commands on a PostgreSQL store: ``--db`` takes a libpq address, the same
commands work on it as on a file, ``db migrate`` brings its schema up, the file-only ``db``
actions say so, and a database that is not there is a message in the user's language, never
a traceback. Against the suite's private server."""

from __future__ import annotations

import io

import pytest

from kiosk.cli import main
from kiosk.commands.base import EXIT_STORE, EXIT_USAGE
from tests.integration.helpers import in_ci

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.pg.schema import SCHEMA, VERSION  # noqa: E402


def test_a_staff_account_added_on_one_counter_is_listed_on_the_database(pg_dsn, capsys,
                                                                         monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
    assert main(["staff", "add", "lin02", "--name", "林櫃員", "--password-stdin",
                 "--db", pg_dsn, "--lang", "en"]) == 0
    capsys.readouterr()
    assert main(["staff", "list", "--db", pg_dsn, "--lang", "en"]) == 0
    assert "lin02" in capsys.readouterr().out
    with psycopg.connect(pg_dsn) as conn:            # in the database, not in a file
        assert conn.execute(f"SELECT staff_id FROM {SCHEMA}.staff").fetchall() == [("lin02",)]


def test_db_migrate_makes_the_schema_once_and_then_has_nothing_to_do(pg_dsn, capsys):
    assert main(["db", "migrate", "--db", pg_dsn, "--lang", "en"]) == 0
    assert f"now has schema version {VERSION} (it had 0" in capsys.readouterr().out
    assert main(["db", "migrate", "--db", pg_dsn, "--lang", "zh-TW"]) == 0
    out = capsys.readouterr().out
    assert f"版本 {VERSION}" in out and "沒有任何變更" in out


def test_a_database_of_the_older_version_is_refused_until_db_migrate(pg_dsn, capsys):
    from tests.integration.pg.test_pg_store import V1_DOCS, v1_database

    older = pg_dsn
    v1_database(older, V1_DOCS)
    assert main(["staff", "list", "--db", older, "--lang", "en"]) == EXIT_STORE
    assert "run 'nhi-kiosk db migrate' first" in capsys.readouterr().err
    assert main(["db", "migrate", "--db", older, "--lang", "en"]) == 0
    assert f"now has schema version {VERSION} (it had 1" in capsys.readouterr().out
    assert main(["db", "migrate", "--db", older, "--lang", "zh-TW"]) == 0
    out = capsys.readouterr().out
    assert f"版本 {VERSION}" in out and "沒有任何變更" in out
    assert main(["staff", "list", "--db", older, "--lang", "en"]) == 0


@pytest.mark.parametrize("action", ["check", "compact"])
def test_the_file_actions_of_db_say_a_database_has_no_files(pg_dsn, capsys, action):
    assert main(["db", action, "--db", pg_dsn, "--lang", "en"]) == EXIT_USAGE
    assert "a PostgreSQL store has none" in capsys.readouterr().err


def test_db_migrate_on_a_store_file_says_the_file_migrates_itself(tmp_path, capsys):
    assert main(["db", "migrate", "--db", str(tmp_path / "kiosk.json"), "--lang", "en"]) == 0
    assert "migrates it by itself" in capsys.readouterr().out


@pytest.mark.parametrize("lang, says", [("en", "cannot be reached"), ("zh-TW", "無法連線")])
def test_a_database_that_is_not_there_is_a_message_not_a_traceback(tmp_path, capsys, lang,
                                                                    says):
    nowhere = f"host={tmp_path} port=1 dbname=kiosk user=kiosk connect_timeout=1"
    assert main(["staff", "list", "--db", nowhere, "--lang", lang]) == EXIT_STORE
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_db_copy_moves_a_store_file_into_a_database_and_back_whole(pg_dsn, tmp_path, capsys,
                                                                    monkeypatch):
    """A counter's file into the site's database and back: every document under its id,
    the machine key beside it, and both sides counted."""
    from kiosk.domain.counter.audit import Audit
    from kiosk.domain.mail import MailKind
    from store import Store
    from store.api import DEMO
    from store.copy import collections
    from store.pg import PgStore
    from tests.unit.domain_fixtures import GOOD, NATIONAL_PROOF, NOW, card

    source = tmp_path / "counter" / "kiosk.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
    assert main(["staff", "add", "lin02", "--name", "林櫃員", "--password-stdin", "--demo",
                 "--db", str(source), "--lang", "en"]) == 0
    with Store.open(source, purpose=DEMO) as store:         # a registration, its mail
        from kiosk.domain.accounts import Services
        from kiosk.domain.clock import FixedClock
        from kiosk.domain.demo_people import seed_demo
        from kiosk.domain.mail import Mailer
        from kiosk.domain.registration.register import Registration

        seed_demo(store, NOW)
        clock = FixedClock(NOW)
        services = Services(store, clock, Mailer(store.outbox(), clock))
        Registration(services).register(card("national"), NATIONAL_PROOF, GOOD, GOOD,
                                        email="wang@example.com", phone="0912000111")
        before = collections(store)
        audit_before = Audit(store, FixedClock(NOW)).entries()
    capsys.readouterr()
    assert main(["db", "copy", str(source), pg_dsn, "--demo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "both hold the same documents" in out
    assert f"accounts: {len(before['accounts'])} documents" in out
    assert f"outbox: {len(before['outbox'])} documents" in out
    files = tmp_path / "data" / "nhi-kiosk"
    [folder] = [p for p in files.iterdir() if p.name.startswith("pg-")]
    assert (folder / "machine.key").read_bytes() == (source.parent / "machine.key").read_bytes()
    with PgStore.open(pg_dsn, files=folder, purpose=DEMO) as db:
        assert collections(db) == before                    # each document under its id
        assert Audit(db, FixedClock(NOW)).entries() == audit_before
        assert [m["kind"] for m in db.outbox().mails()] == [MailKind.VERIFY]
    back = tmp_path / "back" / "kiosk.json"
    assert main(["db", "copy", pg_dsn, str(back), "--demo", "--lang", "zh-TW"]) == 0
    assert "兩者現在內容相同" in capsys.readouterr().out
    with Store.open(back, purpose=DEMO) as again:
        assert collections(again) == before
    assert main(["staff", "list", "--demo", "--db", str(back), "--lang", "en"]) == 0
    assert "lin02" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2027\n"))
    assert main(["staff", "add", "lin03", "--name", "林", "--password-stdin", "--demo",
                 "--db", pg_dsn, "--lang", "en"]) == 0       # its ids go on after the copy's


def test_db_copy_goes_into_an_empty_store_only_and_never_over_another_key(pg_dsn, tmp_path,
                                                                           capsys, monkeypatch):
    source = tmp_path / "a" / "kiosk.json"
    other = tmp_path / "b" / "kiosk.json"
    for db in (source, other):
        monkeypatch.setattr("sys.stdin", io.StringIO("Counter#2026\n"))
        assert main(["staff", "add", "lin02", "--name", "林", "--password-stdin",
                     "--db", str(db), "--lang", "en"]) == 0
        if db == source:   # the other counter of the same site: the same key
            other.parent.mkdir()
            (other.parent / "machine.key").write_bytes((db.parent / "machine.key").read_bytes())
    capsys.readouterr()
    assert main(["db", "copy", str(source), str(other), "--lang", "en"]) == EXIT_STORE
    assert "already holds documents" in capsys.readouterr().err
    assert main(["db", "copy", str(source), pg_dsn, "--lang", "en"]) == 0   # empty: fine
    fresh = tmp_path / "c" / "kiosk.json"
    fresh.parent.mkdir()
    (fresh.parent / "machine.key").write_bytes(b"x" * 32)
    assert main(["db", "copy", str(source), str(fresh), "--lang", "en"]) == EXIT_STORE
    assert "not the source's" in capsys.readouterr().err
    assert main(["db", "copy", str(source), "--lang", "en"]) == EXIT_USAGE
    assert "needs two stores" in capsys.readouterr().err
