"""Kiosk processes on one PostgreSQL database at once: the same unit file imported by eight
of them registers each person once, and a server that restarts in the middle of an import
leaves all of it or none, a second run completing it. Against the suite's private server.
(Eight processes racing a lockout: tests/unit/test_lockout_races.py, on both stores.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.domain.validate import LETTER_VALUES, is_valid_id
from tests.integration.helpers import in_ci
from tests.integration.postgres import PgServer

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.errors import StoreError  # noqa: E402
from store.pg.schema import SCHEMA  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
UNIT_FILE = "11012100920160207.CSV"



@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The children's environment: this tree, a data dir of the test's own."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("NHI_KIOSK_")}
    return {**kept, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}


def ids(count: int) -> list[str]:
    out: list[str] = []
    letters = sorted(LETTER_VALUES)
    n = 0
    while len(out) < count:
        head = f"{letters[n % len(letters)]}1{n:07d}"
        out.append(next(head + d for d in "0123456789" if is_valid_id(head + d)))
        n += 1
    return out


def unit_file(folder: Path, people: list[str]) -> Path:
    path = folder / UNIT_FILE
    path.write_text("".join(f"{p},{p.lower()}@example.com\n" for p in people), "utf-8")
    return path


def rows(dsn: str, sql: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchall()


def test_eight_processes_importing_one_file_register_each_person_once(pg_dsn, tmp_path, env):
    people = ids(300)
    path = unit_file(tmp_path, people)
    command = [sys.executable, "-m", "kiosk", "batch", "import", str(path), "--db", pg_dsn,
               "--json", "--lang", "en"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=ROOT) for _ in range(PROCESSES)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        results.append(json.loads(out))
    assert sorted(r["imported"] for r in results) == [0] * (PROCESSES - 1) + [len(people)]
    assert sum(r["already_registered"] for r in results) == len(people) * (PROCESSES - 1)
    stored = [key for (key,) in rows(pg_dsn, f"SELECT key FROM {SCHEMA}.accounts")]
    assert sorted(stored) == sorted(people)                        # nobody twice
    (mails,) = rows(pg_dsn, f"SELECT count(*) FROM {SCHEMA}.outbox")[0]
    assert mails == len(people)


def test_a_server_restart_during_an_import_leaves_all_or_nothing_and_a_rerun_completes(
        postgres: PgServer, pg_dsn, tmp_path):
    from kiosk.domain.accounts import Services
    from kiosk.domain.clock import FixedClock
    from kiosk.domain.counter.batch import Batch
    from kiosk.domain.i18n import Catalog
    from store.api import DEMO
    from store.pg import PgStore
    from tests.unit.domain_fixtures import NOW, RecordingMail

    people = ids(20_000)
    path = unit_file(tmp_path, people)
    store = PgStore.open(pg_dsn, files=tmp_path / "files", purpose=DEMO)
    batch = Batch(Services(store, FixedClock(NOW), RecordingMail()))
    batch.s.machine_key()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            batch.import_file(path, tmp_path / "reports", Catalog("en"))
        except BaseException as exc:   # what the import raised when the server went
            failure.append(exc)

    importer = threading.Thread(target=run)
    importer.start()
    try:
        # the import is inside its one transaction once its inserts run
        with psycopg.connect(postgres.dsn_for("postgres"), autocommit=True) as watch:
            deadline, pause = time.monotonic() + 60, threading.Event()
            while not watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                    f"AND query LIKE 'INSERT INTO {SCHEMA}.accounts%%'").fetchone()[0]:
                assert time.monotonic() < deadline, "the import never reached its inserts"
                pause.wait(0.005)
        postgres.restart("immediate")
    finally:
        importer.join(120)
    assert failure and isinstance(failure[0], StoreError), failure
    (count,) = rows(pg_dsn, f"SELECT count(*) FROM {SCHEMA}.accounts")[0]
    assert count == 0                                   # none of it
    report = batch.import_file(path, tmp_path / "reports", Catalog("en"))
    assert report.imported == len(people)               # the second run completes it
    (count,) = rows(pg_dsn, f"SELECT count(*) FROM {SCHEMA}.accounts")[0]
    assert count == len(people)
    store.close()
