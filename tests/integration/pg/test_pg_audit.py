"""The audit chain with several counters on one database: each counter keeps a head file of
its own (outside the database, in its folder for that database), which follows the entries
it writes. A counter joining the database gets the machine key and a head from one already
on it (docs/postgresql.md); then no counter raises a false alarm, and the newest entries
taken out of the database are found by the counter that wrote them. Against the suite's
private server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.domain.accounts import Services
from kiosk.domain.clock import FixedClock
from kiosk.domain.counter.audit import HEAD_SUFFIX, Audit, Problem
from kiosk.domain.keyring import KEY_FILE
from store.api import DEMO
from tests.integration.helpers import in_ci
from tests.unit.domain_fixtures import NOW, RecordingMail

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.pg import PgStore  # noqa: E402  (needs psycopg)
from store.pg.schema import SCHEMA  # noqa: E402


def counter(dsn: str, folder: Path) -> tuple[PgStore, Audit]:
    store = PgStore.open(dsn, files=folder, purpose=DEMO)
    Services(store, FixedClock(NOW), RecordingMail()).machine_key()
    return store, Audit(store, FixedClock(NOW))


def join(first: PgStore, folder: Path) -> None:
    """What an administrator does for a new counter: the key and the head, copied."""
    folder.mkdir(mode=0o700)
    for name in (KEY_FILE, first.path.name + HEAD_SUFFIX):
        shutil.copy2(first.path.with_name(name), folder / name)


def test_counters_joined_with_the_key_and_a_head_keep_one_chain_without_false_alarms(
        pg_dsn, tmp_path):
    a_store, a = counter(pg_dsn, tmp_path / "a")
    a.record("chen01", "sign_in")
    a.record("chen01", "sign_out")
    join(a_store, tmp_path / "b")
    b_store, b = counter(pg_dsn, tmp_path / "b")
    try:
        assert b.verify() is None                          # joined: whole at once
        b.record("lin02", "sign_in")
        b.record("lin02", "sign_out")
        a.record("chen01", "sign_in")
        assert a.verify() is None and b.verify() is None   # one chain, both vouch for it
        assert [e["seq"] for e in a.entries()] == [5, 4, 3, 2, 1]
    finally:
        a_store.close()
        b_store.close()


def test_the_newest_entries_taken_out_are_found_by_the_counter_that_wrote_them(
        pg_dsn, tmp_path):
    a_store, a = counter(pg_dsn, tmp_path / "a")
    a.record("chen01", "sign_in")
    join(a_store, tmp_path / "b")
    b_store, b = counter(pg_dsn, tmp_path / "b")
    try:
        b.record("lin02", "sign_in")
        b.record("lin02", "staff_add")
        with psycopg.connect(pg_dsn) as conn:              # by hand, as an intruder would
            conn.execute(f"DELETE FROM {SCHEMA}.audit WHERE id = "
                         f"(SELECT max(id) FROM {SCHEMA}.audit)")
        broken = b.verify()
        assert broken is not None and broken.problem is Problem.TRUNCATED
    finally:
        a_store.close()
        b_store.close()


def test_a_counter_given_the_key_but_no_head_cannot_vouch_for_the_log(pg_dsn, tmp_path):
    """Indistinguishable from a head file deleted to hide a truncation: said, not guessed."""
    a_store, a = counter(pg_dsn, tmp_path / "a")
    a.record("chen01", "sign_in")
    (tmp_path / "b").mkdir(mode=0o700)
    shutil.copy2(a_store.path.with_name(KEY_FILE), tmp_path / "b" / KEY_FILE)
    b_store, b = counter(pg_dsn, tmp_path / "b")
    try:
        broken = b.verify()
        assert broken is not None and broken.problem is Problem.HEAD
        assert a.verify() is None
    finally:
        a_store.close()
        b_store.close()
