"""Kiosk processes on one PostgreSQL database at once: eight counters registering the same
people, eight apps redeeming the same device codes and eight imports of the same unit file
each leave every person (and device) once, nothing lost; a server that restarts in the
middle of an import leaves all of it or none, a second run completing it. Against the
suite's private server. (Eight processes racing a lockout: tests/unit/test_lockout_races.py,
on both stores.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from kiosk.domain.validate import LETTER_VALUES, is_valid_id
from tests.integration.helpers import in_ci
from tests.integration.postgres import PgServer

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from store.errors import StoreError  # noqa: E402
from store.pg.schema import SCHEMA  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
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


#: a counter process: opens the database, says "ready", waits for "go" on stdin so all
#: start together, then does its part and prints one line per person or code
COUNTER = textwrap.dedent(
    """
    import json, sys
    from datetime import datetime
    from pathlib import Path
    from kiosk.domain.accounts import Services
    from kiosk.domain.binding.devices import Devices
    from kiosk.domain.clock import FixedClock
    from kiosk.domain.errors import KioskError
    from kiosk.domain.registration import register
    from kiosk.domain.registration.register import AlreadyRegistered
    from reader.card import CardData
    from store.api import DEMO
    from store.pg import PgStore
    from tests.unit.domain_fixtures import GOOD, RecordingMail

    flow, dsn, files, now, me = sys.argv[1:6]
    work = json.loads(sys.stdin.readline())
    register.hash_password = lambda password: "not-hashed"   # the race, not scrypt
    store = PgStore.open(dsn, files=Path(files), purpose=DEMO, lock_timeout=60)
    services = Services(store, FixedClock(datetime.fromisoformat(now)), RecordingMail())
    print("ready", flush=True)
    sys.stdin.readline()
    for item in work:
        try:
            if flow == "register":
                register.Registration(services).register_at_counter(
                    CardData.from_json(item), GOOD, GOOD, "", "0912000111")
                print("registered", item["id_no"], flush=True)
            else:
                device = Devices(services).redeem(item, f"Phone {me}")
                print("bound", device["id_no"], flush=True)
        except AlreadyRegistered:
            print("already", item["id_no"], flush=True)
        except KioskError as exc:
            print("refused", exc.key, flush=True)
    """)


def counters(flow: str, dsn: str, files: Path, env: dict[str, str],
             work: list[list]) -> list[list[str]]:
    """``len(work)`` counter processes doing ``flow`` at once, each its own list; the
    lines each printed, split."""
    from tests.unit.domain_fixtures import NOW

    children = [subprocess.Popen(
        [sys.executable, "-c", COUNTER, flow, dsn, str(files), NOW.isoformat(), str(n)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=ROOT) for n in range(len(work))]
    try:
        for child, part in zip(children, work, strict=True):
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(json.dumps(part) + "\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "ready", child.communicate()[1]
        for child in children:            # every one set up: now all at once
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        printed = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            printed += [line.split() for line in out.splitlines()]
        return printed
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def people_cards(count: int) -> list[dict[str, str]]:
    return [{"card_no": f"{9000_0000_0000 + n:012d}", "name": f"測試{n:03d}", "id_no": id_no,
             "birth_date": date(1980, 1, 1 + n % 28).isoformat(), "sex": "M",
             "issue_date": date(2020, 1, 1).isoformat()}
            for n, id_no in enumerate(ids(count))]


def test_eight_counters_registering_the_same_people_and_redeeming_their_codes_once_each(
        pg_dsn, tmp_path, env):
    """Every counter registers all the people, each from another one on: each person
    registered by exactly one, the others told "already registered", one account each.
    Then every app redeems all their device codes: each code binds one device, once."""
    from kiosk.domain.accounts import Services
    from kiosk.domain.binding.devices import Devices
    from kiosk.domain.clock import FixedClock
    from store.api import DEMO
    from store.pg import PgStore
    from tests.unit.domain_fixtures import NOW, RecordingMail

    people = people_cards(40)
    files = tmp_path / "files"
    store = PgStore.open(pg_dsn, files=files, purpose=DEMO)
    services = Services(store, FixedClock(NOW), RecordingMail())
    services.machine_key()   # one key for every counter of this database
    step = len(people) // PROCESSES
    rotated = [people[n * step:] + people[:n * step] for n in range(PROCESSES)]
    lines = counters("register", pg_dsn, files, env, rotated)
    outcomes = Counter(kind for kind, _who in lines)
    assert outcomes == {"registered": len(people), "already": len(people) * (PROCESSES - 1)}
    registered = Counter(who for kind, who in lines if kind == "registered")
    assert set(registered.values()) == {1}                          # nobody twice
    stored = [key for (key,) in rows(pg_dsn, f"SELECT id_no FROM {SCHEMA}.accounts")]
    assert sorted(stored) == sorted(p["id_no"] for p in people)   # nobody lost

    owners = people[:PROCESSES * 2]
    codes = [Devices(services).code_for(p["id_no"]).code for p in owners]
    lines = counters("redeem", pg_dsn, files, env,
                     [codes[n * 2:] + codes[:n * 2] for n in range(PROCESSES)])
    bound = Counter(who for kind, who in lines if kind == "bound")
    assert bound == {p["id_no"]: 1 for p in owners}                # each code once
    refused = Counter(why for kind, why in lines if kind == "refused")
    assert refused == {"err.code.used": len(codes) * (PROCESSES - 1)}, refused
    (devices,) = rows(pg_dsn, f"SELECT count(*) FROM {SCHEMA}.devices")[0]
    assert devices == len(owners)
    store.close()


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
    stored = [key for (key,) in rows(pg_dsn, f"SELECT id_no FROM {SCHEMA}.accounts")]
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
