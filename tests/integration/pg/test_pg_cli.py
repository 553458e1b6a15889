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
        assert conn.execute(f"SELECT key FROM {SCHEMA}.staff").fetchall() == [("lin02",)]


def test_db_migrate_makes_the_schema_once_and_then_has_nothing_to_do(pg_dsn, capsys):
    assert main(["db", "migrate", "--db", pg_dsn, "--lang", "en"]) == 0
    assert f"now has schema version {VERSION} (it had 0" in capsys.readouterr().out
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.meta SET value = '0' WHERE name = 'schema'")
    assert main(["staff", "list", "--db", pg_dsn, "--lang", "en"]) == EXIT_STORE
    assert "run 'nhi-kiosk db migrate' first" in capsys.readouterr().err
    assert main(["db", "migrate", "--db", pg_dsn, "--lang", "en"]) == 0
    assert main(["db", "migrate", "--db", pg_dsn, "--lang", "zh-TW"]) == 0
    out = capsys.readouterr().out
    assert f"now has schema version {VERSION}" in out and "沒有任何變更" in out
    assert main(["staff", "list", "--db", pg_dsn, "--lang", "en"]) == 0


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
